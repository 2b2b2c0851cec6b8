"""Transfers JSON API: request, approve, medical summary and hold, depart, arrive,
acknowledge, cancel, counsel notifications; the lists (`?status=in_transit`). Thin views
over custody.transfers' services; each answers the transfer as `describe` shows it."""

from __future__ import annotations

from typing import Any

from flask_smorest import Blueprint

from core.access import current_actor, requires
from custody.facilities.services import get_facility
from custody.permissions import CustodyPermission
from custody.transfers import clearance, movement, schemas
from custody.transfers import services as svc
from health.permissions import HealthPermission

transfers_bp = Blueprint(
    "transfers_api",
    __name__,
    url_prefix="/transfers",
    description="Transfers between facilities with medical clearance",
)
blueprints = (transfers_bp,)
ONE = "/<int:transfer_id>"


def _shown(transfer_id: int) -> dict[str, object]:
    return movement.describe(svc.get_transfer(actor=current_actor(), transfer_id=transfer_id))


@transfers_bp.post("")
@requires(CustodyPermission.DETAINEE_WRITE)
@transfers_bp.arguments(schemas.TransferIn)
@transfers_bp.response(201, schemas.TransferOut)
def request_transfer(data: dict[str, Any]) -> Any:
    """Request a transfer (officers of the sending facility) → `requested`."""
    return movement.describe(svc.request_transfer(actor=current_actor(), **data))


@transfers_bp.get("")
@requires(CustodyPermission.DETAINEE_READ)
@transfers_bp.arguments(schemas.TransferQuery, location="query")
@transfers_bp.response(200, schemas.TransferListOut)
def list_transfers(query: dict[str, Any]) -> Any:
    """Open transfers (or those of `status`) from or to the facilities you reach."""
    actor = current_actor()
    code = query.get("facility_code")
    facility_id = get_facility(actor=actor, code=code).id if code else None
    found = svc.list_transfers(actor=actor, status=query.get("status"), facility_id=facility_id)
    return {"items": [movement.describe(t) for t in found]}


@transfers_bp.get(ONE)
@requires(CustodyPermission.DETAINEE_READ)
@transfers_bp.response(200, schemas.TransferOut)
def get_transfer(transfer_id: int) -> Any:
    return _shown(transfer_id)


@transfers_bp.post(ONE + "/approve")
@requires(CustodyPermission.CUSTODY_SUPERVISE)
@transfers_bp.response(200, schemas.TransferOut)
def approve(transfer_id: int) -> Any:
    """Supervisors of the sending facility → `approved`."""
    svc.approve_transfer(actor=current_actor(), transfer_id=transfer_id)
    return _shown(transfer_id)


@transfers_bp.post(ONE + "/medical-summary")
@requires(HealthPermission.WRITE)
@transfers_bp.arguments(schemas.MedicalSummaryIn)
@transfers_bp.response(201, schemas.TransferOut)
def medical_summary(data: dict[str, Any], transfer_id: int) -> Any:
    """Clinicians: the medical transfer summary, stored as a FHIR Composition."""
    clearance.record_medical_summary(actor=current_actor(), transfer_id=transfer_id, **data)
    return _shown(transfer_id)


@transfers_bp.post(ONE + "/medical-hold")
@requires(HealthPermission.WRITE)
@transfers_bp.arguments(schemas.HoldIn)
@transfers_bp.response(201, schemas.HoldOut)
def set_hold(data: dict[str, Any], transfer_id: int) -> Any:
    """Clinicians: a medical hold (a FHIR Flag) keeps the person from departing."""
    return clearance.set_medical_hold(actor=current_actor(), transfer_id=transfer_id, **data)


@transfers_bp.post(ONE + "/medical-hold/lift")
@requires(HealthPermission.WRITE)
@transfers_bp.response(200, schemas.TransferOut)
def lift_hold(transfer_id: int) -> Any:
    clearance.lift_medical_hold(actor=current_actor(), transfer_id=transfer_id)
    return _shown(transfer_id)


@transfers_bp.post(ONE + "/depart")
@requires(CustodyPermission.DETAINEE_WRITE)
@transfers_bp.arguments(schemas.DepartIn)
@transfers_bp.response(200, schemas.TransferOut)
def depart(data: dict[str, Any], transfer_id: int) -> Any:
    """→ `in_transit`; 409 naming every blocker (`rules`)."""
    movement.depart(actor=current_actor(), transfer_id=transfer_id, **data)
    return _shown(transfer_id)


@transfers_bp.post(ONE + "/counsel-notifications")
@requires(CustodyPermission.DETAINEE_WRITE)
@transfers_bp.arguments(schemas.CounselNotifyIn)
@transfers_bp.response(201, schemas.CounselNotificationListOut)
def notify_counsel(data: dict[str, Any], transfer_id: int) -> Any:
    """The attorneys of record were told the person is en route (not before departure)."""
    done = movement.notify_counsel(actor=current_actor(), transfer_id=transfer_id, **data)
    return {"items": done}


@transfers_bp.post(ONE + "/arrive")
@requires(CustodyPermission.DETAINEE_WRITE)
@transfers_bp.arguments(schemas.ArriveIn)
@transfers_bp.response(200, schemas.TransferOut)
def arrive(data: dict[str, Any], transfer_id: int) -> Any:
    """Receiving facility: → `arrived`, the booking is now there."""
    movement.arrive(actor=current_actor(), transfer_id=transfer_id, **data)
    return _shown(transfer_id)


@transfers_bp.post(ONE + "/acknowledge")
@requires(CustodyPermission.DETAINEE_WRITE)
@transfers_bp.response(200, schemas.TransferOut)
def acknowledge(transfer_id: int) -> Any:
    """Receiving facility: the medical transfer summary was received."""
    movement.acknowledge_summary(actor=current_actor(), transfer_id=transfer_id)
    return _shown(transfer_id)


@transfers_bp.post(ONE + "/cancel")
@requires(CustodyPermission.DETAINEE_WRITE)
@transfers_bp.arguments(schemas.CancelIn)
@transfers_bp.response(200, schemas.TransferOut)
def cancel(data: dict[str, Any], transfer_id: int) -> Any:
    movement.cancel_transfer(actor=current_actor(), transfer_id=transfer_id, **data)
    return _shown(transfer_id)
