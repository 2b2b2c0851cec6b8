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
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from core.db import db
from core.events import OutboxEvent
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
        """`bed assignment, 2026-12-01 09:05 CST` (the facility's local time)."""
        local = self.at.astimezone(ZoneInfo(time_zone))
        return f"{self.what}, {local:%Y-%m-%d %H:%M %Z}"


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


def _newest_outbox_event(booking_id: int) -> LastEvent | None:
    row = db.session.execute(
        sa.select(OutboxEvent.occurred_at, OutboxEvent.kind)
        .where(OutboxEvent.subject_type == "booking", OutboxEvent.subject_id == str(booking_id))
        .order_by(OutboxEvent.occurred_at.desc())
        .limit(1)
    ).first()
    return None if row is None else LastEvent(row.occurred_at, f"event {row.kind}")


def last_recorded_event(booking: Booking) -> LastEvent:
    """The newest of the booking's recorded events (arrival when nothing else)."""
    latest = LastEvent(booking.booked_at, "arrival")
    for what, query in _sources(booking.id):
        at = db.session.scalar(query)
        if at is not None and at > latest.at:
            latest = LastEvent(at, what)
    event = _newest_outbox_event(booking.id)
    return event if event is not None and event.at > latest.at else latest
