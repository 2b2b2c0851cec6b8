"""What still blocks a departure, and the steps of a transfer as a checklist: plain
functions over a transfer (and whether a medical hold is active), shared by the
services (409 naming each blocker), the pages and the API."""

from __future__ import annotations

from dataclasses import dataclass

from core.errors import Conflict
from custody.transfers.models import Transfer, TransferStatus

STATUS_LABELS = {
    TransferStatus.REQUESTED: "Requested",
    TransferStatus.APPROVED: "Approved",
    TransferStatus.IN_TRANSIT: "In transit",
    TransferStatus.ARRIVED: "Arrived",
    TransferStatus.CANCELLED: "Cancelled",
}


@dataclass(frozen=True)
class Blocker:
    """One reason the person may not leave yet."""

    rule: str
    message: str

    def as_dict(self) -> dict[str, object]:
        return {"rule": self.rule, "message": self.message, "overridable": False}


NOT_APPROVED = Blocker("not_approved", "A supervisor has not approved the transfer.")
NO_SUMMARY = Blocker("no_medical_summary", "No medical transfer summary is on file.")
NOT_FIT = Blocker("not_fit_to_travel", "The medical summary says the person is not fit to travel.")
MEDICAL_HOLD = Blocker("medical_hold", "A medical hold is active: a clinician must lift it.")


def departure_blockers(transfer: Transfer, hold_active: bool) -> list[Blocker]:
    """Every reason a departure is refused now (none: it may depart)."""
    blockers = []
    if transfer.approved_at is None:
        blockers.append(NOT_APPROVED)
    if transfer.summary_resource_id is None:
        blockers.append(NO_SUMMARY)
    elif transfer.is_fit_to_travel is False:
        blockers.append(NOT_FIT)
    if hold_active:
        blockers.append(MEDICAL_HOLD)
    return blockers


class DepartureRefused(Conflict):
    """409 naming every blocker (`rules`), the first as `rule`."""

    def __init__(self, blockers: list[Blocker]) -> None:
        super().__init__(
            "The person cannot depart: " + " ".join(b.message for b in blockers),
            rule=blockers[0].rule,
            rules=[b.as_dict() for b in blockers],
        )


@dataclass(frozen=True)
class Step:
    """One step of the checklist: done or not, and who may do it."""

    key: str
    label: str
    done: bool
    who: str


def steps(transfer: Transfer, hold_active: bool) -> list[Step]:
    """The transfer's steps in order, for the page's checklist."""
    departed = transfer.departed_at is not None
    return [
        Step("approve", "Supervisor approval", transfer.approved_at is not None, "supervisor"),
        Step(
            "summary",
            "Medical transfer summary (fit to travel)",
            transfer.summary_resource_id is not None and transfer.is_fit_to_travel is not False,
            "clinician",
        ),
        Step("hold", "No active medical hold", not hold_active or departed, "clinician"),
        Step("depart", "Departure", departed, "sending officer"),
        Step("arrive", "Arrival", transfer.arrived_at is not None, "receiving officer"),
        Step(
            "acknowledge",
            "Receiving facility acknowledges the summary",
            transfer.acknowledged_at is not None,
            "receiving officer",
        ),
    ]
