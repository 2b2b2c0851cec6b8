"""The landing dashboard: one per role, built by core.dashboard from the links and
panels registered with the app (core.features)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, redirect, render_template, url_for

from core.access import current_actor, public, requires
from core.dashboard import dashboard_for
from core.features import registry
from core.permissions import Permission

bp = Blueprint("home", __name__)


@bp.get("/")
@public
def index() -> Any:
    return redirect(url_for("home.dashboard"))


@bp.get("/dashboard")
@requires(Permission.DASHBOARD_VIEW)
def dashboard() -> Any:
    features = registry()
    board = dashboard_for(
        actor=current_actor(), links=features.dashboard_links, panels=features.dashboard_panels
    )
    return render_template("home/dashboard.html", board=board)
