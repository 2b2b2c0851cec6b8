"""Custody JSON API for people, bookings, classification and housing: thin views."""

from __future__ import annotations

from typing import Any

from flask_smorest import Blueprint

from core.access import current_actor, requires
from core.errors import ValidationFailed
from custody import schemas_people as schemas
from custody.permissions import CustodyPermission
from custody.services import classification, housing, identity, intake

detainees_bp = Blueprint(
    "detainees_api", __name__, url_prefix="/detainees", description="People in custody"
)
bookings_bp = Blueprint(
    "bookings_api",
    __name__,
    url_prefix="/bookings",
    description="Bookings, classification, housing, release",
)
blueprints = (detainees_bp, bookings_bp)


def _id(value: Any, field: str) -> int:
    text = str(value).strip()
    if not text.isdigit() or not 0 < int(text) < 2**31:
        raise ValidationFailed({field: ["Not a known id."]})
    return int(text)


@detainees_bp.post("")
@requires(CustodyPermission.DETAINEE_WRITE)
@detainees_bp.arguments(schemas.DetaineeIn)
@detainees_bp.response(201, schemas.DetaineeCreatedOut)
def create_detainee(data: dict[str, Any]) -> Any:
    person = identity.create_detainee(actor=current_actor(), data=data)
    person.possible_duplicates = identity.possible_duplicates(  # type: ignore[attr-defined]
        family_name=person.family_name,
        given_name=person.given_name,
        date_of_birth=person.date_of_birth,
        country_of_birth=person.country_of_birth,
        aliases=data.get("aliases") or [],
        exclude_id=person.id,
    )
    return person


@detainees_bp.get("")
@requires(CustodyPermission.DETAINEE_READ)
@detainees_bp.arguments(schemas.DetaineeQuery, location="query")
@detainees_bp.response(200, schemas.DetaineeListOut)
def search_detainees(query: dict[str, Any]) -> Any:
    people = identity.search_detainees(
        actor=current_actor(), a_number=query.get("a_number"), name=query.get("name")
    )
    return {"items": people}


@detainees_bp.get("/<int:detainee_id>")
@requires(CustodyPermission.DETAINEE_READ)
@detainees_bp.response(200, schemas.DetaineeOut)
def get_detainee(detainee_id: int) -> Any:
    return identity.get_detainee(actor=current_actor(), detainee_id=detainee_id)


@detainees_bp.patch("/<int:detainee_id>")
@requires(CustodyPermission.DETAINEE_WRITE)
@detainees_bp.arguments(schemas.DetaineePatchIn)
@detainees_bp.response(200, schemas.DetaineeOut)
def update_detainee(data: dict[str, Any], detainee_id: int) -> Any:
    return identity.update_detainee(actor=current_actor(), detainee_id=detainee_id, data=data)


@detainees_bp.post("/<int:detainee_id>/alerts")
@requires(CustodyPermission.ALERT_WRITE)
@detainees_bp.arguments(schemas.AlertIn)
@detainees_bp.response(200, schemas.DetaineeOut)
def set_alert(data: dict[str, Any], detainee_id: int) -> Any:
    """A clinician starts (`active: true`) or ends an alert custody staff act on."""
    return identity.set_alert(actor=current_actor(), detainee_id=detainee_id, **data)


@bookings_bp.post("")
@requires(CustodyPermission.DETAINEE_WRITE)
@bookings_bp.arguments(schemas.BookingIn)
@bookings_bp.response(201, schemas.BookingOut)
def create_booking(data: dict[str, Any]) -> Any:
    data = {**data, "detainee_id": _id(data["detainee_id"], "detainee_id")}
    return intake.book_detainee(actor=current_actor(), data=data)


@bookings_bp.get("/<int:booking_id>")
@requires(CustodyPermission.DETAINEE_READ)
@bookings_bp.response(200, schemas.BookingOut)
def get_booking(booking_id: int) -> Any:
    return intake.get_booking(actor=current_actor(), booking_id=booking_id)


@bookings_bp.patch("/<int:booking_id>")
@requires(CustodyPermission.DETAINEE_WRITE)
@bookings_bp.arguments(schemas.IntakePatchIn)
@bookings_bp.response(200, schemas.BookingOut)
def update_intake(data: dict[str, Any], booking_id: int) -> Any:
    return intake.update_intake(actor=current_actor(), booking_id=booking_id, data=data)


@bookings_bp.post("/<int:booking_id>/classification")
@requires(CustodyPermission.DETAINEE_WRITE)
@bookings_bp.arguments(schemas.ClassificationIn)
@bookings_bp.response(201, schemas.ClassificationOut)
def classify(data: dict[str, Any], booking_id: int) -> Any:
    return classification.classify(actor=current_actor(), booking_id=booking_id, **data)


@bookings_bp.get("/<int:booking_id>/classifications")
@requires(CustodyPermission.DETAINEE_READ)
@bookings_bp.response(200, schemas.ClassificationOut(many=True))
def classification_history(booking_id: int) -> Any:
    return intake.get_booking(actor=current_actor(), booking_id=booking_id).classifications


@bookings_bp.post("/<int:booking_id>/screening")
@requires(CustodyPermission.DETAINEE_WRITE)
@bookings_bp.arguments(schemas.ScreeningIn)
@bookings_bp.response(201, schemas.ScreeningOut)
def screening(data: dict[str, Any], booking_id: int) -> Any:
    return classification.record_screening(actor=current_actor(), booking_id=booking_id, **data)


@bookings_bp.post("/<int:booking_id>/housing")
@requires(CustodyPermission.DETAINEE_WRITE)
@bookings_bp.arguments(schemas.HousingIn)
@bookings_bp.response(201, schemas.AssignmentOut)
def assign_bed(data: dict[str, Any], booking_id: int) -> Any:
    return housing.assign_bed(
        actor=current_actor(),
        booking_id=booking_id,
        bed_id=_id(data["bed_id"], "bed_id"),
        override_reason=data.get("override_reason"),
        **_from_bed(data),
    )


def _from_bed(data: dict[str, Any]) -> dict[str, Any]:
    if "from_bed_id" not in data:
        return {}
    value = data["from_bed_id"]
    return {"from_bed_id": None if value in (None, "") else _id(value, "from_bed_id")}


@bookings_bp.get("/<int:booking_id>/housing")
@requires(CustodyPermission.DETAINEE_READ)
@bookings_bp.response(200, schemas.AssignmentOut(many=True))
def bed_history(booking_id: int) -> Any:
    return housing.bed_history(actor=current_actor(), booking_id=booking_id)


@bookings_bp.post("/<int:booking_id>/release")
@requires(CustodyPermission.DETAINEE_WRITE)
@bookings_bp.arguments(schemas.ReleaseIn)
@bookings_bp.response(200, schemas.BookingOut)
def release(data: dict[str, Any], booking_id: int) -> Any:
    return intake.release_booking(actor=current_actor(), booking_id=booking_id, **data)
