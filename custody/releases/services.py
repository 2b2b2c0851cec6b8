"""Releasing a person from custody, and the notifications a release requires.

`release_booking` does the whole release in one unit of work: the reason (a code of
`ReleaseReason`), the time (not before the booking's last recorded event, not in the
future), every line of the intake property receipt accounted for (returned, missing,
damaged, retained: nothing is returned silently), the continuity-of-care hand-over (the
fact only), the notifications the reason requires (recorded before, by
`record_release_notification`), then the bed freed, the health stay ended,
`BookingReleased` published and the audit entry written.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import Session

from core import audit
from core.actor import Actor
from core.db import db, lock_for_update, unit_of_work
from core.errors import Conflict, NotFound
from core.events import publish
from core.validation import FieldErrors, utcnow
from custody.audit_tags import CustodyAuditTag, CustodySubject
from custody.bookings.models import Booking, BookingStatus
from custody.bookings.services import get_booking, writable_booking
from custody.counsel.models import (
    AttorneyOfRecord,
    CounselChannel,
    CounselEvent,
    CounselNotification,
)
from custody.counsel.services import attorneys_of_record, record_counsel_notification
from custody.events import BookingReleased
from custody.releases.checks import continuity_of, property_returns
from custody.releases.inputs import NotificationIn, ReleaseIn
from custody.releases.models import Release, ReleaseNotification
from custody.releases.timeline import LastEvent, last_recorded_event
from custody.releases.vocabulary import (
    RECIPIENT_LABELS,
    Channel,
    Recipient,
    ReleaseReason,
    reason_code,
    required_notifications,
)
from health.patients import end_stay

__all__ = [
    "ALREADY_RELEASED",
    "ReleasePlan",
    "missing_notifications",
    "notifications_of",
    "record_release_notification",
    "release_booking",
    "release_plan",
    "release_record",
]


ALREADY_RELEASED = "already-released"  # the 409's `rule`: a second submit


def release_booking(*, actor: Actor, booking_id: int, release: ReleaseIn) -> Release:
    """Release the person: 422 naming the fields (reason not on the list, a time before
    the last recorded event or in the future, a receipt line not accounted for), 409 when
    already released, in transit, or a required notification is missing."""
    booking = writable_booking(actor, booking_id)
    errors = FieldErrors()
    reason = errors.choice("reason", reason_code(release.reason), tuple(ReleaseReason))
    notes = errors.text("notes", release.notes, max_length=2000, required=False) or None
    when = errors.time("released_at", release.released_at, required=False)
    if release.counsel_channel is not None:
        errors.choice("counsel_channel", release.counsel_channel, tuple(CounselChannel))
    errors.raise_if_any()
    with unit_of_work() as session:
        lock_for_update(session, Booking, [booking.id])
        session.refresh(booking)
        _refuse_unless_releasable(booking)
        when = _release_time(booking, when, errors)
        errors.time(
            "counsel_notified_at",
            release.counsel_notified_at,
            required=False,
            not_before=(when, "the release"),
        )
        returns = property_returns(booking, release.property, errors)
        care = continuity_of(release.continuity, reason, errors)
        errors.raise_if_any()
        _refuse_without_notifications(session, booking, reason)
        record = Release(
            booking=booking,
            reason=reason,
            released_at=when,
            notes=notes,
            released_by_id=actor.user_id,
            property_returns=[r.apply(when) for r in returns],
            **care.columns(actor, when),
        )
        session.add(record)
        _close_booking(actor, booking, record)
        _notify_attorney_of_record(actor, booking, record, release)
        audit.record(
            actor=actor,
            tag=CustodyAuditTag.BOOKING_RELEASE,
            subject_type=CustodySubject.BOOKING,
            subject_id=booking.id,
            changed_fields=["status", "released_at", "release_reason", "release", "property"],
            facility_id=booking.facility_id,
        )
        return record


def _refuse_unless_releasable(booking: Booking) -> None:
    if booking.status == BookingStatus.RELEASED:
        raise Conflict(f"Booking {booking.id} is already released.", rule=ALREADY_RELEASED)
    if booking.status == BookingStatus.IN_TRANSIT:
        raise Conflict("The person is in transit: complete or cancel the transfer first.")


def _release_time(booking: Booking, given: dt.datetime | None, errors: FieldErrors) -> dt.datetime:
    """The release time: given, or now (never before the last recorded event)."""
    last = last_recorded_event(booking)
    if given is None:
        return max(utcnow(), last.at)
    if given < last.at:
        where = last.describe(booking.facility.time_zone)
        errors.add(
            "released_at",
            f"This time is before the booking's last recorded event ({where}).",
        )
    return given


def _refuse_without_notifications(session: Session, booking: Booking, reason: str) -> None:
    missing = missing_notifications(session, booking.id, reason)
    if missing:
        names = "; ".join(RECIPIENT_LABELS[r] for r in missing)
        raise Conflict(
            f"Record these notifications before the release ({reason}): {names}.",
            field="notifications",
        )


def missing_notifications(session: Session, booking_id: int, reason: str) -> list[Recipient]:
    """The recipients `reason` requires that no recorded notification reached yet."""
    required = required_notifications(reason)
    if not required:
        return []
    done = set(
        session.scalars(
            sa.select(ReleaseNotification.recipient).where(
                ReleaseNotification.booking_id == booking_id
            )
        )
    )
    return [r for r in required if r.value not in done]


def _close_booking(actor: Actor, booking: Booking, record: Release) -> None:
    """The bed freed, the booking released, the health stay ended, the event published."""
    when = record.released_at
    if (current := booking.assignment) is not None:
        current.ended_at, current.end_reason = when, "released"
    booking.status, booking.released_at, booking.release_reason = (
        BookingStatus.RELEASED,
        when,
        record.reason,
    )
    # their health records stay readable here as history, no longer writable
    end_stay(
        actor=actor,
        a_number=booking.detainee.a_number,
        facility_id=booking.facility_id,
        ended_at=when,
    )
    # what still runs for the booking (a restrictive placement, the clocks) ends with it
    publish(
        BookingReleased(
            actor=actor, booking_id=booking.id, facility_id=booking.facility_id, occurred_at=when
        )
    )


def _notify_attorney_of_record(
    actor: Actor, booking: Booking, record: Release, release: ReleaseIn
) -> list[CounselNotification]:
    """The attorneys of record (active G-28s) told of the release by `counsel_channel`
    at `counsel_notified_at` (default now; never before the release), recorded in
    this unit of work through the counsel area (audited `custody:counsel:notify`).
    Without a channel nothing is recorded: the release page and the booking page show
    who is still to be told, and `counsel.services.record_counsel_notification`
    records it later."""
    if release.counsel_channel is None:
        return []
    db.session.flush()  # the release's id names the event
    return [
        record_counsel_notification(
            actor=actor,
            booking_id=booking.id,
            attorney_id=attorney.id,
            event_kind=CounselEvent.RELEASE,
            event_id=record.id,
            channel=release.counsel_channel,
            notified_at=release.counsel_notified_at,
            not_before=record.released_at,
        )
        for attorney in attorneys_of_record(actor=actor, booking_id=booking.id)
    ]


def record_release_notification(
    *, actor: Actor, booking_id: int, notification: NotificationIn
) -> ReleaseNotification:
    """A notification a release requires, made now or earlier (not before arrival)."""
    booking = writable_booking(actor, booking_id)
    errors = FieldErrors()
    recipient = errors.choice("recipient", notification.recipient, tuple(Recipient))
    channel = errors.choice("channel", notification.channel, tuple(Channel))
    when = errors.since("notified_at", notification.notified_at, (booking.booked_at, "arrival"))
    reference = errors.text("reference", notification.reference, max_length=200, required=False)
    errors.raise_if_any()
    with unit_of_work() as session:
        lock_for_update(session, Booking, [booking.id])
        session.refresh(booking)
        _refuse_unless_releasable(booking)
        row = ReleaseNotification(
            booking_id=booking.id,
            recipient=recipient,
            channel=channel,
            notified_at=when,
            reference=reference or None,
            recorded_by_id=actor.user_id,
        )
        session.add(row)
        session.flush()
        audit.record(
            actor=actor,
            tag=CustodyAuditTag.RELEASE_NOTIFY,
            subject_type=CustodySubject.BOOKING,
            subject_id=booking.id,
            changed_fields=["recipient", "channel", "notified_at", "reference"],
            facility_id=booking.facility_id,
        )
        return row


@dataclass(frozen=True)
class ReleasePlan:
    """What the release pages show before the release: the booking, the notifications
    recorded so far and the last recorded event (the earliest possible release time)."""

    booking: Booking
    notifications: Sequence[ReleaseNotification]
    last_event: LastEvent
    attorneys: Sequence[AttorneyOfRecord] = ()  # active G-28s: told of the release

    def missing(self, reason: str | None) -> list[Recipient]:
        done = {n.recipient for n in self.notifications}
        return [r for r in required_notifications(reason) if r.value not in done]


def release_plan(*, actor: Actor, booking_id: int) -> ReleasePlan:
    booking = get_booking(actor=actor, booking_id=booking_id)
    return ReleasePlan(
        booking=booking,
        notifications=_notifications(booking_id),
        last_event=last_recorded_event(booking),
        attorneys=attorneys_of_record(actor=actor, booking_id=booking_id),
    )


def notifications_of(*, actor: Actor, booking_id: int) -> Sequence[ReleaseNotification]:
    """The release notifications recorded for a booking, oldest first."""
    get_booking(actor=actor, booking_id=booking_id)
    return _notifications(booking_id)


def _notifications(booking_id: int) -> Sequence[ReleaseNotification]:
    return db.session.scalars(
        sa.select(ReleaseNotification)
        .where(ReleaseNotification.booking_id == booking_id)
        .order_by(ReleaseNotification.notified_at, ReleaseNotification.id)
    ).all()


def release_record(*, actor: Actor, booking_id: int) -> Release:
    """The booking's release record; NotFound while the person is held."""
    booking = get_booking(actor=actor, booking_id=booking_id)
    if booking.release is None:
        raise NotFound(f"Booking {booking_id} has no release record.")
    return booking.release
