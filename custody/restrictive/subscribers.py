"""What restrictive housing does when the rest of custody changes (domain events)."""

from __future__ import annotations

from core.db import db
from core.events import subscribe
from custody.bookings.models import Booking
from custody.events import BookingReleased, TransferDeparted
from custody.restrictive.services.writing import end_placement


def end_placement_on_release(event: BookingReleased) -> None:
    """A person released from custody leaves restrictive housing: the placement and its
    clock series (checks, reviews, notifications) end at the release time."""
    booking = db.session.get(Booking, event.booking_id)
    if booking is not None and (placement := booking.placement) is not None:
        end_placement(event.actor, placement, event.occurred_at, "released from custody")


def end_placement_on_departure(event: TransferDeparted) -> None:
    """A person transferred out leaves the sending facility's restrictive housing: the
    placement and its clock series end at the departure."""
    booking = db.session.get(Booking, event.booking_id)
    if booking is not None and (placement := booking.placement) is not None:
        end_placement(event.actor, placement, event.occurred_at, "transferred out")


def register() -> None:
    subscribe(BookingReleased, end_placement_on_release)
    subscribe(TransferDeparted, end_placement_on_departure)
