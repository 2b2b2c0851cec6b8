"""Booking API schemas: intake, property, classification, screening, housing and the
booking as shown."""

from __future__ import annotations

from typing import Any

from marshmallow import Schema, fields, validate

from core.schemas import DatabaseId, InSchema
from custody.bookings.models import Booking
from custody.people.schemas import ALERTS_OUT, alerts_of
from custody.rules import states


class PropertyIn(InSchema):
    description = fields.String(required=True, validate=validate.Length(1, 200))
    quantity = fields.Integer(load_default=1)
    is_valuable = fields.Boolean(load_default=False)
    value_cents = fields.Integer(allow_none=True)


class BookingIn(InSchema):
    detainee_id = DatabaseId(required=True)
    facility_code = fields.String(required=True, validate=validate.Length(1, 16))
    booked_at = fields.AwareDateTime(allow_none=True)
    arresting_agency = fields.String(allow_none=True, validate=validate.Length(0, 100))
    program = fields.String(allow_none=True, validate=validate.Length(0, 100))
    orientation_at = fields.AwareDateTime(allow_none=True)
    handbook_language = fields.String(allow_none=True, validate=validate.Length(0, 8))
    property = fields.List(fields.Nested(PropertyIn), validate=validate.Length(max=100))


class IntakePatchIn(InSchema):
    orientation_at = fields.AwareDateTime(allow_none=True)
    handbook_language = fields.String(allow_none=True, validate=validate.Length(0, 8))
    arresting_agency = fields.String(allow_none=True, validate=validate.Length(0, 100))
    program = fields.String(allow_none=True, validate=validate.Length(0, 100))
    property = fields.List(fields.Nested(PropertyIn), validate=validate.Length(max=100))


class PropertyOut(Schema):
    line_no = fields.Integer()
    description = fields.String()
    quantity = fields.Integer()
    is_valuable = fields.Boolean()
    value_cents = fields.Integer(allow_none=True)
    returned_at = fields.DateTime(allow_none=True)


class ClassificationOut(Schema):
    id = fields.String()
    worksheet_version = fields.String()
    inputs = fields.Dict()
    score = fields.Integer()
    scored_level = fields.Integer()
    level = fields.Integer()
    reasons = fields.String(allow_none=True)
    is_override = fields.Boolean()
    override_reason = fields.String(allow_none=True)
    classified_at = fields.DateTime()
    reclassify_due_at = fields.DateTime()
    superseded_at = fields.DateTime(allow_none=True)


class ClassificationIn(InSchema):
    level = fields.Integer(validate=validate.Range(1, 3))
    inputs = fields.Dict(keys=fields.String(), values=fields.String(), load_default=dict)
    reasons = fields.String(allow_none=True, validate=validate.Length(0, 2000))
    override_reason = fields.String(allow_none=True, validate=validate.Length(0, 2000))
    classified_at = fields.AwareDateTime(allow_none=True)


class ScreeningIn(InSchema):
    victimization_risk = fields.Boolean(required=True)
    abusiveness_risk = fields.Boolean(required=True)
    screened_at = fields.AwareDateTime(allow_none=True)


class ScreeningOut(Schema):
    id = fields.String()
    screened_at = fields.DateTime()
    victimization_risk = fields.Boolean()
    abusiveness_risk = fields.Boolean()


class BedRefOut(Schema):
    id = fields.String()
    label = fields.String()
    unit_id = fields.String()
    unit = fields.Function(lambda b: b.unit.name)


class AssignmentOut(Schema):
    id = fields.String()
    booking_id = fields.String()
    bed = fields.Nested(BedRefOut)
    started_at = fields.DateTime()
    ended_at = fields.DateTime(allow_none=True)
    end_reason = fields.String(allow_none=True)
    overridden_rules = fields.List(fields.String())
    override_reason = fields.String(allow_none=True)


class HousingIn(InSchema):
    bed_id = DatabaseId(required=True)
    from_bed_id = DatabaseId(
        allow_none=True,
        metadata={
            "description": "Optional guard: the bed the person is in now (null: not housed). "
            "409 `housing_changed` if that is no longer so."
        },
    )
    override_reason = fields.String(allow_none=True, validate=validate.Length(0, 1000))


class ClockOut(Schema):
    rule = fields.String()
    state = fields.Function(lambda c: states.state(c).value)
    started_at = fields.DateTime()
    due_at = fields.DateTime()
    met_at = fields.DateTime(allow_none=True)


_BED_REF = BedRefOut()


def _bed(booking: Booking) -> dict[str, Any] | None:
    current = booking.assignment
    return None if current is None else _BED_REF.dump(current.bed)


class BookingOut(Schema):
    id = fields.String()
    status = fields.String()
    detainee_id = fields.String()
    a_number = fields.Function(lambda b: b.detainee.a_number)
    name = fields.Function(lambda b: b.detainee.full_name)
    facility_code = fields.Function(lambda b: b.facility.code)
    booked_at = fields.DateTime()
    arresting_agency = fields.String(allow_none=True)
    program = fields.String(allow_none=True)
    orientation_at = fields.DateTime(allow_none=True)
    handbook_language = fields.String(allow_none=True)
    receipt_number = fields.String(allow_none=True)
    released_at = fields.DateTime(allow_none=True)
    release_reason = fields.String(allow_none=True)
    bed = fields.Function(_bed)
    classification = fields.Function(
        lambda b: (
            None
            if b.classification is None
            else {
                "level": b.classification.level,
                "classified_at": b.classification.classified_at.isoformat(),
                "reclassify_due_at": b.classification.reclassify_due_at.isoformat(),
            }
        )
    )
    deadlines = fields.Function(states.deadlines)
    clocks = fields.List(fields.Nested(ClockOut))
    alerts = fields.Function(lambda b: ALERTS_OUT.dump(alerts_of(b.detainee)))
    property = fields.List(fields.Nested(PropertyOut), attribute="property_items")
