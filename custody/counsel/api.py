"""Attorney-of-record API: G-28s on file per booking. Thin views over
custody.counsel.services."""

from __future__ import annotations

from typing import Any

from flask_smorest import Blueprint

from core.access import current_actor, requires
from custody.counsel import schemas
from custody.counsel import services as svc
from custody.permissions import CustodyPermission

counsel_bp = Blueprint(
    "counsel_api", __name__, url_prefix="/bookings", description="Attorneys of record (G-28)"
)
blueprints = (counsel_bp,)
ATTORNEYS = "/<int:booking_id>/attorneys"


@counsel_bp.post(ATTORNEYS)
@requires(CustodyPermission.DETAINEE_WRITE)
@counsel_bp.arguments(schemas.G28In)
@counsel_bp.response(201, schemas.AttorneyOut)
def file_g28(data: dict[str, Any], booking_id: int) -> Any:
    """Put a G-28 on file; 409 when the same attorney is already of record."""
    return svc.file_g28(actor=current_actor(), booking_id=booking_id, **data)


@counsel_bp.get(ATTORNEYS)
@requires(CustodyPermission.DETAINEE_READ)
@counsel_bp.arguments(schemas.AttorneyQuery, location="query")
@counsel_bp.response(200, schemas.AttorneyListOut)
def attorneys(query: dict[str, Any], booking_id: int) -> Any:
    """The attorneys of record (active; all with `include_withdrawn=true`)."""
    found = svc.attorneys_of_record(actor=current_actor(), booking_id=booking_id, **query)
    return {"items": found}


@counsel_bp.post(ATTORNEYS + "/<int:attorney_id>/withdraw")
@requires(CustodyPermission.DETAINEE_WRITE)
@counsel_bp.arguments(schemas.WithdrawIn)
@counsel_bp.response(200, schemas.AttorneyOut)
def withdraw(data: dict[str, Any], booking_id: int, attorney_id: int) -> Any:
    return svc.withdraw_g28(
        actor=current_actor(), booking_id=booking_id, attorney_id=attorney_id, **data
    )
