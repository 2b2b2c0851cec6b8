"""Marshmallow schemas for restrictive housing. Ids are strings; officers see alerts,
never clinical content (observations are a fixed list, not free text). Output schemas
read what the services built (`PlacementView`, `PlacementStatus`): they never query."""

from __future__ import annotations

from typing import Any

from marshmallow import Schema, fields, validate

from core.schemas import DatabaseId, InSchema
from custody.bookings.schemas import ClockOut
from custody.people.schemas import ALERTS_OUT, alerts_of
from custody.restrictive.display import PlacementStatus, PlacementView
from custody.restrictive.vocabulary import CHECK_RULE, NOTIFY_RULE, REVIEW_RULE


class PlacementIn(InSchema):
    kind = fields.String(required=True, validate=validate.Length(1, 32))
    reason = fields.String(required=True, validate=validate.Length(1, 2000))
    placed_at = fields.AwareDateTime(allow_none=True)
    bed_id = DatabaseId(allow_none=True)


class CheckIn(InSchema):
    checked_at = fields.AwareDateTime(allow_none=True)
    observation = fields.String(load_default="observed", validate=validate.Length(1, 24))


class ReviewIn(InSchema):
    decision = fields.String(required=True, validate=validate.Length(1, 16))
    note = fields.String(required=True, validate=validate.Length(1, 2000))
    reviewed_at = fields.AwareDateTime(allow_none=True)


class NotificationIn(InSchema):
    recipient = fields.String(required=True, validate=validate.Length(1, 200))
    method = fields.String(required=True, validate=validate.Length(1, 32))
    notified_at = fields.AwareDateTime(allow_none=True)


class PlacementReleaseIn(InSchema):
    note = fields.String(required=True, validate=validate.Length(1, 2000))
    released_at = fields.AwareDateTime(allow_none=True)


class CheckOut(Schema):
    id = fields.String()
    placement_id = fields.String()
    checked_at = fields.DateTime()
    recorded_at = fields.DateTime()
    officer_id = fields.String(allow_none=True)
    observation = fields.String()


class ReviewOut(Schema):
    id = fields.String()
    placement_id = fields.String()
    reviewed_at = fields.DateTime()
    reviewer_id = fields.String(allow_none=True)
    decision = fields.String()
    note = fields.String(allow_none=True)


class NotificationOut(Schema):
    id = fields.String()
    placement_id = fields.String()
    notified_at = fields.DateTime()
    notified_by_id = fields.String(allow_none=True)
    recipient = fields.String()
    method = fields.String()


class GapOut(Schema):
    start = fields.DateTime()
    end = fields.DateTime()
    minutes = fields.Integer()
    kind = fields.String()
    is_open = fields.Boolean()


def _person(view: PlacementView) -> dict[str, Any]:
    placement = view.placement
    person = placement.booking.detainee
    return {
        "booking_id": str(placement.booking_id),
        "a_number": person.a_number,
        "name": person.full_name,
        "facility_code": placement.booking.facility.code,
        "alerts": ALERTS_OUT.dump(alerts_of(person)),
    }


class PlacementOut(Schema):
    """Dumps a `PlacementView`: the placement's own fields and history, with the gaps and
    clocks the service computed."""

    id = fields.String()
    booking_id = fields.String()
    person = fields.Function(_person)
    kind = fields.String()
    reason = fields.String()
    placed_at = fields.DateTime()
    placed_by_id = fields.String(allow_none=True)
    released_at = fields.DateTime(allow_none=True)
    release_note = fields.String(allow_none=True)
    released_by_id = fields.String(allow_none=True)
    is_open = fields.Function(lambda v: v.placement.released_at is None)
    checks = fields.List(fields.Nested(CheckOut))
    reviews = fields.List(fields.Nested(ReviewOut))
    notifications = fields.List(fields.Nested(NotificationOut))
    gaps = fields.List(fields.Nested(GapOut))
    clocks = fields.List(fields.Nested(ClockOut))

    def get_attribute(self, obj: PlacementView, attr: str, default: Any) -> Any:
        """`gaps` and `clocks` from the view, every other field from its placement."""
        source = obj if attr in ("gaps", "clocks") else obj.placement
        return super().get_attribute(source, attr, default)


def _due(status: PlacementStatus, rule: str) -> str | None:
    due = status.due_at(rule)
    return None if due is None else due.isoformat()


class OverviewItemOut(Schema):
    placement_id = fields.Function(lambda s: str(s.placement.id))
    booking_id = fields.Function(lambda s: str(s.booking.id))
    a_number = fields.Function(lambda s: s.booking.detainee.a_number)
    name = fields.Function(lambda s: s.booking.detainee.full_name)
    alerts = fields.Function(lambda s: ALERTS_OUT.dump(alerts_of(s.booking.detainee)))
    kind = fields.Function(lambda s: s.placement.kind)
    placed_at = fields.Function(lambda s: s.placement.placed_at.isoformat())
    last_check_at = fields.Function(
        lambda s: None if s.last_check_at is None else s.last_check_at.isoformat()
    )
    minutes_since_check = fields.Function(
        lambda s: None if s.since_last is None else s.since_last.minutes
    )
    check_due_at = fields.Function(lambda s: _due(s, CHECK_RULE))
    review_due_at = fields.Function(lambda s: _due(s, REVIEW_RULE))
    notification_due_at = fields.Function(lambda s: _due(s, NOTIFY_RULE))
    overdue = fields.List(fields.String())
    due_soon = fields.List(fields.String())
    gaps = fields.List(fields.Nested(GapOut))


class OverviewOut(Schema):
    facility_code = fields.String()
    items = fields.List(fields.Nested(OverviewItemOut))
