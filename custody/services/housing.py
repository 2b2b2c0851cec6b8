"""Housing: assign a bed under the rules in `housing_rules`, the bed history, the housing
board and the census.

Two officers assigning the same bed, or the same person to two beds, at the same moment:
the booking, unit and bed rows are locked (in that order) before anything is read, and
unique partial indexes on open assignments back it up, so exactly one wins and the other
gets a 409.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field

import sqlalchemy as sa
from sqlalchemy.orm import contains_eager, selectinload

from core import audit
from core.access import authorize
from core.actor import Actor
from core.db import db, lock_for_update, unit_of_work, utcnow
from core.errors import Conflict, NotFound, ValidationFailed
from custody.models import (
    Alert,
    AlertKind,
    Bed,
    BedAssignment,
    Booking,
    BookingStatus,
    Classification,
    Detainee,
    Facility,
    HousingUnit,
    RestrictivePlacement,
    RiskScreening,
)
from custody.permissions import CustodyPermission
from custody.services import housing_rules
from custody.services.facilities import get_facility, unit_bed_counts
from custody.services.housing_rules import Occupant, Violation
from custody.services.intake import get_booking, writable_booking


class HousingRefused(Conflict):
    """409 naming the rules the placement breaks."""

    def __init__(self, violations: list[Violation]) -> None:
        first = violations[0]
        overridable = all(not v.hard for v in violations)
        hint = " A supervisor may override with a reason." if overridable else ""
        super().__init__(
            f"{first.message}{hint}",
            rule=first.rule,
            rules=[v.as_dict() for v in violations],
        )


def _occupants(unit_id: int, exclude_booking: int) -> list[Occupant]:
    current = (
        sa.select(Classification.level)
        .where(Classification.booking_id == Booking.id, Classification.superseded_at.is_(None))
        .scalar_subquery()
    )
    abusive = (
        sa.select(RiskScreening.abusiveness_risk)
        .where(RiskScreening.booking_id == Booking.id)
        .order_by(RiskScreening.id.desc())
        .limit(1)
        .scalar_subquery()
    )
    rows = db.session.execute(
        sa.select(current, abusive)
        .select_from(BedAssignment)
        .join(Bed, Bed.id == BedAssignment.bed_id)
        .join(Booking, Booking.id == BedAssignment.booking_id)
        .where(
            Bed.unit_id == unit_id,
            BedAssignment.ended_at.is_(None),
            BedAssignment.booking_id != exclude_booking,
        )
    ).all()
    return [Occupant(level=row[0], abusiveness_risk=bool(row[1])) for row in rows]


def _bed_taken(bed_id: int, booking_id: int) -> bool:
    return (
        db.session.scalar(
            sa.select(sa.func.count())
            .select_from(BedAssignment)
            .where(
                BedAssignment.bed_id == bed_id,
                BedAssignment.ended_at.is_(None),
                BedAssignment.booking_id != booking_id,
            )
        )
        > 0
    )


def open_placement(booking_id: int) -> RestrictivePlacement | None:
    """The booking's restrictive-housing placement not yet released, if any."""
    return db.session.scalar(
        sa.select(RestrictivePlacement).where(
            RestrictivePlacement.booking_id == booking_id,
            RestrictivePlacement.released_at.is_(None),
        )
    )


def evaluate(booking: Booking, bed: Bed) -> list[Violation]:
    return housing_rules.check(
        booking,
        bed,
        bed_taken=_bed_taken(bed.id, booking.id),
        occupants=_occupants(bed.unit_id, booking.id),
        has_placement=open_placement(booking.id) is not None,
    )


KEEP = -1  # `from_bed_id` not given: move from wherever the person is


