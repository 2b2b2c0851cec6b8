"""Custody's domain events, published inside the unit of work of the change they
describe (`core.events`): subscribers run in the same transaction, and every event is
kept in the outbox for partners. Payloads carry ids, codes and times only."""

from __future__ import annotations

import datetime as dt
from typing import ClassVar

from core.actor import Actor
from core.events import Event, JSONValue, json_safe


class BookingEvent(Event):
    """Something happened to a booking. `actor` is who did it: subscribers act and audit
    in their name; the outbox keeps only their user id."""

    kind: ClassVar[str]
    actor: Actor
    booking_id: int
    facility_id: int
    occurred_at: dt.datetime

    def subject(self) -> tuple[str, str]:
        return ("booking", str(self.booking_id))

    def payload(self) -> dict[str, JSONValue]:
        values = {
            "booking_id": self.booking_id,
            "facility_id": self.facility_id,
            "occurred_at": self.occurred_at,
            "actor_id": self.actor.user_id,
        }
        return {name: json_safe(value) for name, value in {**values, **self.details()}.items()}

    def details(self) -> dict[str, object]:
        """What this kind of event adds to the payload."""
        return {}


class BookingOpened(BookingEvent):
    """A person was booked into a facility."""

    kind = "custody.booking.opened"
    detainee_id: int

    def details(self) -> dict[str, object]:
        return {"detainee_id": self.detainee_id}


class BookingHoused(BookingEvent):
    """A booked person was given a bed (first bed or a move)."""

    kind = "custody.booking.housed"
    bed_id: int
    from_bed_id: int | None

    def details(self) -> dict[str, object]:
        return {"bed_id": self.bed_id, "from_bed_id": self.from_bed_id}


class BookingReleased(BookingEvent):
    """A person was released from custody: what still runs for the booking ends."""

    kind = "custody.booking.released"


class TransferDeparted(BookingEvent):
    """The person left the sending facility (`facility_id`) en route to another: the
    sending facility's clocks for the booking stop, its bed is already freed."""

    kind = "custody.transfer.departed"
    transfer_id: int
    to_facility_id: int

    def details(self) -> dict[str, object]:
        return {"transfer_id": self.transfer_id, "to_facility_id": self.to_facility_id}


class TransferArrived(BookingEvent):
    """The person arrived at the receiving facility (`facility_id`): the booking now
    belongs to it and its intake clocks start at `occurred_at`."""

    kind = "custody.transfer.arrived"
    transfer_id: int
    from_facility_id: int

    def details(self) -> dict[str, object]:
        return {"transfer_id": self.transfer_id, "from_facility_id": self.from_facility_id}
