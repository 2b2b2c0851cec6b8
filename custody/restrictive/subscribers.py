"""What restrictive housing does when the rest of custody changes (domain events)."""

from __future__ import annotations

from core.db import db
from core.events import subscribe
from custody.bookings.models import Booking
from custody.events import BookingReleased
from custody.restrictive.services.writing import end_placement


def end_placement_on_release(event: BookingReleased) -> None:
    """A person released from custody leaves restrictive housing: the placement and its
    clock series (checks, reviews, notifications) end at the release time."""
    booking = db.session.get(Booking, event.booking_id)
    if booking is not None and (placement := booking.placement) is not None:
        end_placement(event.actor, placement, event.occurred_at, "released from custody")


def register() -> None:
    subscribe(BookingReleased, end_placement_on_release)
