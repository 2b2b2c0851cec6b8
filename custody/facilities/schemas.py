"""Marshmallow schemas for the custody API: <Thing>In for input, <Thing>Out for output."""

from __future__ import annotations

import copy

from marshmallow import Schema, fields, validate

from core.schemas import InSchema
from custody.facilities.models import FacilityType, Sex, UnitKind


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


class OccupantOut(Schema):
    booking_id = fields.String()
    name = fields.String(attribute="occupant")
    a_number = fields.String()
    level = fields.Integer(allow_none=True)
    alerts = fields.List(fields.String())


_OCCUPANT = OccupantOut()  # one instance: building a schema per bed is most of the cost


class BedSlotOut(Schema):
    """A bed of the housing board: the bed, whether it is free, and who is in it."""

    id = fields.Function(lambda s: str(s.bed.id))
    unit_id = fields.Function(lambda s: str(s.bed.unit_id))
    unit = fields.Function(lambda s: s.bed.unit.name)
    label = fields.Function(lambda s: s.bed.label)
    levels_allowed = fields.Function(lambda s: s.bed.unit.levels)
    is_lower_bunk = fields.Function(lambda s: s.bed.is_lower_bunk)
    is_accessible = fields.Function(lambda s: s.bed.is_accessible)
    is_in_service = fields.Function(lambda s: s.bed.is_in_service)
    is_available = fields.Boolean(attribute="is_free")
    occupant = fields.Function(lambda s: None if s.occupant is None else _OCCUPANT.dump(s))


class BedListOut(Schema):
    items = fields.List(fields.Nested(BedSlotOut))


class CensusUnitOut(Schema):
    unit_id = fields.String(required=True)
    unit = fields.String(required=True)
    kind = fields.String(required=True)
    beds = fields.Integer(required=True)
    beds_in_service = fields.Integer(required=True)
    occupied = fields.Integer(required=True)
    by_level = fields.Dict(
        keys=fields.String(),
        values=fields.Integer(),
        required=True,
        metadata={"description": "people housed by classification level 1, 2, 3, unclassified"},
    )


class CensusOut(Schema):
    facility_code = fields.String(required=True)
    population = fields.Integer(required=True)
    by_status = fields.Dict(keys=fields.String(), values=fields.Integer(), required=True)
    housed = fields.Integer(required=True)
    units = fields.List(fields.Nested(CensusUnitOut), required=True)


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
    available = fields.Boolean()
