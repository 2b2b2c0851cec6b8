"""The compliance panels of the home dashboard: overdue clocks per facility for
supervisors and auditors (each linking to the facility's compliance page), and the
overdue clinical items of their facilities for clinicians."""

from __future__ import annotations

from core.actor import Actor
from core.dashboard import Dashboard
from core.features import DashboardPanel
from custody.compliance.report import facility_zone
from custody.compliance.services import overdue_clinical, overdue_counts
from custody.permissions import CustodyPermission

CLINICAL_SHOWN = 20  # the panel lists the most overdue; the rest are counted


def _overdue(actor: Actor, board: Dashboard) -> None:
    counts = overdue_counts(actor=actor)
    board.sections["compliance"] = counts
    board.figures.append(("Overdue compliance items", sum(count for _, count in counts)))


def _clinical(actor: Actor, board: Dashboard) -> None:
    found = overdue_clinical(actor=actor)
    rows = [
        {"facility": facility, "item": item, "zone": facility_zone(facility)}
        for facility, item in found[:CLINICAL_SHOWN]
    ]
    board.sections["clinical_compliance"] = {"rows": rows, "total": len(found)}
    board.figures.append(("Overdue clinical items", len(found)))


COMPLIANCE_PANEL = DashboardPanel(
    "compliance",
    _overdue,
    order=150,
    permission=CustodyPermission.COMPLIANCE_READ,
    template="custody/compliance/_dashboard_panel.html",
)
CLINICAL_PANEL = DashboardPanel(
    "clinical_compliance",
    _clinical,
    order=70,  # a clinician's overdue work, before the figures about the system
    permission=CustodyPermission.COMPLIANCE_CLINICAL,
    template="custody/compliance/_clinical_panel.html",
)
