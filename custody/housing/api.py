"""Housing JSON API: assign a bed, the bed history, a facility's beds with occupants and its
census. Thin views."""

from __future__ import annotations

from typing import Any

from flask_smorest import Blueprint

from core.access import current_actor, requires
from custody.bookings import schemas as booking_schemas
from custody.bookings import services as lookups
from custody.facilities import schemas as facility_schemas
from custody.housing import assignment as housing
from custody.housing import board
from custody.permissions import CustodyPermission

booking_housing_bp = Blueprint(
    "housing_api", __name__, url_prefix="/bookings", description="Bed assignments"
)
facility_beds_bp = Blueprint(
    "beds_api", __name__, url_prefix="/facilities", description="Beds, occupants and census"
)
blueprints = (booking_housing_bp, facility_beds_bp)


@booking_housing_bp.post("/<int:booking_id>/housing")
@requires(CustodyPermission.DETAINEE_WRITE)
@booking_housing_bp.arguments(booking_schemas.HousingIn)
@booking_housing_bp.response(201, booking_schemas.AssignmentOut)
def assign_bed(data: dict[str, Any], booking_id: int) -> Any:
    return housing.assign_bed(
        actor=current_actor(),
        booking_id=booking_id,
        bed_id=data["bed_id"],
        override_reason=data.get("override_reason"),
        from_bed_id=data.get("from_bed_id", housing.KEEP),  # DatabaseId: an int or None
    )


@booking_housing_bp.get("/<int:booking_id>/housing")
@requires(CustodyPermission.DETAINEE_READ)
@booking_housing_bp.response(200, booking_schemas.AssignmentOut(many=True))
def bed_history(booking_id: int) -> Any:
    return lookups.bed_history(actor=current_actor(), booking_id=booking_id)


@facility_beds_bp.get("/<code>/beds")
@requires(CustodyPermission.FACILITY_READ)
@facility_beds_bp.arguments(facility_schemas.BedsQuery, location="query")
@facility_beds_bp.response(200, facility_schemas.BedListOut)
def list_beds(query: dict[str, Any], code: str) -> Any:
    beds = board.beds_with_occupants(
        actor=current_actor(),
        facility_code=code,
        available=query.get("available"),
        unit_id=query.get("unit_id"),
        in_service=query.get("in_service"),
    )
    return {"items": beds}


@facility_beds_bp.get("/<code>/census")
@requires(CustodyPermission.DETAINEE_READ)
@facility_beds_bp.response(200, facility_schemas.CensusOut)
def census(code: str) -> Any:
    """Current population by unit and classification level."""
    return board.census(actor=current_actor(), facility_code=code)
