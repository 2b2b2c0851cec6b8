"""Marshmallow schemas for people, bookings, classification and housing (`<Thing>In` for
input, `<Thing>Out` for output). Officers see alerts, never clinical content."""

from __future__ import annotations

from typing import Any

from marshmallow import Schema, fields, validate

from core.schemas import DatabaseId, InSchema
from custody.models import ALERT_LABELS, AlertKind, Booking, Detainee
from custody.services import clocks


class LanguageIn(InSchema):
    code = fields.String(required=True, validate=validate.Length(2, 3))
    interpreter_needed = fields.Boolean(load_default=False)


class LanguageField(fields.Field):
    """A language code (`"es"`) or `{"code": "mam", "interpreter_needed": true}`."""

    def _deserialize(self, value: Any, attr: Any, data: Any, **kwargs: Any) -> Any:
        if isinstance(value, str):
            return {"code": value, "interpreter_needed": False}
        return LanguageIn().load(value)


class AliasIn(InSchema):
    family_name = fields.String(required=True, validate=validate.Length(1, 100))
    given_name = fields.String(required=True, validate=validate.Length(1, 100))


class DetaineeIn(InSchema):
    a_number = fields.String(required=True, validate=validate.Length(1, 20))
    family_name = fields.String(required=True, validate=validate.Length(1, 100))
    given_name = fields.String(required=True, validate=validate.Length(1, 100))
    middle_name = fields.String(validate=validate.Length(0, 100))
    date_of_birth = fields.Date(required=True)
    sex = fields.String(required=True)
    gender_identity = fields.String(allow_none=True)
    country_of_birth = fields.String(required=True, validate=validate.Length(2, 2))
    country_of_citizenship = fields.String(allow_none=True, validate=validate.Length(2, 2))
    languages = fields.List(LanguageField(), validate=validate.Length(max=10))
    aliases = fields.List(fields.Nested(AliasIn), validate=validate.Length(max=20))


class DetaineePatchIn(DetaineeIn):
    class Meta:
        exclude = ("a_number",)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, partial=True, **kwargs)


class LanguageOut(Schema):
    code = fields.String()
    interpreter_needed = fields.Boolean()


class AliasOut(Schema):
    family_name = fields.String()
    given_name = fields.String()


class AlertOut(Schema):
    kind = fields.String()
    label = fields.String()
    started_at = fields.DateTime()


ALERTS_OUT = AlertOut(many=True)  # built once: a schema per row costs more than the row


def alerts_of(person: Detainee) -> list[dict[str, Any]]:
    return [
        {"kind": a.kind, "label": ALERT_LABELS[AlertKind(a.kind)], "started_at": a.started_at}
        for a in person.active_alerts()
    ]


class DetaineeOut(Schema):
    id = fields.String()
    a_number = fields.String()
    family_name = fields.String()
    given_name = fields.String()
    middle_name = fields.String(allow_none=True)
    date_of_birth = fields.Date()
    sex = fields.String()
    gender_identity = fields.String(allow_none=True)
    country_of_birth = fields.String()
    country_of_citizenship = fields.String(allow_none=True)
    languages = fields.List(fields.Nested(LanguageOut))
    interpreter_needed = fields.Boolean(attribute="needs_interpreter")
    aliases = fields.List(fields.Nested(AliasOut))
    alerts = fields.Function(lambda p: ALERTS_OUT.dump(alerts_of(p)))


class DuplicateOut(Schema):
    id = fields.String(attribute="detainee.id")
    a_number = fields.String(attribute="detainee.a_number")
    name = fields.String(attribute="detainee.full_name")
    date_of_birth = fields.Date(attribute="detainee.date_of_birth")
    why = fields.String()


class DetaineeCreatedOut(DetaineeOut):
    possible_duplicates = fields.List(fields.Nested(DuplicateOut))


class AlertIn(InSchema):
    kind = fields.String(
        required=True, validate=validate.OneOf(list(AlertKind)), metadata={"enum": list(AlertKind)}
    )
    active = fields.Boolean(required=True)


class DetaineeListOut(Schema):
    items = fields.List(fields.Nested(DetaineeOut))


class DetaineeQuery(InSchema):
    a_number = fields.String(validate=validate.Length(1, 20))
    name = fields.String(validate=validate.Length(1, 200))


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


class ReleaseIn(InSchema):
    reason = fields.String(required=True, validate=validate.Length(1, 500))
    released_at = fields.AwareDateTime(allow_none=True)


class ClockOut(Schema):
    rule = fields.String()
    state = fields.Function(lambda c: clocks.state(c).value)
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
    deadlines = fields.Function(clocks.deadlines)
    clocks = fields.List(fields.Nested(ClockOut))
    alerts = fields.Function(lambda b: ALERTS_OUT.dump(alerts_of(b.detainee)))
    property = fields.List(fields.Nested(PropertyOut), attribute="property_items")