def assign_bed(
    *,
    actor: Actor,
    booking_id: int,
    bed_id: int,
    override_reason: str | None = None,
    from_bed_id: int | None = KEEP,
) -> BedAssignment:
    """Put the person in the bed (ending the current assignment). 409 names the broken
    rules; soft rules give way to a supervisor's `override_reason`.

    `from_bed_id` guards against lost updates: the bed the caller believes the person is
    in (None: not housed). When it is no longer true, 409 `housing_changed` — so of two
    officers housing the same person at the same moment, exactly one wins."""
    writable_booking(actor, booking_id)
    override_reason = (override_reason or "").strip() or None
    if override_reason and len(override_reason) > 1000:
        raise ValidationFailed({"override_reason": ["Use at most 1000 characters."]})
    if override_reason:  # only a supervisor may override, whatever the rules turn out to be
        authorize(
            actor,
            CustodyPermission.CUSTODY_SUPERVISE,
            subject_type="booking",
            subject_id=booking_id,
        )
    with unit_of_work() as session:
        lock_for_update(session, Booking, [booking_id])  # first: before any read
        bed = session.get(Bed, bed_id)
        if bed is None:
            raise NotFound(f"No bed {bed_id}.")
        lock_for_update(session, HousingUnit, [bed.unit_id])
        lock_for_update(session, Bed, [bed_id])
        booking = session.get(Booking, booking_id)
        assert booking is not None
        session.refresh(booking)
        session.refresh(bed)
        current = booking.assignment
        current_bed = None if current is None else current.bed_id
        if from_bed_id != KEEP and from_bed_id != current_bed:
            where = "not housed" if current is None else f"in bed {current.bed.label}"
            raise Conflict(
                f"The person's housing changed meanwhile: now {where}. Reload and try again.",
                rule="housing_changed",
            )
        if current is not None and current.bed_id == bed_id:
            raise Conflict(f"The person is already in bed {bed.label}.", rule="same_bed")
        violations = evaluate(booking, bed)
        hard = [v for v in violations if v.hard]
        if hard or (violations and not override_reason):
            raise HousingRefused(hard or violations)
        now = utcnow()
        if current is not None:
            current.ended_at, current.end_reason = now, "moved"
            session.flush()
        assignment = BedAssignment(
            booking=booking,
            bed=bed,
            started_at=now,
            assigned_by_id=actor.user_id,
            overridden_rules=[v.rule for v in violations],
            override_reason=override_reason if violations else None,
        )
        session.add(assignment)
        booking.status = BookingStatus.HOUSED
        try:
            session.flush()
        except sa.exc.IntegrityError as err:  # the partial unique index caught a race
            raise Conflict(f"Bed {bed.label} is occupied.", rule="bed_taken") from err
        audit.record(
            actor=actor,
            tag="custody:housing:override" if violations else "custody:housing:assign",
            subject_type="booking",
            subject_id=booking.id,
            changed_fields=["bed_id", *(f"override:{v.rule}" for v in violations)],
        )
        return assignment


def bed_history(*, actor: Actor, booking_id: int) -> Sequence[BedAssignment]:
    booking = get_booking(actor=actor, booking_id=booking_id)
    return db.session.scalars(
        sa.select(BedAssignment)
        .options(selectinload(BedAssignment.bed).selectinload(Bed.unit))
        .where(BedAssignment.booking_id == booking.id)
        .order_by(BedAssignment.started_at.desc(), BedAssignment.id.desc())
    ).all()


# --- board and census ----------------------------------------------------------------


@dataclass
class BedSlot:
    bed: Bed
    booking_id: int | None = None
    occupant: str | None = None
    a_number: str | None = None
    level: int | None = None
    alerts: list[str] = field(default_factory=list)

    @property
    def is_free(self) -> bool:
        return self.booking_id is None and self.bed.is_in_service


@dataclass
class UnitBoard:
    """One unit: `slots` are the beds shown (after the filters) and `free` counts them;
    `occupied` and the levels present count every bed of the unit."""

    unit: HousingUnit
    slots: list[BedSlot]
    every_slot: list[BedSlot]

    @property
    def occupied(self) -> int:
        return sum(1 for s in self.every_slot if s.booking_id is not None)

    @property
    def free(self) -> int:
        return sum(1 for s in self.slots if s.is_free)

    @property
    def levels_present(self) -> list[int]:
        return sorted({s.level for s in self.every_slot if s.level is not None})


def housing_board(
    *,
    actor: Actor,
    facility_code: str,
    needs_lower_bunk: bool = False,
    needs_accessible: bool = False,
    level: int | None = None,
    sex: str | None = None,
    free_only: bool = False,
) -> list[UnitBoard]:
    """Units × beds with occupants (name, A-number, level, alerts), in four queries
    whatever the size of the facility. Filters keep beds fit for what a person needs.
    Without the permission to read people (an administrator) a taken bed shows as taken,
    without who is in it."""
    facility = get_facility(actor=actor, code=facility_code)
    units = db.session.scalars(
        sa.select(HousingUnit)
        .where(HousingUnit.facility_id == facility.id)
        .order_by(HousingUnit.name)
    ).all()
    beds = db.session.scalars(
        sa.select(Bed)
        .join(HousingUnit)
        .options(contains_eager(Bed.unit))
        .where(HousingUnit.facility_id == facility.id)
        .order_by(Bed.unit_id, Bed.label)
    ).all()
    occupants = _occupancy(facility, with_people=actor.can(CustodyPermission.DETAINEE_READ))
    by_unit: dict[int, list[BedSlot]] = {u.id: [] for u in units}
    for bed in beds:
        slot = occupants.get(bed.id) or BedSlot(bed)
        slot.bed = bed
        by_unit[bed.unit_id].append(slot)
    boards = []
    for unit in units:
        if level is not None and level not in unit.levels:
            continue
        if sex and unit.sex_housed not in (sex, "any"):
            continue
        every_slot = slots = by_unit[unit.id]
        if free_only or needs_lower_bunk or needs_accessible:
            slots = [
                s
                for s in slots
                if s.is_free
                and (s.bed.is_lower_bunk or not needs_lower_bunk)
                and (s.bed.is_accessible or not needs_accessible)
            ]
        board = UnitBoard(unit, slots, every_slot)
        if level is not None and {level, *board.levels_present} >= {1, 3}:
            continue  # L1 with L3: never offered
        boards.append(board)
    return boards


