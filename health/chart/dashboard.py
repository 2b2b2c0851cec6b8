"""The clinician's landing: patient search, their recent charts, links (a dashboard
panel; other health panels — the sick-call queue, overdue clinical items — add theirs
beside it through the registry)."""

from __future__ import annotations

from core.actor import Actor
from core.dashboard import Dashboard
from core.features import DashboardPanel
from health.chart import services
from health.permissions import HealthPermission


def _contribute(actor: Actor, board: Dashboard) -> None:
    board.sections["chart"] = services.recent_charts(actor=actor)


CHART_PANEL = DashboardPanel(
    "chart",
    _contribute,
    order=50,
    permission=HealthPermission.READ,
    template="health/chart/_dashboard_panel.html",
)
