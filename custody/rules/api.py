"""Rule-set JSON API: thin views over custody.services.rules. Staff who read facilities
or compliance reports read the rules; administrators (RULES_MANAGE, not limited to one
facility) change them."""

from __future__ import annotations

from typing import Any

from flask_smorest import Blueprint

from core.access import current_actor, requires
from custody.permissions import CustodyPermission
from custody.rules import inputs, schemas
from custody.rules import services as svc

rule_sets_bp = Blueprint(
    "rule_sets_api",
    __name__,
    url_prefix="",
    description="Detention-standards rule sets and their rules",
)

blueprints = (rule_sets_bp,)


@rule_sets_bp.get("/rule-sets")
@requires(CustodyPermission.FACILITY_READ)
@rule_sets_bp.response(200, schemas.RuleSetListOut)
def list_rule_sets() -> Any:
    return {"items": svc.list_rule_sets(actor=current_actor())}


@rule_sets_bp.post("/rule-sets")
@requires(CustodyPermission.RULES_MANAGE)
@rule_sets_bp.arguments(schemas.RuleSetIn)
@rule_sets_bp.response(201, schemas.RuleSetOut)
def create_rule_set(data: dict[str, Any]) -> Any:
    actor = current_actor()
    created = svc.create_rule_set(actor=actor, data=inputs.RuleSetIn(**data))
    return svc.get_rule_set(actor=actor, code=created.code)


@rule_sets_bp.get("/rule-sets/<set_code>")
@requires(CustodyPermission.FACILITY_READ)
@rule_sets_bp.response(200, schemas.RuleSetOut)
def get_rule_set(set_code: str) -> Any:
    return svc.get_rule_set(actor=current_actor(), code=set_code)


@rule_sets_bp.post("/rule-sets/<set_code>/rules")
@requires(CustodyPermission.RULES_MANAGE)
@rule_sets_bp.arguments(schemas.RuleIn)
@rule_sets_bp.response(201, schemas.RuleOut)
def add_rule(data: dict[str, Any], set_code: str) -> Any:
    return svc.add_rule(actor=current_actor(), set_code=set_code, data=inputs.RuleIn(**data))


@rule_sets_bp.patch("/rules/<int:rule_id>")
@requires(CustodyPermission.RULES_MANAGE)
@rule_sets_bp.arguments(schemas.RulePatchIn)
@rule_sets_bp.response(200, schemas.RuleOut)
def update_rule(data: dict[str, Any], rule_id: int) -> Any:
    return svc.update_rule(actor=current_actor(), rule_id=rule_id, data=inputs.RulePatch(**data))


@rule_sets_bp.put("/facilities/<code>/rule-set")
@requires(CustodyPermission.RULES_MANAGE)
@rule_sets_bp.arguments(schemas.AssignRuleSetIn)
@rule_sets_bp.response(200, schemas.AssignedOut)
def assign_rule_set(data: dict[str, Any], code: str) -> Any:
    return svc.assign_rule_set(actor=current_actor(), facility_code=code, set_code=data["rule_set"])
