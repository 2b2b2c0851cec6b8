"""A feature written for the tests: it contributes through the registry the way custody
and health do (FEATURES names it by its import path). It reuses core's AUDIT_READ
permission rather than granting one of its own: grants are process-wide."""

from __future__ import annotations

import click
from flask import Blueprint, Flask

from core.access import requires
from core.features import DashboardPanel, Link, registry
from core.permissions import Permission

bp = Blueprint("probe", __name__, url_prefix="/probe")


@bp.get("/")
@requires(Permission.AUDIT_READ)
def index() -> str:
    return "probe"


@click.command("probe-hello")
def hello() -> None:
    click.echo("hello from the probe")


def _panel(actor, board) -> None:
    board.figures.append(("Probe figure", 7))
    board.sections["probe"] = ["shown"]


PANEL = DashboardPanel("probe", _panel, order=150, permission=Permission.AUDIT_READ)


def init_app(app: Flask) -> None:
    features = registry(app)
    features.add_blueprint(bp)
    features.add_command(hello)
    features.add_nav_item(Link("Probe", "probe.index", Permission.AUDIT_READ, 250))
    features.add_dashboard_panel(PANEL)
