"""Admin pages: users (create, role and facility scope, password reset, unlock)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, render_template

from core.access import current_actor, requires
from core.permissions import Permission
from core.users import list_users

bp = Blueprint("admin", __name__, url_prefix="/admin")


@bp.get("/users")
@requires(Permission.USER_MANAGE)
def users() -> Any:
    return render_template("admin/users.html", users=list_users(actor=current_actor()))
