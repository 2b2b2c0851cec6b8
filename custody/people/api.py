"""People JSON API: create, search, read and change people and their alerts. Thin views."""

from __future__ import annotations

from typing import Any

from flask_smorest import Blueprint

from core.access import current_actor, requires
from custody.people import schemas
from custody.people import search as people_search
from custody.people import services as identity
from custody.people.inputs import PersonIn, PersonPatch
from custody.permissions import CustodyPermission

detainees_bp = Blueprint(
    "detainees_api", __name__, url_prefix="/detainees", description="People in custody"
)


@detainees_bp.post("")
@requires(CustodyPermission.DETAINEE_WRITE)
@detainees_bp.arguments(schemas.DetaineeIn)
@detainees_bp.response(201, schemas.DetaineeCreatedOut)
def create_detainee(data: dict[str, Any]) -> Any:
    return identity.create_detainee_checking_duplicates(
        actor=current_actor(), data=PersonIn(**data)
    )


@detainees_bp.get("")
@requires(CustodyPermission.DETAINEE_READ)
@detainees_bp.arguments(schemas.DetaineeQuery, location="query")
@detainees_bp.response(200, schemas.DetaineeListOut)
def search_detainees(query: dict[str, Any]) -> Any:
    people = people_search.search_detainees(
        actor=current_actor(), a_number=query.get("a_number"), name=query.get("name")
    )
    return {"items": people}


@detainees_bp.get("/<int:detainee_id>")
@requires(CustodyPermission.DETAINEE_READ)
@detainees_bp.response(200, schemas.DetaineeOut)
def get_detainee(detainee_id: int) -> Any:
    return people_search.get_detainee(actor=current_actor(), detainee_id=detainee_id)


@detainees_bp.patch("/<int:detainee_id>")
@requires(CustodyPermission.DETAINEE_WRITE)
@detainees_bp.arguments(schemas.DetaineePatchIn)
@detainees_bp.response(200, schemas.DetaineeOut)
def update_detainee(data: dict[str, Any], detainee_id: int) -> Any:
    return identity.update_detainee(
        actor=current_actor(), detainee_id=detainee_id, data=PersonPatch(**data)
    )


@detainees_bp.post("/<int:detainee_id>/alerts")
@requires(CustodyPermission.ALERT_WRITE)
@detainees_bp.arguments(schemas.AlertIn)
@detainees_bp.response(200, schemas.DetaineeOut)
def set_alert(data: dict[str, Any], detainee_id: int) -> Any:
    """A clinician starts (`active: true`) or ends an alert custody staff act on."""
    return identity.set_alert(actor=current_actor(), detainee_id=detainee_id, **data)


blueprints = (detainees_bp,)
