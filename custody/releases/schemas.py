"""Release API schemas. Codes are validated by the services (422 naming the allowed
values), not here, so the wording is the one toolkit's."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from core.schemas import InSchema


class ReleasePropertyIn(InSchema):
    line_no = fields.Integer(required=True, validate=validate.Range(1, 9999))
    outcome = fields.String(
        required=True,
        validate=validate.Length(1, 32),
        metadata={"description": "returned, missing, damaged or retained"},
    )
    note = fields.String(allow_none=True, validate=validate.Length(0, 500))


class ContinuityOfCareIn(InSchema):
    medications_handed_over = fields.Boolean(allow_none=True)
    health_summary_handed_over = fields.Boolean(allow_none=True)
    refused = fields.Boolean(load_default=False)


class ReleaseIn(InSchema):
    reason = fields.String(
        required=True,
        validate=validate.Length(1, 64),
        metadata={
            "description": "bond, parole, order_of_recognizance, order_of_supervision, "
            "removal, transfer_to_another_agency, court_order, death_in_custody"
        },
    )
    released_at = fields.AwareDateTime(allow_none=True)
    notes = fields.String(allow_none=True, validate=validate.Length(0, 2000))
    property = fields.List(fields.Nested(ReleasePropertyIn), validate=validate.Length(max=100))
    continuity = fields.Nested(ContinuityOfCareIn, allow_none=True)
    counsel_channel = fields.String(
        allow_none=True,
        validate=validate.Length(1, 32),
        metadata={
            "description": "phone, email, fax, in_person or portal: every active attorney "
            "of record (G-28) is recorded as told of the release by it"
        },
    )
    counsel_notified_at = fields.AwareDateTime(
        allow_none=True, metadata={"description": "default: now; never before the release"}
    )


class ReleaseNotificationIn(InSchema):
    recipient = fields.String(required=True, validate=validate.Length(1, 64))
    channel = fields.String(required=True, validate=validate.Length(1, 32))
    notified_at = fields.AwareDateTime(allow_none=True)
    reference = fields.String(allow_none=True, validate=validate.Length(0, 200))


class ReleaseNotificationOut(Schema):
    id = fields.String()
    booking_id = fields.String()
    recipient = fields.String()
    recipient_label = fields.String()
    channel = fields.String()
    notified_at = fields.DateTime()
    reference = fields.String(allow_none=True)
    recorded_by_id = fields.String(allow_none=True)


class ReleasePropertyOut(Schema):
    line_no = fields.Function(lambda r: r.item.line_no)
    description = fields.Function(lambda r: r.item.description)
    outcome = fields.String()
    note = fields.String(allow_none=True)
    is_discrepancy = fields.Boolean()


class ReleaseOut(Schema):
    booking_id = fields.String()
    reason = fields.String()
    reason_label = fields.String()
    released_at = fields.DateTime()
    notes = fields.String(allow_none=True)
    released_by_id = fields.String(allow_none=True)
    continuity_outcome = fields.String()
    medications_handed_over = fields.Boolean(allow_none=True)
    health_summary_handed_over = fields.Boolean(allow_none=True)
    is_care_refused = fields.Boolean()
    property = fields.List(fields.Nested(ReleasePropertyOut), attribute="property_returns")
    discrepancies = fields.Function(lambda r: len(r.discrepancies))
    notifications = fields.List(fields.Nested(ReleaseNotificationOut))
