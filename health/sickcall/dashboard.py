"""Health's sick-call panel of the dashboard (clinicians): per facility, how many
requests wait for triage, for a visit, and how many are overdue, each linking to the
facility's queue (templates/health/sickcall/_dashboard_panel.html). Figures only."""

from __future__ import annotations

from core.actor import Actor
from core.dashboard import Dashboard
from core.features import DashboardPanel
from health.permissions import HealthPermission
from health.sickcall.queue import queue_counts


def _sick_call(actor: Actor, board: Dashboard) -> None:
    rows = queue_counts(actor=actor)
    board.sections["sick_call"] = rows
    board.figures.append(("Sick calls waiting for triage", sum(r.waiting_triage for r in rows)))
    board.figures.append(("Sick calls overdue", sum(r.overdue for r in rows)))


SICK_CALL_PANEL = DashboardPanel(
    "sick_call",
    _sick_call,
    order=60,  # a clinician's work first, after finding a patient
    permission=HealthPermission.READ,
    template="health/sickcall/_dashboard_panel.html",
)
