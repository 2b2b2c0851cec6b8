"""Marshmallow schemas for attorneys of record (G-28). Ids are strings."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from core.schemas import InSchema


class G28In(InSchema):
    attorney_name = fields.String(required=True, validate=validate.Length(1, 200))
    bar_number = fields.String(required=True, validate=validate.Length(1, 32))
    bar_state = fields.String(required=True, validate=validate.Length(2, 2))
    organization = fields.String(allow_none=True, validate=validate.Length(max=200))
    phone = fields.String(allow_none=True, validate=validate.Length(max=32))
    email = fields.String(allow_none=True, validate=validate.Length(max=254))
    filed_on = fields.Date(allow_none=True)


class WithdrawIn(InSchema):
    withdrawn_on = fields.Date(allow_none=True)


class AttorneyOut(Schema):
    id = fields.String()
    booking_id = fields.String()
    attorney_name = fields.String()
    bar_number = fields.String()
    bar_state = fields.String()
    organization = fields.String(allow_none=True)
    phone = fields.String(allow_none=True)
    email = fields.String(allow_none=True)
    filed_on = fields.Date()
    withdrawn_on = fields.Date(allow_none=True)
    is_active = fields.Boolean()


class AttorneyListOut(Schema):
    items = fields.List(fields.Nested(AttorneyOut), required=True)


class AttorneyQuery(Schema):
    include_withdrawn = fields.Boolean(load_default=False)
