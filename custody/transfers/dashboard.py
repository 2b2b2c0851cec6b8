"""The transfers panel of the dashboard: pending approval, in transit and arriving,
each linking to its list (templates/custody/transfers/_dashboard_panel.html)."""

from __future__ import annotations

from core.actor import Actor
from core.dashboard import Dashboard
from core.features import DashboardPanel
from custody.permissions import CustodyPermission
from custody.transfers.services import transfer_counts


def _transfers(actor: Actor, board: Dashboard) -> None:
    counts = transfer_counts(actor=actor)
    board.sections["transfers"] = counts
    board.figures.append(("Transfers pending approval", counts["pending_approval"]))
    board.figures.append(("In transit", counts["in_transit"]))


TRANSFERS_PANEL = DashboardPanel(
    "transfers",
    _transfers,
    order=150,
    permission=CustodyPermission.DETAINEE_READ,
    template="custody/transfers/_dashboard_panel.html",
)
