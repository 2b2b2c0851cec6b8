"""The auditor's view of the audit log."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, render_template

from core.access import current_actor, requires
from core.audit_queries import search_events
from core.permissions import Permission

bp = Blueprint("audit", __name__, url_prefix="/audit")


@bp.get("/events")
@requires(Permission.AUDIT_READ)
def events() -> Any:
    return render_template("audit/events.html", page=search_events(actor=current_actor()))
