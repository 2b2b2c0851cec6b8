"""Marshmallow schemas for people, bookings, classification and housing (`<Thing>In` for
input, `<Thing>Out` for output). Officers see alerts, never clinical content."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from marshmallow import Schema, fields, validate

from core.schemas import InSchema
from custody.people.alerts import shown_alerts
from custody.people.models import AlertKind, Detainee

if TYPE_CHECKING:
    from custody.people.search import CreatedDetainee


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
    """Custody's alerts and the custody-visible health Flags: labels, never reasons."""
    return [
        {"kind": a.kind, "label": a.label, "started_at": a.started_at} for a in shown_alerts(person)
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
    """Dumps a `CreatedDetainee`: the person, and the people they may duplicate."""

    alerts = fields.Function(lambda c: ALERTS_OUT.dump(alerts_of(c.person)))
    possible_duplicates = fields.List(fields.Nested(DuplicateOut))

    def get_attribute(self, obj: CreatedDetainee, attr: str, default: Any) -> Any:
        """`possible_duplicates` from the result, every other field from the person."""
        source = obj if attr == "possible_duplicates" else obj.person
        return super().get_attribute(source, attr, default)


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
