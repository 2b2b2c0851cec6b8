"""What restrictive housing's reading services return to be shown: the intervals
without a check, a placement with its gaps and clocks, a placement's line on the
facility board. Plain values built by the services (no database); pages and API
schemas only read their attributes."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from custody.bookings.models import Booking
    from custody.restrictive.models import RestrictivePlacement
    from custody.rules.models import ComplianceClock


@dataclass(frozen=True)
class Interval:
    """Time without a check: placement → first check (`first`), between two checks
    (`between`), last check → release or now (`since_last`, open while placed)."""

    start: dt.datetime
    end: dt.datetime
    kind: str
    is_open: bool
    flagged: bool

    @property
    def minutes(self) -> int:
        return int((self.end - self.start).total_seconds() // 60)


@dataclass(frozen=True)
class PlacementView:
    """One placement as shown: its record and history, the gaps between checks longer
    than the limit, and every clock of its three series (oldest first)."""

    placement: RestrictivePlacement
    gaps: Sequence[Interval]
    clocks: Sequence[ComplianceClock]


@dataclass
class PlacementStatus:
    """One open placement on the facility's board: what is due, what is overdue."""

    placement: RestrictivePlacement
    last_check_at: dt.datetime | None
    since_last: Interval | None  # the open interval since the last check (or placement)
    gaps: list[Interval]  # every flagged gap, the current one included
    due: dict[str, ComplianceClock] = field(default_factory=dict)  # rule → open clock
    overdue: list[str] = field(default_factory=list)  # check, review, notification
    due_soon: list[str] = field(default_factory=list)

    @property
    def booking(self) -> Booking:
        return self.placement.booking

    def due_at(self, rule: str) -> dt.datetime | None:
        clock = self.due.get(rule)
        return None if clock is None else clock.due_at
