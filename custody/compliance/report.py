"""The compliance dashboard of one facility: what is overdue now, what comes due in the
next 24 hours, and per rule the share of clocks met on time in each of the last twelve
months — months as the facility counts them (its own time zone, daylight saving
included) — with the geometry of a bar chart the page draws as SVG."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from core.actor import Actor
from core.db import db, utcnow
from core.i18n import local_time
from custody.compliance.services import (
    COMING,
    ComplianceItem,
    clock_items,
    readable_facility,
    rule_titles,
)
from custody.facilities.models import Facility
from custody.rules.models import ComplianceClock
from custody.rules.states import ClockState

MONTHS = 12
CHART_HEIGHT = 100  # px for 100 %
BAR_WIDTH, BAR_GAP = 24, 8


@dataclass(frozen=True)
class MonthShare:
    """How the clocks of one rule that came due in one month ended."""

    month: dt.date  # its first day, in the facility's zone
    on_time: int = 0
    late: int = 0  # met late
    missed: int = 0  # still not met

    @property
    def total(self) -> int:
        return self.on_time + self.late + self.missed

    @property
    def share(self) -> float | None:
        return None if self.total == 0 else self.on_time / self.total

    @property
    def percent(self) -> str:
        return "—" if self.share is None else f"{round(self.share * 100)} %"


@dataclass(frozen=True)
class Bar:
    x: int
    y: int
    height: int
    label: str  # the month, "Mar"
    value: str  # "75 %" or "—"


@dataclass(frozen=True)
class RuleReport:
    rule: str
    title: str
    months: tuple[MonthShare, ...]

    @property
    def bars(self) -> list[Bar]:
        bars = []
        for index, month in enumerate(self.months):
            height = round((month.share or 0) * CHART_HEIGHT)
            bars.append(
                Bar(
                    x=index * (BAR_WIDTH + BAR_GAP),
                    y=CHART_HEIGHT - height,
                    height=height,
                    label=month.month.strftime("%b"),
                    value=month.percent,
                )
            )
        return bars


@dataclass(frozen=True)
class ComplianceBoard:
    facility: Facility
    zone: dt.tzinfo
    now: dt.datetime
    overdue: list[ComplianceItem]
    coming_due: list[ComplianceItem]
    months: list[dt.date]
    report: list[RuleReport]

    def local(self, value: dt.datetime | None) -> str:
        """A time in the facility's zone, with the zone: "03/08/2026 09:00 EDT"."""
        return local_time(value, self.zone)


def facility_zone(facility: Facility) -> dt.tzinfo:
    try:
        return ZoneInfo(facility.time_zone)
    except (KeyError, ValueError):
        return dt.UTC


def compliance_board(*, actor: Actor, code: str, now: dt.datetime | None = None) -> ComplianceBoard:
    """The dashboard of the facility `code` (supervisors and auditors, in scope)."""
    facility = readable_facility(actor, code)
    now = now or utcnow()
    zone = facility_zone(facility)
    titles = rule_titles(facility)
    running = clock_items([facility.id], titles, now, open_only=True)
    months = month_starts(now, zone)
    return ComplianceBoard(
        facility=facility,
        zone=zone,
        now=now,
        overdue=[i for i in running if i.state == ClockState.OVERDUE],
        coming_due=[
            i for i in running if i.state != ClockState.OVERDUE and i.due_at <= now + COMING
        ],
        months=months,
        report=monthly_report(facility, titles, months, zone, now),
    )


def month_starts(now: dt.datetime, zone: dt.tzinfo, count: int = MONTHS) -> list[dt.date]:
    """The first days of the last `count` months in `zone`, oldest first (this one last)."""
    local = now.astimezone(zone)
    year, month = local.year, local.month
    found = []
    for _ in range(count):
        found.append(dt.date(year, month, 1))
        year, month = (year - 1, 12) if month == 1 else (year, month - 1)
    return found[::-1]


def monthly_report(
    facility: Facility,
    titles: dict[str, str],
    months: list[dt.date],
    zone: dt.tzinfo,
    now: dt.datetime,
) -> list[RuleReport]:
    """Per rule with clocks that came due in these months (not stopped), how many were
    met on time, met late or not met, by the month (in `zone`) they came due."""
    start = dt.datetime.combine(months[0], dt.time(), tzinfo=zone).astimezone(dt.UTC)
    rows = db.session.execute(
        sa.select(ComplianceClock.rule, ComplianceClock.due_at, ComplianceClock.met_at).where(
            ComplianceClock.facility_id == facility.id,
            ComplianceClock.stopped_at.is_(None),
            ComplianceClock.due_at >= start,
            ComplianceClock.due_at <= now,
        )
    )
    counts: dict[tuple[str, dt.date], list[int]] = {}
    for rule, due_at, met_at in rows:
        local = due_at.astimezone(zone)
        tally = counts.setdefault((rule, dt.date(local.year, local.month, 1)), [0, 0, 0])
        tally[0 if met_at is not None and met_at <= due_at else 1 if met_at else 2] += 1
    rules = [rule for rule in titles if any(key[0] == rule for key in counts)]
    return [
        RuleReport(
            rule=rule,
            title=titles[rule],
            months=tuple(
                MonthShare(month, *counts.get((rule, month), (0, 0, 0))) for month in months
            ),
        )
        for rule in rules
    ]
