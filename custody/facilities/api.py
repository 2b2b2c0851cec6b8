"""Custody JSON API (reference data for now): thin views over custody services."""

from __future__ import annotations

from typing import Any

from flask_smorest import Blueprint

from core.access import current_actor, requires
from custody.facilities import inputs, schemas, units
from custody.facilities import services as svc
from custody.permissions import CustodyPermission

facilities_bp = Blueprint(
    "facilities_api",
    __name__,
    url_prefix="/facilities",
    description="Facilities, housing units and beds",
)
units_bp = Blueprint("units_api", __name__, url_prefix="", description="Housing units and beds")

blueprints = (facilities_bp, units_bp)


@facilities_bp.get("")
@requires(CustodyPermission.FACILITY_READ)
@facilities_bp.response(200, schemas.FacilityListOut)
def list_facilities() -> Any:
    return {"items": svc.list_facilities(actor=current_actor())}


@facilities_bp.post("")
@requires(CustodyPermission.FACILITY_MANAGE)
@facilities_bp.arguments(schemas.FacilityIn)
@facilities_bp.response(201, schemas.FacilityOut)
def create_facility(data: dict[str, Any]) -> Any:
    return svc.create_facility(actor=current_actor(), data=inputs.FacilityIn(**data))


@facilities_bp.get("/<code>")
@requires(CustodyPermission.FACILITY_READ)
@facilities_bp.response(200, schemas.FacilityOut)
def get_facility(code: str) -> Any:
    return svc.get_facility(actor=current_actor(), code=code)


@facilities_bp.patch("/<code>")
@requires(CustodyPermission.FACILITY_MANAGE)
@facilities_bp.arguments(schemas.FacilityPatchIn)
@facilities_bp.response(200, schemas.FacilityOut)
def update_facility(data: dict[str, Any], code: str) -> Any:
    return svc.update_facility(actor=current_actor(), code=code, data=inputs.FacilityPatch(**data))


@facilities_bp.get("/<code>/units")
@requires(CustodyPermission.FACILITY_READ)
@facilities_bp.response(200, schemas.UnitOut(many=True))
def list_units(code: str) -> Any:
    return svc.get_facility(actor=current_actor(), code=code).units


@facilities_bp.post("/<code>/units")
@requires(CustodyPermission.FACILITY_MANAGE)
@facilities_bp.arguments(schemas.UnitIn)
@facilities_bp.response(201, schemas.UnitOut)
def create_unit(data: dict[str, Any], code: str) -> Any:
    return units.create_unit(actor=current_actor(), facility_code=code, data=inputs.UnitIn(**data))


@units_bp.patch("/units/<int:unit_id>")
@requires(CustodyPermission.FACILITY_MANAGE)
@units_bp.arguments(schemas.UnitPatchIn)
@units_bp.response(200, schemas.UnitOut)
def update_unit(data: dict[str, Any], unit_id: int) -> Any:
    return units.update_unit(actor=current_actor(), unit_id=unit_id, data=inputs.UnitPatch(**data))


@units_bp.post("/units/<int:unit_id>/beds")
@requires(CustodyPermission.FACILITY_MANAGE)
@units_bp.arguments(schemas.BedsIn)
@units_bp.response(201, schemas.BedOut(many=True))
def create_beds(data: dict[str, Any], unit_id: int) -> Any:
    return units.create_beds(actor=current_actor(), unit_id=unit_id, data=inputs.BedsIn(**data))


@units_bp.patch("/beds/<int:bed_id>")
@requires(CustodyPermission.FACILITY_MANAGE)
@units_bp.arguments(schemas.BedPatchIn)
@units_bp.response(200, schemas.BedOut)
def update_bed(data: dict[str, Any], bed_id: int) -> Any:
    return units.update_bed(actor=current_actor(), bed_id=bed_id, data=inputs.BedPatch(**data))
