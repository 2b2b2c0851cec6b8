"""Writing restrictive housing: placement, checks, reviews, field-office notifications and
release, each in one unit of work with its audit entry and clocks."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Session

from core import audit
from core.access import authorize, authorize_found
from core.actor import Actor
from core.db import db, lock_for_update, unit_of_work
from core.errors import Conflict
from core.i18n import local_time
from core.validation import FieldErrors
from custody.audit_tags import CustodyAuditTag, CustodySubject
from custody.bookings.models import Booking, BookingStatus
from custody.bookings.services import writable_booking
from custody.facilities.models import Bed, UnitKind
from custody.housing import assignment as housing
from custody.permissions import CustodyPermission
from custody.restrictive.models import (
    FieldOfficeNotification,
    ObservationCheck,
    PlacementReview,
    RestrictivePlacement,
)
from custody.restrictive.vocabulary import (
    CHECK_RULE,
    DECISIONS,
    KINDS,
    METHODS,
    NOTIFY_RULE,
    OBSERVATIONS,
    REVIEW_RULE,
    RULES,
    SUBJECT,
)
from custody.rules import clocks
from custody.rules.models import ClockStart

# --- writing -------------------------------------------------------------------------


def _writable(
    actor: Actor, placement_id: int, permission: CustodyPermission
) -> RestrictivePlacement:
    """Permission first (403 whatever exists), then the placement (404), then its
    facility (403 for a user limited to another facility). Checked as `get_placement`
    does, without its eager loads (the write locks and refreshes the row anyway)."""
    authorize(actor, permission, subject_type=SUBJECT, subject_id=placement_id)
    placement = authorize_found(
        actor,
        CustodyPermission.DETAINEE_READ,
        db.session.get(RestrictivePlacement, placement_id),
        facility_of=lambda p: p.booking.facility_id,
        subject_type=SUBJECT,
        subject_id=placement_id,
        missing=f"No restrictive-housing placement {placement_id}.",
    )
    authorize(
        actor,
        permission,
        facility_id=placement.booking.facility_id,
        check_facility=True,
        subject_type=SUBJECT,
        subject_id=placement_id,
    )
    return placement


def _lock_open(session: Session, placement: RestrictivePlacement) -> RestrictivePlacement:
    lock_for_update(session, RestrictivePlacement, [placement.id])
    session.refresh(placement)
    if placement.released_at is not None:
        raise Conflict(
            f"Placement {placement.id} was released at "
            f"{local_time(placement.released_at, _zone(placement))}.",
            rule="placement_released",
        )
    return placement


def _last_check_at(placement_id: int) -> dt.datetime | None:
    return db.session.scalar(
        sa.select(sa.func.max(ObservationCheck.checked_at)).where(
            ObservationCheck.placement_id == placement_id
        )
    )


def _not_before_last_check(
    placement: RestrictivePlacement, when: dt.datetime, name: str, message: str
) -> None:
    """422 on `name` when `when` lies before the placement's last check (`message` is
    formatted with that check's time, in the facility's local time with its zone)."""
    last = _last_check_at(placement.id)
    if last is not None and when < last:
        errors = FieldErrors()
        errors.add(name, message.format(local_time(last, _zone(placement))))
        errors.raise_if_any()


def _zone(placement: RestrictivePlacement) -> str:
    return placement.booking.facility.time_zone


def _restrictive_bed(bed_id: object, booking: Booking, errors: FieldErrors) -> int | None:
    """A bed of a restrictive unit of the booking's facility, or None (none given, or an
    error on `bed_id`)."""
    number = errors.identifier("bed_id", bed_id, required=False)
    if number is None:
        return None
    bed = db.session.get(Bed, number)
    if bed is None or bed.unit.facility_id != booking.facility_id:
        errors.add("bed_id", "Choose a bed in this facility.")
        return None
    if bed.unit.kind != UnitKind.RESTRICTIVE:
        errors.add("bed_id", f"Bed {bed.label} is not in a restrictive-housing unit.")
        return None
    return bed.id


def _lower(value: object) -> object:
    """Choices are taken in any case ("Email" is email), as before the toolkit."""
    return value.lower() if isinstance(value, str) else value


def place_in_restrictive_housing(
    *,
    actor: Actor,
    booking_id: int,
    kind: str,
    reason: str,
    placed_at: dt.datetime | None = None,
    bed_id: int | None = None,
    override_reason: str | None = None,
) -> RestrictivePlacement:
    """A supervisor places a person in restrictive housing: 409 if already placed or the
    booking is not active. Opens the check, review and notification clocks; with
    `bed_id`, moves the person to that bed of a restrictive unit in the same unit of
    work (so a refused bed undoes the placement too); `override_reason` overrides the
    housing rules a supervisor may override for that bed."""
    authorize(
        actor,
        CustodyPermission.CUSTODY_SUPERVISE,
        subject_type=CustodySubject.BOOKING,
        subject_id=booking_id,
    )
    booking = writable_booking(actor, booking_id)
    errors = FieldErrors()
    kind = errors.choice("kind", _lower(kind), KINDS)
    reason = errors.text("reason", reason, max_length=2000)
    arrival = (booking.booked_at, "arrival")
    when = errors.since("placed_at", placed_at, arrival)
    bed = _restrictive_bed(bed_id, booking, errors)
    errors.raise_if_any()
    with unit_of_work() as session:
        lock_for_update(session, Booking, [booking.id])
        session.refresh(booking)
        if booking.status not in (BookingStatus.BOOKED, BookingStatus.HOUSED):
            raise Conflict(f"The booking is {booking.status}.", rule="booking_not_active")
        if (current := housing.open_placement(booking.id)) is not None:
            raise Conflict(
                f"The person is already in restrictive housing (placement {current.id}).",
                existing_id=str(current.id),
            )
        placement = RestrictivePlacement(
            booking=booking, kind=kind, reason=reason, placed_at=when, placed_by_id=actor.user_id
        )
        session.add(placement)
        try:
            session.flush()
        except sa.exc.IntegrityError as err:  # the partial unique index caught a race
            raise Conflict("The person is already in restrictive housing.") from err
        clocks.open_clocks(
            booking, ClockStart.PLACEMENT, when, subject_type=SUBJECT, subject_id=placement.id
        )
        if bed is not None:
            _assign(actor, booking.id, bed, override_reason)
        audit.record(
            actor=actor,
            tag=CustodyAuditTag.RESTRICTIVE_PLACE,
            subject_type=SUBJECT,
            subject_id=placement.id,
            changed_fields=["booking_id", "kind", "reason", "placed_at"]
            + (["bed_id"] if bed else []),
        )
        return placement


def _assign(actor: Actor, booking_id: int, bed_id: int, override_reason: str | None) -> None:
    try:
        housing.assign_bed(
            actor=actor, booking_id=booking_id, bed_id=bed_id, override_reason=override_reason
        )
    except Conflict as err:  # shown next to the bed on the page
        err.details.setdefault("field", "bed_id")
        raise


def record_check(
    *,
    actor: Actor,
    placement_id: int,
    checked_at: dt.datetime | None = None,
    observation: str = "observed",
) -> ObservationCheck:
    """An officer saw the person: closes the open check clock and opens the next one,
    due 30 minutes later."""
    placement = _writable(actor, placement_id, CustodyPermission.DETAINEE_WRITE)
    errors = FieldErrors()
    observation = errors.choice("observation", _lower(observation or "observed"), OBSERVATIONS)
    when = errors.since("checked_at", checked_at, (placement.placed_at, "placement"))
    errors.raise_if_any()
    with unit_of_work() as session:
        placement = _lock_open(session, placement)
        _not_before_last_check(placement, when, "checked_at", "A later check ({}) is recorded.")
        check = ObservationCheck(
            placement=placement, checked_at=when, officer_id=actor.user_id, observation=observation
        )
        _log(
            actor,
            placement,
            check,
            when,
            "check",
            CustodyAuditTag.RESTRICTIVE_CHECK,
            ["checked_at", "observation"],
        )
        return check


_RULE_OF = {"check": CHECK_RULE, "review": REVIEW_RULE, "notification": NOTIFY_RULE}


def _log(
    actor: Actor,
    placement: RestrictivePlacement,
    row: ObservationCheck | PlacementReview | FieldOfficeNotification,
    when: dt.datetime,
    what: str,
    tag: CustodyAuditTag,
    fields: list[str],
    *,
    repeat: bool = True,
) -> None:
    """Store a check, review or notification (`what`): it closes the open clock of its
    rule, met by `<what>:<id>`, which opens the next unless `repeat` is False; audited."""
    db.session.add(row)
    db.session.flush()
    _close(placement, _RULE_OF[what], when, f"{what}:{row.id}", repeat=repeat)
    audit.record(
        actor=actor, tag=tag, subject_type=SUBJECT, subject_id=placement.id, changed_fields=fields
    )


def _close(
    placement: RestrictivePlacement, rule: str, when: dt.datetime, by: str, repeat: bool = True
) -> None:
    clocks.close_clocks(
        placement.booking,
        rule,
        when,
        by,
        subject_type=SUBJECT,
        subject_id=placement.id,
        repeat=repeat,
    )


def record_review(
    *,
    actor: Actor,
    placement_id: int,
    decision: str,
    note: str,
    reviewed_at: dt.datetime | None = None,
) -> PlacementReview:
    """A supervisor reviews the placement: closes the review clock, and either opens the
    next (due 7 days after this review) or, on `release`, releases."""
    placement = _writable(actor, placement_id, CustodyPermission.CUSTODY_SUPERVISE)
    errors = FieldErrors()
    decision = errors.choice("decision", _lower(decision), DECISIONS)
    note = errors.text("note", note, max_length=2000)
    when = errors.since("reviewed_at", reviewed_at, (placement.placed_at, "placement"))
    errors.raise_if_any()
    with unit_of_work() as session:
        placement = _lock_open(session, placement)
        review = PlacementReview(
            placement=placement,
            reviewed_at=when,
            reviewer_id=actor.user_id,
            decision=decision,
            note=note,
        )
        fields = ["decision", "note", "reviewed_at"]
        _log(
            actor,
            placement,
            review,
            when,
            "review",
            CustodyAuditTag.RESTRICTIVE_REVIEW,
            fields,
            repeat=decision == "continue",
        )
        if decision == "release":
            end_placement(actor, placement, when, note)
        return review


def record_notification(
    *,
    actor: Actor,
    placement_id: int,
    recipient: str,
    method: str,
    notified_at: dt.datetime | None = None,
) -> FieldOfficeNotification:
    """A supervisor notified the field office: closes the open notification clock; the
    series goes on (30, 60, 90 … days after placement) until release."""
    placement = _writable(actor, placement_id, CustodyPermission.CUSTODY_SUPERVISE)
    errors = FieldErrors()
    recipient = errors.text("recipient", recipient, max_length=200)
    method = errors.choice("method", _lower(method), METHODS)
    when = errors.since("notified_at", notified_at, (placement.placed_at, "placement"))
    errors.raise_if_any()
    with unit_of_work() as session:
        placement = _lock_open(session, placement)
        notification = FieldOfficeNotification(
            placement=placement,
            notified_at=when,
            notified_by_id=actor.user_id,
            recipient=recipient,
            method=method,
        )
        fields = ["notified_at", "recipient", "method"]
        _log(
            actor,
            placement,
            notification,
            when,
            "notification",
            CustodyAuditTag.RESTRICTIVE_NOTIFY,
            fields,
        )
        return notification


def release_from_restrictive_housing(
    *,
    actor: Actor,
    placement_id: int,
    note: str,
    released_at: dt.datetime | None = None,
) -> RestrictivePlacement:
    """A supervisor ends the placement: every open clock of its three series closes
    (met by `released`) and none opens again. The bed is not changed: move the person
    with a housing assignment."""
    placement = _writable(actor, placement_id, CustodyPermission.CUSTODY_SUPERVISE)
    errors = FieldErrors()
    note = errors.text("note", note, max_length=2000)
    when = errors.since("released_at", released_at, (placement.placed_at, "placement"))
    errors.raise_if_any()
    with unit_of_work() as session:
        placement = _lock_open(session, placement)
        _not_before_last_check(
            placement, when, "released_at", "A check at {} comes after this time."
        )
        end_placement(actor, placement, when, note)
        return placement


def end_placement(
    actor: Actor, placement: RestrictivePlacement, when: dt.datetime, note: str
) -> None:
    """End a placement and its clock series (inside the caller's unit of work)."""
    placement.released_at, placement.release_note = when, note
    placement.released_by_id = actor.user_id
    for rule in RULES:
        _close(placement, rule, when, "released", repeat=False)
    audit.record(
        actor=actor,
        tag=CustodyAuditTag.RESTRICTIVE_RELEASE,
        subject_type=SUBJECT,
        subject_id=placement.id,
        changed_fields=["released_at", "release_note"],
    )
