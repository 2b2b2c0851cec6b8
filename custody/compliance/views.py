"""The compliance dashboard page of a facility (supervisors and auditors): overdue now,
coming due in 24 hours, and the monthly share met on time per rule as an SVG chart with
its table. Names, A-numbers and rule titles only: never clinical content."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, render_template

from core.access import current_actor, requires
from custody.compliance.report import CHART_HEIGHT, compliance_board
from custody.permissions import CustodyPermission

bp = Blueprint("compliance", __name__)


@bp.get("/facilities/<code>/compliance")
@requires(CustodyPermission.COMPLIANCE_READ)
def show(code: str) -> Any:
    board = compliance_board(actor=current_actor(), code=code)
    return render_template(
        "custody/compliance/dashboard.html", board=board, chart_height=CHART_HEIGHT
    )
