"""`GET /api/v1/facilities/{code}/compliance`: the facility's open and recently closed
clocks (supervisors and auditors, within their facility scope)."""

from __future__ import annotations

from typing import Any

from flask_smorest import Blueprint

from core.access import current_actor, requires
from custody.compliance import schemas
from custody.compliance import services as svc
from custody.permissions import CustodyPermission

compliance_bp = Blueprint(
    "compliance_api",
    __name__,
    url_prefix="",
    description="Compliance with the detention standards: each booking's clocks",
)

blueprints = (compliance_bp,)


@compliance_bp.get("/facilities/<code>/compliance")
@requires(CustodyPermission.COMPLIANCE_READ)
@compliance_bp.arguments(schemas.ComplianceQuery, location="query")
@compliance_bp.response(200, schemas.ComplianceListOut)
def list_compliance(query: dict[str, Any], code: str) -> Any:
    items = svc.facility_compliance(
        actor=current_actor(), code=code, state=query.get("state"), rule=query.get("rule")
    )
    return {"items": items}
