"""Marshmallow schemas for the custody API: <Thing>In for input, <Thing>Out for output."""

from __future__ import annotations

import copy

from marshmallow import Schema, fields, validate

from core.schemas import InSchema
from custody.models import FacilityType, Sex, UnitKind


class FieldOfficeOut(Schema):
    code = fields.String()
    name = fields.String()


class FacilityOut(Schema):
    id = fields.String()
    code = fields.String()
    name = fields.String()
    address_line = fields.String()
    city = fields.String()
    state = fields.String()
    postal_code = fields.String()
    phone = fields.String()
    facility_type = fields.String()
    time_zone = fields.String()
    field_office = fields.Nested(FieldOfficeOut)
    standards_set = fields.Function(lambda f: f.standards_set.code)
    is_active = fields.Boolean()


class FacilityListOut(Schema):
    items = fields.List(fields.Nested(FacilityOut))


class FacilityIn(InSchema):
    code = fields.String(required=True, validate=validate.Regexp(r"^[A-Za-z0-9]{3,16}$"))
    name = fields.String(required=True, validate=validate.Length(1, 200))
    address_line = fields.String(required=True, validate=validate.Length(1, 200))
    city = fields.String(required=True, validate=validate.Length(1, 100))
    state = fields.String(required=True, validate=validate.Length(2, 2))
    postal_code = fields.String(required=True)
    phone = fields.String(required=True)
    field_office = fields.String(required=True, metadata={"description": "field office code"})
    facility_type = fields.String(required=True, validate=validate.OneOf(list(FacilityType)))
    time_zone = fields.String(required=True)
    standards_set = fields.String(required=True, metadata={"description": "standards set code"})
    is_active = fields.Boolean()


def optional_copy(schema: type[Schema], name: str, exclude: tuple[str, ...] = ()) -> type[Schema]:
    """The same fields, none required: the body of a PATCH."""
    loose = {}
    for field_name, field in schema._declared_fields.items():
        if field_name in exclude:
            continue
        loose[field_name] = copy.copy(field)
        loose[field_name].required = False
    return InSchema.from_dict(loose, name=name)


FacilityPatchIn = optional_copy(FacilityIn, "FacilityPatchIn", exclude=("code",))


class UnitOut(Schema):
    id = fields.String()
    facility_code = fields.Function(lambda u: u.facility.code)
    name = fields.String()
    sex_housed = fields.String()
    kind = fields.String()
    levels = fields.List(fields.Integer())


class UnitIn(InSchema):
    name = fields.String(required=True, validate=validate.Length(1, 64))
    sex_housed = fields.String(required=True, validate=validate.OneOf(list(Sex)))
    kind = fields.String(required=True, validate=validate.OneOf(list(UnitKind)))
    levels = fields.List(
        fields.Integer(validate=validate.Range(1, 3)),
        required=True,
        validate=validate.Length(min=1),
    )


UnitPatchIn = optional_copy(UnitIn, "UnitPatchIn")


class BedOut(Schema):
    id = fields.String()
    unit_id = fields.String()
    unit = fields.Function(lambda b: b.unit.name)
    label = fields.String()
    levels_allowed = fields.Function(lambda b: b.unit.levels)
    is_lower_bunk = fields.Boolean()
    is_accessible = fields.Boolean()
    is_in_service = fields.Boolean()


class BedListOut(Schema):
    items = fields.List(fields.Nested(BedOut))


class BedsIn(InSchema):
    labels = fields.List(fields.String(validate=validate.Length(1, 32)), required=True)
    is_lower_bunk = fields.Boolean(load_default=False)
    is_accessible = fields.Boolean(load_default=False)


class BedPatchIn(InSchema):
    label = fields.String(validate=validate.Length(1, 32))
    is_lower_bunk = fields.Boolean()
    is_accessible = fields.Boolean()
    is_in_service = fields.Boolean()


class BedsQuery(InSchema):
    unit_id = fields.Integer()
    in_service = fields.Boolean()
