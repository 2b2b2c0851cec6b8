"""The last recorded event of a booking: a release may not be dated before it.

The sources are the booking's own records (arrival, bed assignments, classifications,
risk screenings, restrictive placements with their checks, reviews and field-office
notifications, property handed back) and, generically, the domain-event outbox rows
whose subject is the booking (`core.events`), so an area added later (transfers, legal
access) counts as soon as it publishes an event about the booking. The notifications a
release requires are not counted: they follow the event they report (a death).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from core.db import db
from core.events import OutboxEvent
from core.i18n import local_time
from custody.bookings.models import Booking, Classification, PropertyItem, RiskScreening
from custody.housing.models import BedAssignment
from custody.restrictive.models import (
    FieldOfficeNotification,
    ObservationCheck,
    PlacementReview,
    RestrictivePlacement,
)


@dataclass(frozen=True)
class LastEvent:
    at: dt.datetime
    what: str

    def describe(self, time_zone: str) -> str:
        """`bed assignment, 12/01/2026 09:05 CST` (the facility's local time)."""
        return f"{self.what}, {local_time(self.at, time_zone)}"


def _sources(booking_id: int) -> list[tuple[str, Any]]:
    placement_ids = sa.select(RestrictivePlacement.id).where(
        RestrictivePlacement.booking_id == booking_id
    )
    return [
        ("bed assignment", _latest(BedAssignment.started_at, BedAssignment.booking_id, booking_id)),
        (
            "end of a bed assignment",
            _latest(BedAssignment.ended_at, BedAssignment.booking_id, booking_id),
        ),
        (
            "classification",
            _latest(Classification.classified_at, Classification.booking_id, booking_id),
        ),
        (
            "risk screening",
            _latest(RiskScreening.screened_at, RiskScreening.booking_id, booking_id),
        ),
        (
            "restrictive-housing placement",
            _latest(RestrictivePlacement.placed_at, RestrictivePlacement.booking_id, booking_id),
        ),
        (
            "restrictive-housing release",
            _latest(RestrictivePlacement.released_at, RestrictivePlacement.booking_id, booking_id),
        ),
        (
            "restrictive-housing check",
            _within(ObservationCheck.checked_at, ObservationCheck.placement_id, placement_ids),
        ),
        (
            "restrictive-housing review",
            _within(PlacementReview.reviewed_at, PlacementReview.placement_id, placement_ids),
        ),
        (
            "field-office notification",
            _within(
                FieldOfficeNotification.notified_at,
                FieldOfficeNotification.placement_id,
                placement_ids,
            ),
        ),
        (
            "property handed back",
            _latest(PropertyItem.returned_at, PropertyItem.booking_id, booking_id),
        ),
    ]


def _latest(column: Any, key: Any, booking_id: int) -> Any:
    return sa.select(sa.func.max(column)).where(key == booking_id)


def _within(column: Any, key: Any, ids: Any) -> Any:
    return sa.select(sa.func.max(column)).where(key.in_(ids))


# what the pages call the events custody publishes about a booking; others by their kind
EVENT_LABELS = {
    "custody.booking.opened": "arrival",
    "custody.booking.housed": "bed assignment",
    "custody.transfer.departed": "transfer departure",
    "custody.transfer.arrived": "transfer arrival",
}


def _newest_outbox_event(booking_id: int) -> LastEvent | None:
    """The newest event about the booking in the outbox, at the time it happened (the
    payload's `occurred_at`), else when it was recorded."""
    rows = db.session.execute(
        sa.select(OutboxEvent.occurred_at, OutboxEvent.kind, OutboxEvent.payload).where(
            OutboxEvent.subject_type == "booking", OutboxEvent.subject_id == str(booking_id)
        )
    )
    newest: LastEvent | None = None
    for recorded_at, kind, payload in rows:
        at = _payload_time(payload) or recorded_at
        if newest is None or at > newest.at:
            newest = LastEvent(at, EVENT_LABELS.get(kind, f"event {kind}"))
    return newest


def _payload_time(payload: object) -> dt.datetime | None:
    value = payload.get("occurred_at") if isinstance(payload, dict) else None
    try:
        at = dt.datetime.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        return None
    return at if at is not None and at.tzinfo is not None else None


def last_recorded_event(booking: Booking) -> LastEvent:
    """The newest of the booking's recorded events (arrival when nothing else)."""
    latest = LastEvent(booking.booked_at, "arrival")
    for what, query in _sources(booking.id):
        at = db.session.scalar(query)
        if at is not None and at > latest.at:
            latest = LastEvent(at, what)
    event = _newest_outbox_event(booking.id)
    return event if event is not None and event.at > latest.at else latest