def _occupancy(facility: Facility, *, with_people: bool) -> dict[int, BedSlot]:
    rows = db.session.execute(
        sa.select(
            BedAssignment.bed_id,
            Booking.id,
            Detainee.id,
            Detainee.family_name,
            Detainee.given_name,
            Detainee.a_number,
            Classification.level,
        )
        .join(Booking, Booking.id == BedAssignment.booking_id)
        .join(Detainee, Detainee.id == Booking.detainee_id)
        .outerjoin(
            Classification,
            sa.and_(
                Classification.booking_id == Booking.id, Classification.superseded_at.is_(None)
            ),
        )
        .where(Booking.facility_id == facility.id, BedAssignment.ended_at.is_(None))
    ).all()
    if not with_people:
        return {row[0]: BedSlot(bed=None, booking_id=row[1]) for row in rows}  # type: ignore[arg-type]
    person_ids = [row[2] for row in rows]
    alerts: dict[int, list[str]] = {}
    if person_ids:
        for detainee_id, kind in db.session.execute(
            sa.select(Alert.detainee_id, Alert.kind).where(
                Alert.detainee_id.in_(person_ids), Alert.ended_at.is_(None)
            )
        ):
            alerts.setdefault(detainee_id, []).append(kind)
    return {
        bed_id: BedSlot(
            bed=None,  # type: ignore[arg-type]  # set by the caller
            booking_id=booking_id,
            occupant=f"{family}, {given}",
            a_number=a_number,
            level=level,
            alerts=sorted(alerts.get(person_id, [])),
        )
        for bed_id, booking_id, person_id, family, given, a_number, level in rows
    }


def census(*, actor: Actor, facility_code: str) -> dict[str, object]:
    """Current population by unit and classification level, counted in the database."""
    facility = get_facility(actor=actor, code=facility_code)
    authorize(
        actor, CustodyPermission.DETAINEE_READ, subject_type="facility", subject_id=facility.id
    )
    level = (
        sa.select(Classification.level)
        .where(Classification.booking_id == Booking.id, Classification.superseded_at.is_(None))
        .scalar_subquery()
    )
    housed = db.session.execute(
        sa.select(HousingUnit.id, level, sa.func.count())
        .select_from(BedAssignment)
        .join(Bed, Bed.id == BedAssignment.bed_id)
        .join(HousingUnit, HousingUnit.id == Bed.unit_id)
        .join(Booking, Booking.id == BedAssignment.booking_id)
        .where(HousingUnit.facility_id == facility.id, BedAssignment.ended_at.is_(None))
        .group_by(HousingUnit.id, level)
    ).all()
    statuses = Counter(
        dict(
            db.session.execute(
                sa.select(Booking.status, sa.func.count())
                .where(Booking.facility_id == facility.id, Booking.status != BookingStatus.RELEASED)
                .group_by(Booking.status)
            ).all()
        )
    )
    by_unit: dict[int, Counter[str]] = {}
    for unit_id, lvl, count in housed:
        by_unit.setdefault(unit_id, Counter())[str(lvl) if lvl else "unclassified"] += count
    units = db.session.scalars(
        sa.select(HousingUnit)
        .where(HousingUnit.facility_id == facility.id)
        .order_by(HousingUnit.name)
    ).all()
    beds = unit_bed_counts(unit_ids=[unit.id for unit in units])
    items = []
    for unit in units:
        counts = by_unit.get(unit.id, Counter())
        total, in_service = beds.get(unit.id, (0, 0))
        items.append(
            {
                "unit_id": str(unit.id),
                "unit": unit.name,
                "kind": unit.kind,
                "beds": total,
                "beds_in_service": in_service,
                "occupied": sum(counts.values()),
                "by_level": {k: counts.get(k, 0) for k in ("1", "2", "3", "unclassified")},
            }
        )
    return {
        "facility_code": facility.code,
        "population": sum(statuses.values()),
        "by_status": {s.value: statuses.get(s.value, 0) for s in BookingStatus if s != "released"},
        "housed": sum(i["occupied"] for i in items),  # type: ignore[misc]
        "units": items,
    }


def needs_of(booking: Booking) -> dict[str, object]:
    """What a person needs from a bed, for the board's filters."""
    person = booking.detainee
    classification = booking.classification
    return {
        "needs_lower_bunk": person.has_alert(AlertKind.LOWER_BUNK),
        "needs_accessible": person.has_alert(AlertKind.ACCESSIBLE_BED),
        "level": classification.level if classification else None,
        "sex": person.sex if person.sex != "unknown" else None,
    }


def beds_with_occupants(
    *,
    actor: Actor,
    facility_code: str,
    available: bool | None = None,
    unit_id: int | None = None,
    in_service: bool | None = None,
) -> list[BedSlot]:
    """The facility's beds with their occupant; `available=True` keeps the free beds in
    service, `available=False` the others."""
    slots = [
        slot
        for board in housing_board(actor=actor, facility_code=facility_code)
        for slot in board.slots
        if unit_id is None or board.unit.id == unit_id
    ]
    if in_service is not None:
        slots = [s for s in slots if s.bed.is_in_service is in_service]
    if available is not None:
        slots = [s for s in slots if s.is_free is available]
    return slots
