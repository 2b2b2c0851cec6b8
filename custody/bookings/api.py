"""Custody JSON API for bookings, classification and screening: thin views (the
release is custody.releases.api)."""

from __future__ import annotations

from typing import Any

from flask_smorest import Blueprint

from core.access import current_actor, requires
from custody.bookings import classification, inputs, intake
from custody.bookings import schemas as booking_schemas
from custody.bookings.services import get_booking as find_booking
from custody.permissions import CustodyPermission

bookings_bp = Blueprint(
    "bookings_api",
    __name__,
    url_prefix="/bookings",
    description="Bookings, classification, screening",
)
blueprints = (bookings_bp,)


@bookings_bp.post("")
@requires(CustodyPermission.DETAINEE_WRITE)
@bookings_bp.arguments(booking_schemas.BookingIn)
@bookings_bp.response(201, booking_schemas.BookingOut)
def create_booking(data: dict[str, Any]) -> Any:
    return intake.book_detainee(actor=current_actor(), booking=inputs.booking_in(data))


@bookings_bp.get("/<int:booking_id>")
@requires(CustodyPermission.DETAINEE_READ)
@bookings_bp.response(200, booking_schemas.BookingOut)
def get_booking(booking_id: int) -> Any:
    return find_booking(actor=current_actor(), booking_id=booking_id)


@bookings_bp.patch("/<int:booking_id>")
@requires(CustodyPermission.DETAINEE_WRITE)
@bookings_bp.arguments(booking_schemas.IntakePatchIn)
@bookings_bp.response(200, booking_schemas.BookingOut)
def update_intake(data: dict[str, Any], booking_id: int) -> Any:
    patch = inputs.intake_patch(data)
    return intake.update_intake(actor=current_actor(), booking_id=booking_id, patch=patch)


@bookings_bp.post("/<int:booking_id>/classification")
@requires(CustodyPermission.DETAINEE_WRITE)
@bookings_bp.arguments(booking_schemas.ClassificationIn)
@bookings_bp.response(201, booking_schemas.ClassificationOut)
def classify(data: dict[str, Any], booking_id: int) -> Any:
    worksheet = inputs.WorksheetIn(**data)
    return classification.classify(
        actor=current_actor(), booking_id=booking_id, worksheet=worksheet
    )


@bookings_bp.get("/<int:booking_id>/classifications")
@requires(CustodyPermission.DETAINEE_READ)
@bookings_bp.response(200, booking_schemas.ClassificationOut(many=True))
def classification_history(booking_id: int) -> Any:
    return find_booking(actor=current_actor(), booking_id=booking_id).classifications


@bookings_bp.post("/<int:booking_id>/screening")
@requires(CustodyPermission.DETAINEE_WRITE)
@bookings_bp.arguments(booking_schemas.ScreeningIn)
@bookings_bp.response(201, booking_schemas.ScreeningOut)
def screening(data: dict[str, Any], booking_id: int) -> Any:
    return classification.record_screening(actor=current_actor(), booking_id=booking_id, **data)
