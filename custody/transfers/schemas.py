"""Marshmallow schemas for transfers. Ids are strings. The medical summary's content is
FHIR (read it from `/fhir/Composition/{id}` as a clinician): custody's answers say only
whether one is on file, when, and whether the person is fit to travel."""

from __future__ import annotations

from typing import Any

from marshmallow import Schema, fields, validate

from core.schemas import DatabaseId, InSchema

LINES = fields.List(fields.String(validate=validate.Length(max=500)), load_default=list)


class TransferIn(InSchema):
    booking_id = DatabaseId(required=True)
    to_facility_code = fields.String(required=True, validate=validate.Length(1, 32))
    reason = fields.String(required=True, validate=validate.Length(1, 2000))
    scheduled_for = fields.AwareDateTime(required=True)


class DepartIn(InSchema):
    departed_at = fields.AwareDateTime(allow_none=True)
    counsel_channel = fields.String(allow_none=True, validate=validate.Length(1, 16))
    counsel_notified_at = fields.AwareDateTime(allow_none=True)


class ArriveIn(InSchema):
    arrived_at = fields.AwareDateTime(allow_none=True)


class CancelIn(InSchema):
    reason = fields.String(allow_none=True, validate=validate.Length(max=500))


class CounselNotifyIn(InSchema):
    channel = fields.String(required=True, validate=validate.Length(1, 16))
    notified_at = fields.AwareDateTime(allow_none=True)
    attorney_ids = fields.List(DatabaseId(), allow_none=True)


class MedicationIn(InSchema):
    drug = fields.String(required=True, validate=validate.Length(1, 200))
    dose = fields.String(required=True, validate=validate.Length(1, 100))
    directions = fields.String(required=True, validate=validate.Length(1, 500))
    last_given_at = fields.AwareDateTime(allow_none=True)
    next_due_at = fields.AwareDateTime(allow_none=True)


class MedicalSummaryIn(InSchema):
    fit_to_travel = fields.Boolean(required=True)
    active_problems = LINES
    allergies = LINES
    medications = fields.List(fields.Nested(MedicationIn), load_default=list)
    tb_status = fields.String(allow_none=True, validate=validate.Length(max=200))
    pending_appointments = LINES
    accommodations = LINES
    notes = fields.String(allow_none=True, validate=validate.Length(max=4000))


class HoldIn(InSchema):
    reason = fields.String(required=True, validate=validate.Length(1, 500))


class HoldOut(Schema):
    id = fields.String(required=True)
    is_active = fields.Boolean(required=True)


class BlockerOut(Schema):
    rule = fields.String(required=True)
    message = fields.String(required=True)


class MovementOut(Schema):
    from_status = fields.String(allow_none=True)
    to_status = fields.String(required=True)
    at = fields.DateTime(required=True)
    by = fields.String(attribute="by_name")


def _summary(transfer: Any) -> dict[str, Any] | None:
    if transfer.summary_resource_id is None:
        return None
    return {
        "composition_id": transfer.summary_resource_id,
        "written_at": transfer.summary_at,
        "fit_to_travel": transfer.is_fit_to_travel,
    }


class SummaryOut(Schema):
    composition_id = fields.String()
    written_at = fields.DateTime()
    fit_to_travel = fields.Boolean(allow_none=True)


class TransferOut(Schema):
    """A transfer as `movement.describe` returns it."""

    id = fields.Function(lambda d: str(d["transfer"].id))
    booking_id = fields.Function(lambda d: str(d["transfer"].booking_id))
    a_number = fields.Function(lambda d: d["transfer"].booking.detainee.a_number)
    name = fields.Function(lambda d: d["transfer"].booking.detainee.full_name)
    status = fields.Function(lambda d: d["transfer"].status)
    from_facility_code = fields.Function(lambda d: d["transfer"].from_facility.code)
    to_facility_code = fields.Function(lambda d: d["transfer"].to_facility.code)
    reason = fields.Function(lambda d: d["transfer"].reason)
    scheduled_for = fields.Function(lambda d: d["transfer"].scheduled_for.isoformat())
    requested_at = fields.Function(lambda d: _iso(d["transfer"].requested_at))
    approved_at = fields.Function(lambda d: _iso(d["transfer"].approved_at))
    departed_at = fields.Function(lambda d: _iso(d["transfer"].departed_at))
    arrived_at = fields.Function(lambda d: _iso(d["transfer"].arrived_at))
    acknowledged_at = fields.Function(lambda d: _iso(d["transfer"].acknowledged_at))
    cancelled_at = fields.Function(lambda d: _iso(d["transfer"].cancelled_at))
    medical_summary = fields.Function(
        lambda d: SummaryOut().dump(s) if (s := _summary(d["transfer"])) else None
    )
    medical_hold = fields.Boolean()
    blockers = fields.List(fields.Nested(BlockerOut))
    movements = fields.List(fields.Nested(MovementOut))


def _iso(value: Any) -> str | None:
    return None if value is None else value.isoformat()


class TransferListOut(Schema):
    items = fields.List(fields.Nested(TransferOut), required=True)


class TransferQuery(Schema):
    status = fields.String(
        validate=validate.OneOf(["requested", "approved", "in_transit", "arrived", "cancelled"])
    )
    facility_code = fields.String(validate=validate.Length(1, 32))


class CounselNotificationOut(Schema):
    id = fields.String()
    attorney_id = fields.String()
    event_kind = fields.String()
    event_id = fields.String(allow_none=True)
    channel = fields.String()
    notified_at = fields.DateTime()


class CounselNotificationListOut(Schema):
    items = fields.List(fields.Nested(CounselNotificationOut), required=True)
