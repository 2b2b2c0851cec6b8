"""What the legal-access log does when the rest of custody changes (domain events):
bookings do not import this area; it subscribes to their events."""

from __future__ import annotations

from core.db import db
from core.events import subscribe
from custody.bookings.models import Booking
from custody.events import BookingOpened
from custody.legal.consular import open_task_at_booking


def notification_task_on_booking(event: BookingOpened) -> None:
    """A national of a mandatory-notification country gets a consular notification task,
    in the booking's transaction."""
    booking = db.session.get(Booking, event.booking_id)
    if booking is not None:
        open_task_at_booking(event.actor, booking)


def register() -> None:
    subscribe(BookingOpened, notification_task_on_booking)
