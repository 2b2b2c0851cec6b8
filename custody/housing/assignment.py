"""Housing: assign a bed under the rules in `housing_rules`, the bed history, the housing
board and the census.

Two officers assigning the same bed, or the same person to two beds, at the same moment:
the booking, unit and bed rows are locked (in that order) before anything is read, and
unique partial indexes on open assignments back it up, so exactly one wins and the other
gets a 409.
"""

from __future__ import annotations

import sqlalchemy as sa

from core import audit
from core.access import authorize
from core.actor import Actor
from core.db import db, lock_for_update, unit_of_work, utcnow
from core.errors import Conflict, NotFound
from core.events import publish
from core.validation import FieldErrors
from custody.audit_tags import CustodyAuditTag, CustodySubject
from custody.bookings.models import Booking, BookingStatus, Classification, RiskScreening
from custody.bookings.services import writable_booking
from custody.events import BookingHoused
from custody.facilities.models import Bed, HousingUnit
from custody.housing import rules as housing_rules
from custody.housing.models import BedAssignment
from custody.housing.rules import Occupant, Violation
from custody.permissions import CustodyPermission
from custody.restrictive.models import RestrictivePlacement


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


def occupants_of(unit_id: int, exclude_booking: int) -> list[Occupant]:
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
    taken = db.session.execute(
        sa.select(sa.func.count())
        .select_from(BedAssignment)
        .where(
            BedAssignment.bed_id == bed_id,
            BedAssignment.ended_at.is_(None),
            BedAssignment.booking_id != booking_id,
        )
    ).scalar_one()
    return taken > 0


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
        occupants=occupants_of(bed.unit_id, booking.id),
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
    errors = FieldErrors()
    override_reason = (
        errors.text("override_reason", override_reason, max_length=1000, required=False) or None
    )
    errors.raise_if_any()
    if override_reason:  # only a supervisor may override, whatever the rules turn out to be
        authorize(
            actor,
            CustodyPermission.CUSTODY_SUPERVISE,
            subject_type=CustodySubject.BOOKING,
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
        if booking is None:
            raise NotFound(f"No booking {booking_id}.")
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
        publish(
            BookingHoused(
                actor=actor,
                booking_id=booking.id,
                facility_id=booking.facility_id,
                occurred_at=now,
                bed_id=bed.id,
                from_bed_id=current_bed,
            )
        )
        audit.record(
            actor=actor,
            tag=CustodyAuditTag.HOUSING_OVERRIDE if violations else CustodyAuditTag.HOUSING_ASSIGN,
            subject_type=CustodySubject.BOOKING,
            subject_id=booking.id,
            changed_fields=["bed_id", *(f"override:{v.rule}" for v in violations)],
        )
        return assignment


# --- board and census ----------------------------------------------------------------
