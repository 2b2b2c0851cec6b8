"""A compliance clock's state (due, due soon, overdue, met, met late, stopped) and a booking's
open deadlines, judged from values already loaded: no database. Pages, API schemas and
services read them alike."""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from typing import TYPE_CHECKING

from core.db import utcnow

if TYPE_CHECKING:
    from custody.bookings.models import Booking
    from custody.rules.models import ComplianceClock

DUE_SOON_SHARE = 0.25  # the last quarter of a clock's time is "due soon"


class ClockState(StrEnum):
    DUE = "due"
    DUE_SOON = "due_soon"
    OVERDUE = "overdue"
    MET = "met"
    MET_LATE = "met_late"
    STOPPED = "stopped"  # custody ended there (release, transfer out) before it was met


OPEN_STATES = (ClockState.DUE, ClockState.DUE_SOON, ClockState.OVERDUE)


def state(clock: ComplianceClock, now: dt.datetime | None = None) -> ClockState:
    if clock.met_at is not None:
        return ClockState.MET if clock.met_at <= clock.due_at else ClockState.MET_LATE
    if clock.stopped_at is not None:
        return ClockState.STOPPED
    now = now or utcnow()
    if now > clock.due_at:
        return ClockState.OVERDUE
    span = clock.due_at - clock.started_at
    if clock.due_at - now <= span * DUE_SOON_SHARE:
        return ClockState.DUE_SOON
    return ClockState.DUE


def deadlines(booking: Booking) -> dict[str, str]:
    """`<rule>_due` → the earliest open due time (ISO), for the booking's API body
    (`intake-health-screening` is `health_screening_due`, as the contract names it)."""
    found: dict[str, str] = {}
    for clock in sorted(booking.clocks, key=lambda c: c.due_at):
        if clock.met_at is None and clock.stopped_at is None:
            key = clock.rule.removeprefix("intake-").replace("-", "_") + "_due"
            found.setdefault(key, clock.due_at.isoformat())
    return found
