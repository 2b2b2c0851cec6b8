"""Release from custody: the bed freed, open clocks stopped, property returned."""

from __future__ import annotations

import datetime as dt

from core import audit
from core.actor import Actor
from core.db import lock_for_update, unit_of_work
from core.errors import Conflict
from core.events import publish
from core.validation import FieldErrors
from custody.audit_tags import CustodyAuditTag, CustodySubject
from custody.bookings.models import Booking, BookingStatus
from custody.bookings.services import writable_booking
from custody.events import BookingReleased
from health.patients import end_stay


def release_booking(
    *, actor: Actor, booking_id: int, reason: str, released_at: dt.datetime | None = None
) -> Booking:
    """Release: the bed is freed, open clocks stop counting, property is returned against
    the receipt."""
    booking = writable_booking(actor, booking_id)
    errors = FieldErrors()
    when = errors.since("released_at", released_at, (booking.booked_at, "arrival"))
    reason = errors.text("reason", reason, max_length=500)
    errors.raise_if_any()
    with unit_of_work() as session:
        lock_for_update(session, Booking, [booking.id])
        session.refresh(booking)
        if booking.status == BookingStatus.RELEASED:
            raise Conflict(f"Booking {booking.id} is already released.")
        if booking.status == BookingStatus.IN_TRANSIT:
            raise Conflict("The person is in transit: complete or cancel the transfer first.")
        if (current := booking.assignment) is not None:
            current.ended_at, current.end_reason = when, "released"
        for item in booking.property_items:
            item.returned_at = item.returned_at or when
        booking.status, booking.released_at, booking.release_reason = (
            BookingStatus.RELEASED,
            when,
            reason,
        )
        # their health records stay readable here as history, no longer writable
        end_stay(
            actor=actor,
            a_number=booking.detainee.a_number,
            facility_id=booking.facility_id,
            ended_at=when,
        )
        # what still runs for the booking (a restrictive placement's clocks) ends with it
        publish(
            BookingReleased(
                actor=actor,
                booking_id=booking.id,
                facility_id=booking.facility_id,
                occurred_at=when,
            )
        )
        audit.record(
            actor=actor,
            tag=CustodyAuditTag.BOOKING_RELEASE,
            subject_type=CustodySubject.BOOKING,
            subject_id=booking.id,
            changed_fields=["status", "released_at", "release_reason"],
            facility_id=booking.facility_id,
        )
        return booking
