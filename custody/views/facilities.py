"""Facility pages: read for staff, manage for admins."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, render_template

from core.access import current_actor, requires
from core.permissions import Permission
from custody.services import facilities as svc

bp = Blueprint("facilities", __name__, url_prefix="/facilities")
admin_bp = Blueprint("admin_facilities", __name__, url_prefix="/admin/facilities")


@bp.get("")
@requires(Permission.FACILITY_READ)
def index() -> Any:
    return render_template(
        "custody/facilities.html", facilities=svc.list_facilities(actor=current_actor())
    )
