"""Release JSON API: the release (the contract's `POST /bookings/{id}/release`), its
record, and the notifications a release requires. Thin views over the services."""

from __future__ import annotations

from typing import Any

from flask_smorest import Blueprint

from core.access import current_actor, requires
from custody.bookings.schemas import BookingOut
from custody.permissions import CustodyPermission
from custody.releases import inputs, schemas, services

releases_bp = Blueprint(
    "releases_api",
    __name__,
    url_prefix="/bookings",
    description="Release from custody: reason, property, continuity of care, notifications",
)
blueprints = (releases_bp,)


@releases_bp.post("/<int:booking_id>/release")
@requires(CustodyPermission.DETAINEE_WRITE)
@releases_bp.arguments(schemas.ReleaseIn)
@releases_bp.response(200, BookingOut)
def release(data: dict[str, Any], booking_id: int) -> Any:
    """Release the person: the bed is freed. 422 names the allowed reasons, an
    unaccounted receipt line or the last recorded event; 409 when already released or a
    required notification (death in custody) is missing."""
    record = services.release_booking(
        actor=current_actor(), booking_id=booking_id, release=inputs.release_in(data)
    )
    return record.booking


@releases_bp.get("/<int:booking_id>/release")
@requires(CustodyPermission.DETAINEE_READ)
@releases_bp.response(200, schemas.ReleaseOut)
def release_record(booking_id: int) -> Any:
    """The release record: reason, time, property outcomes, continuity of care and
    notifications; 404 while the person is held."""
    return services.release_record(actor=current_actor(), booking_id=booking_id)


@releases_bp.post("/<int:booking_id>/release/notifications")
@requires(CustodyPermission.DETAINEE_WRITE)
@releases_bp.arguments(schemas.ReleaseNotificationIn)
@releases_bp.response(201, schemas.ReleaseNotificationOut)
def record_notification(data: dict[str, Any], booking_id: int) -> Any:
    """Record a notification a release requires (recipient, channel, time)."""
    return services.record_release_notification(
        actor=current_actor(), booking_id=booking_id, notification=inputs.NotificationIn(**data)
    )


@releases_bp.get("/<int:booking_id>/release/notifications")
@requires(CustodyPermission.DETAINEE_READ)
@releases_bp.response(200, schemas.ReleaseNotificationOut(many=True))
def notifications(booking_id: int) -> Any:
    return services.notifications_of(actor=current_actor(), booking_id=booking_id)
