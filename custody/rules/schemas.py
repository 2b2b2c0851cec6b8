"""Marshmallow schemas of the rule-set API. Types are checked here; limits, anchors and
slugs by the service (custody.services.rules), so pages and API give the same messages."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from core.schemas import InSchema
from custody.rules.models import ClockStart, RepeatAnchor

ANCHORS = [a.value for a in RepeatAnchor]


class RuleOut(Schema):
    id = fields.String()
    rule_set = fields.Function(lambda r: r.standards_set.code)
    rule = fields.String()
    title = fields.String()
    starts_on = fields.String()
    stops_on = fields.String()
    limit_minutes = fields.Integer(allow_none=True)
    repeat_minutes = fields.Integer(allow_none=True)
    repeat_anchor = fields.String()
    citation = fields.String()
    to_confirm = fields.Boolean()
    is_active = fields.Boolean()


class RuleSetOut(Schema):
    code = fields.String()
    name = fields.String()
    facilities = fields.Function(lambda s: [f.code for f in s.facilities])
    rules = fields.List(fields.Nested(RuleOut))


class RuleSetListOut(Schema):
    items = fields.List(fields.Nested(RuleSetOut))


class RuleSetIn(InSchema):
    code = fields.String(required=True, metadata={"description": "e.g. NDS-2025-LOCAL"})
    name = fields.String(required=True)
    copy_from = fields.String(
        load_default=None, allow_none=True, metadata={"description": "copy this set's rules"}
    )


class RulePatchIn(InSchema):
    """Any of the changeable fields. Minutes are whole numbers, at most 365 days."""

    title = fields.String()
    limit_minutes = fields.Integer(strict=True, allow_none=True)
    repeat_minutes = fields.Integer(strict=True, allow_none=True)
    repeat_anchor = fields.String(allow_none=True, validate=validate.OneOf(ANCHORS))
    citation = fields.String()
    to_confirm = fields.Boolean()
    is_active = fields.Boolean()


class RuleIn(RulePatchIn):
    rule = fields.String(required=True, metadata={"description": "slug, unique in the set"})
    title = fields.String(required=True)
    starts_on = fields.String(required=True, validate=validate.OneOf([s.value for s in ClockStart]))
    stops_on = fields.String(required=True)
    limit_minutes = fields.Integer(strict=True, required=True)


class AssignRuleSetIn(InSchema):
    rule_set = fields.String(required=True, metadata={"description": "rule set code"})


class AssignedOut(Schema):
    facility = fields.String(attribute="code")
    rule_set = fields.Function(lambda f: f.standards_set.code)
