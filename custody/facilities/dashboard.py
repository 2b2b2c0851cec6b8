"""Custody's panel of the dashboard: how many facilities and beds the actor sees, and a
table of them (templates/custody/facilities/_dashboard_panel.html)."""

from __future__ import annotations

from core.actor import Actor
from core.dashboard import Dashboard
from core.features import DashboardPanel
from custody.facilities.services import bed_counts, list_facilities
from custody.permissions import CustodyPermission


def _facilities(actor: Actor, board: Dashboard) -> None:
    facilities = list_facilities(actor=actor)
    counts = bed_counts(facility_ids=[f.id for f in facilities])
    rows = [
        {
            "facility": f,
            "beds": counts.get(f.id, (0, 0))[0],
            "in_service": counts.get(f.id, (0, 0))[1],
        }
        for f in facilities
    ]
    board.sections["facilities"] = rows
    board.figures.append(("Facilities", len(facilities)))
    board.figures.append(("Beds in service", sum(row["in_service"] for row in rows)))


FACILITIES_PANEL = DashboardPanel(
    "facilities",
    _facilities,
    order=100,  # before core's user and audit figures
    permission=CustodyPermission.FACILITY_READ,
    template="custody/facilities/_dashboard_panel.html",
)
