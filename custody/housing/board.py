"""A facility's housing board and census: every bed with its occupant and what the person needs."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from typing import TypedDict

import sqlalchemy as sa
from sqlalchemy.orm import contains_eager

from core.access import authorize
from core.actor import Actor
from core.db import db
from custody.audit_tags import CustodySubject
from custody.bookings.models import Booking, BookingStatus, Classification
from custody.facilities.models import Bed, Facility, HousingUnit
from custody.facilities.services import get_facility
from custody.facilities.units import unit_bed_counts
from custody.housing.models import BedAssignment
from custody.people.models import Alert, AlertKind, Detainee
from custody.people.search import alerts_shown
from custody.permissions import CustodyPermission
from health import patients


@dataclass
class BedSlot:
    bed: Bed
    booking_id: int | None = None
    person_id: int | None = None
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
        make_slot = occupants.get(bed.id, BedSlot)
        by_unit[bed.unit_id].append(make_slot(bed))
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
    shown = (slot for board in boards for slot in board.slots if slot.person_id is not None)
    alerts_shown(actor, {slot.person_id: slot.alerts for slot in shown if slot.person_id})
    return boards


def _occupancy(facility: Facility, *, with_people: bool) -> dict[int, Callable[[Bed], BedSlot]]:
    """Bed id → the slot of its occupant, made when given the bed."""
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
        return {row[0]: partial(BedSlot, booking_id=row[1]) for row in rows}
    person_ids = [row[2] for row in rows]
    alerts: dict[int, list[str]] = {}
    if person_ids:
        for detainee_id, kind in db.session.execute(
            sa.select(Alert.detainee_id, Alert.kind).where(
                Alert.detainee_id.in_(person_ids), Alert.ended_at.is_(None)
            )
        ):
            alerts.setdefault(detainee_id, []).append(kind)
        # and the custody-visible Flags clinicians set in the health record
        by_a_number = {row[5]: row[2] for row in rows}
        for a_number, found in patients.custody_alerts_of(list(by_a_number)).items():
            kinds = alerts.setdefault(by_a_number[a_number], [])
            kinds += [flag.code.replace("-", "_") for flag in found]
            alerts[by_a_number[a_number]] = list(dict.fromkeys(kinds))
    return {
        bed_id: partial(
            BedSlot,
            booking_id=booking_id,
            person_id=person_id,
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
        actor,
        CustodyPermission.DETAINEE_READ,
        subject_type=CustodySubject.FACILITY,
        subject_id=facility.id,
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
                # a person in transit is on neither facility's census until arrival
                .where(
                    Booking.facility_id == facility.id,
                    Booking.status.in_([BookingStatus.BOOKED, BookingStatus.HOUSED]),
                )
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
    items, housed_total = [], 0
    for unit in units:
        counts = by_unit.get(unit.id, Counter())
        total, in_service = beds.get(unit.id, (0, 0))
        occupied = sum(counts.values())
        housed_total += occupied
        items.append(
            {
                "unit_id": str(unit.id),
                "unit": unit.name,
                "kind": unit.kind,
                "beds": total,
                "beds_in_service": in_service,
                "occupied": occupied,
                "by_level": {k: counts.get(k, 0) for k in ("1", "2", "3", "unclassified")},
            }
        )
    return {
        "facility_code": facility.code,
        "population": sum(statuses.values()),
        "by_status": {s: statuses.get(s, 0) for s in (BookingStatus.BOOKED, BookingStatus.HOUSED)},
        "housed": housed_total,
        "units": items,
    }


class BedNeeds(TypedDict, total=False):
    """What a person needs from a bed: `housing_board`'s filters, by name (one left out
    filters nothing)."""

    needs_lower_bunk: bool
    needs_accessible: bool
    level: int | None
    sex: str | None


def needs_of(booking: Booking) -> BedNeeds:
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
