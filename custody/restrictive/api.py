"""Restrictive-housing JSON API: placement, checks, reviews, notifications, release and
the facility overview. Thin views over custody.services.restrictive."""

from __future__ import annotations

from typing import Any

from flask_smorest import Blueprint

from core.access import current_actor, requires
from custody.permissions import CustodyPermission
from custody.restrictive import schemas
from custody.restrictive import services as svc

restrictive_bp = Blueprint(
    "restrictive_api",
    __name__,
    url_prefix="",
    description="Restrictive housing: placement, observation checks, reviews, release",
)
blueprints = (restrictive_bp,)
PLACEMENT = "/restrictive-housing/<int:placement_id>"


@restrictive_bp.post("/bookings/<int:booking_id>/restrictive-housing")
@requires(CustodyPermission.CUSTODY_SUPERVISE)
@restrictive_bp.arguments(schemas.PlacementIn)
@restrictive_bp.response(201, schemas.PlacementOut)
def place(data: dict[str, Any], booking_id: int) -> Any:
    """Place the person in restrictive housing (supervisors); 409 if already placed."""
    placed = svc.place_in_restrictive_housing(actor=current_actor(), booking_id=booking_id, **data)
    return svc.placement_view(placed)


@restrictive_bp.get(PLACEMENT)
@requires(CustodyPermission.DETAINEE_READ)
@restrictive_bp.response(200, schemas.PlacementOut)
def get_placement(placement_id: int) -> Any:
    return svc.show_placement(actor=current_actor(), placement_id=placement_id)


@restrictive_bp.post(PLACEMENT + "/checks")
@requires(CustodyPermission.DETAINEE_WRITE)
@restrictive_bp.arguments(schemas.CheckIn)
@restrictive_bp.response(201, schemas.CheckOut)
def record_check(data: dict[str, Any], placement_id: int) -> Any:
    return svc.record_check(actor=current_actor(), placement_id=placement_id, **data)


@restrictive_bp.post(PLACEMENT + "/reviews")
@requires(CustodyPermission.CUSTODY_SUPERVISE)
@restrictive_bp.arguments(schemas.ReviewIn)
@restrictive_bp.response(201, schemas.ReviewOut)
def record_review(data: dict[str, Any], placement_id: int) -> Any:
    return svc.record_review(actor=current_actor(), placement_id=placement_id, **data)


@restrictive_bp.post(PLACEMENT + "/notifications")
@requires(CustodyPermission.CUSTODY_SUPERVISE)
@restrictive_bp.arguments(schemas.NotificationIn)
@restrictive_bp.response(201, schemas.NotificationOut)
def record_notification(data: dict[str, Any], placement_id: int) -> Any:
    return svc.record_notification(actor=current_actor(), placement_id=placement_id, **data)


@restrictive_bp.post(PLACEMENT + "/release")
@requires(CustodyPermission.CUSTODY_SUPERVISE)
@restrictive_bp.arguments(schemas.PlacementReleaseIn)
@restrictive_bp.response(200, schemas.PlacementOut)
def release(data: dict[str, Any], placement_id: int) -> Any:
    released = svc.release_from_restrictive_housing(
        actor=current_actor(), placement_id=placement_id, **data
    )
    return svc.placement_view(released)


@restrictive_bp.get("/facilities/<code>/restrictive-housing")
@requires(CustodyPermission.DETAINEE_READ)
@restrictive_bp.response(200, schemas.OverviewOut)
def overview(code: str) -> Any:
    """Open placements, those with an overdue check, review or notification first."""
    items = svc.facility_overview(actor=current_actor(), facility_code=code)
    return {"facility_code": code.upper(), "items": items}
