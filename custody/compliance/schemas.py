"""The compliance list's JSON shapes (the contract's "Compliance clocks")."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from core.schemas import InSchema


class ComplianceQuery(InSchema):
    state = fields.String(
        validate=validate.Length(1, 32),
        metadata={"description": "due, due_soon, overdue, met, met_late (or stopped)"},
    )
    rule = fields.String(
        validate=validate.Length(1, 48),
        metadata={"description": "a rule id of the facility's rule set"},
    )


class ComplianceItemOut(Schema):
    rule = fields.String()
    booking_id = fields.Function(lambda item: str(item.booking_id))
    a_number = fields.String()
    state = fields.Function(lambda item: item.state.value)
    due_at = fields.DateTime()
    met_at = fields.DateTime(allow_none=True)


class ComplianceListOut(Schema):
    items = fields.List(fields.Nested(ComplianceItemOut))
