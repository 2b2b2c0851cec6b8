"""Reading the legal-access log: one person's log with their weekly law-library hours,
and the facility's reports — law-library hours below the minimum last week and this
week, legal visits by day against the visiting-hours minimums, denials by reason. Days
and weeks (Monday–Sunday) are the facility's local ones (`custody.legal.weeks`); the
minimums are data (`LegalMinimum`: the facility's row, else its standards set's)."""

from __future__ import annotations

import bisect
import datetime as dt
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from core.actor import Actor
from core.db import db, utcnow
from core.validation import FieldErrors
from custody.bookings.models import Booking
from custody.facilities.models import Facility
from custody.legal import consular
from custody.legal.chart import BarChart, bar_chart
from custody.legal.minimums import Minimums, minimums_for
from custody.legal.models import (
    ConsularTask,
    EntryKind,
    LegalAccessEntry,
    LegalPresentation,
    LegalVisitingDay,
    Outcome,
)
from custody.legal.services import facility_for, readable_booking
from custody.legal.vocabulary import COUNTED_OUTCOMES, DENIAL_REASONS
from custody.legal.weeks import (
    Week,
    days_between,
    local_day,
    midnight,
    week_of,
    weeks_between,
    zone_of,
)
from custody.permissions import CustodyPermission

MAX_DAYS = 366


def _counted_library(booking_ids: Sequence[int]) -> list[sa.ColumnElement[bool]]:
    """Law-library sessions that count toward the weekly minimum: completed or cut
    short (the one rule the reports and the legal-access export share)."""
    return [
        LegalAccessEntry.booking_id.in_(booking_ids),
        LegalAccessEntry.kind == EntryKind.LAW_LIBRARY,
        LegalAccessEntry.outcome.in_([o.value for o in COUNTED_OUTCOMES]),
    ]


def library_minutes(booking_ids: Sequence[int], week: Week) -> dict[int, int]:
    """Minutes of completed or cut-short law-library sessions that started in `week`,
    per booking."""
    if not booking_ids:
        return {}
    rows = db.session.execute(
        sa.select(LegalAccessEntry.booking_id, sa.func.sum(LegalAccessEntry.minutes))
        .where(
            *_counted_library(booking_ids),
            LegalAccessEntry.started_at >= week.starts_at,
            LegalAccessEntry.started_at < week.ends_at,
        )
        .group_by(LegalAccessEntry.booking_id)
    ).all()
    return {booking_id: int(total or 0) for booking_id, total in rows}


def library_minutes_by_week(booking_id: int, weeks: Sequence[Week]) -> list[int]:
    """`library_minutes` of one booking for consecutive `weeks` (a whole stay), in one
    query rather than one per week."""
    if not weeks:
        return []
    rows = db.session.execute(
        sa.select(LegalAccessEntry.started_at, LegalAccessEntry.minutes).where(
            *_counted_library([booking_id]),
            LegalAccessEntry.started_at >= weeks[0].starts_at,
            LegalAccessEntry.started_at < weeks[-1].ends_at,
        )
    ).all()
    starts = [week.starts_at for week in weeks]
    totals = [0] * len(weeks)
    for started_at, minutes in rows:
        index = bisect.bisect_right(starts, started_at) - 1
        if index >= 0 and started_at < weeks[index].ends_at:
            totals[index] += int(minutes or 0)
    return totals


@dataclass(frozen=True)
class WeekHours:
    week: Week
    minutes: int
    minimum: int | None
    is_current: bool = False

    @property
    def hours(self) -> float:
        return round(self.minutes / 60, 2)

    @property
    def below(self) -> bool:
        return self.minimum is not None and self.minutes < self.minimum

    @property
    def remaining_minutes(self) -> int:
        return max(0, (self.minimum or 0) - self.minutes)


def week_hours(
    booking_id: int, weeks: Sequence[Week], minimum: int | None, current: Week
) -> list[WeekHours]:
    """The booking's law-library hours for each of `weeks` against `minimum` (the log
    page and the legal-access export), in one query."""
    minutes = library_minutes_by_week(booking_id, weeks)
    return [
        WeekHours(week, spent, minimum, week == current)
        for week, spent in zip(weeks, minutes, strict=True)
    ]


@dataclass(frozen=True)
class BookingLog:
    booking: Booking
    zone: dt.tzinfo
    first: dt.date
    last: dt.date
    entries: Sequence[LegalAccessEntry]
    weeks: Sequence[WeekHours]
    tasks: Sequence[ConsularTask]
    minimums: Minimums | None


def _period(
    first: dt.date | None, last: dt.date | None, today: dt.date, default_days: int
) -> tuple[dt.date, dt.date]:
    errors = FieldErrors()
    last = last or today
    first = first or last - dt.timedelta(days=default_days)
    if first > last:
        errors.add("from", "The start of the period is after its end.")
    elif (last - first).days > MAX_DAYS:
        errors.add("from", f"Ask for at most {MAX_DAYS} days at a time.")
    errors.raise_if_any()
    return first, last


def booking_log(
    *, actor: Actor, booking_id: int, first: dt.date | None = None, last: dt.date | None = None
) -> BookingLog:
    """The person's log from `first` to `last` (the facility's local days; by default the
    last four weeks), newest first, and their law-library hours per week."""
    booking = readable_booking(actor, booking_id)
    zone = zone_of(booking.facility.time_zone)
    today = local_day(utcnow(), zone)
    first, last = _period(first, last, today, default_days=27)
    entries = db.session.scalars(
        sa.select(LegalAccessEntry)
        .options(
            selectinload(LegalAccessEntry.presentation).selectinload(LegalPresentation.attendees)
        )
        .where(
            LegalAccessEntry.booking_id == booking.id,
            LegalAccessEntry.started_at >= midnight(first, zone),
            LegalAccessEntry.started_at < midnight(last + dt.timedelta(days=1), zone),
        )
        .order_by(LegalAccessEntry.started_at.desc(), LegalAccessEntry.id.desc())
    ).all()
    minimums = minimums_for(booking.facility)
    minimum = minimums.law_library_minutes if minimums else None
    weeks = week_hours(booking.id, weeks_between(first, last, zone), minimum, week_of(today, zone))
    return BookingLog(
        booking, zone, first, last, entries, weeks, consular.tasks_of(booking.id), minimums
    )


# --- the facility's reports ----------------------------------------------------------


@dataclass(frozen=True)
class LibraryRow:
    booking: Booking
    minutes: int
    minimum: int

    @property
    def hours(self) -> float:
        return round(self.minutes / 60, 2)

    @property
    def remaining_minutes(self) -> int:
        return max(0, self.minimum - self.minutes)


@dataclass(frozen=True)
class LibraryWeek:
    week: Week
    is_current: bool
    held: int  # people held at some time in the week
    below: Sequence[LibraryRow]


@dataclass(frozen=True)
class VisitDay:
    day: dt.date
    offered_minutes: int | None  # None: not recorded
    is_holiday: bool
    minimum_minutes: int | None
    visits: int
    visit_minutes: int
    denied: int

    @property
    def meets(self) -> bool | None:
        if self.offered_minutes is None or self.minimum_minutes is None:
            return None
        return self.offered_minutes >= self.minimum_minutes


@dataclass(frozen=True)
class DenialCount:
    code: str
    label: str
    count: int


@dataclass(frozen=True)
class FacilityReport:
    facility: Facility
    zone: dt.tzinfo
    today: dt.date
    minimums: Minimums | None
    library: Sequence[LibraryWeek]
    days: Sequence[VisitDay]
    denials: Sequence[DenialCount]
    denial_period: tuple[dt.date, dt.date]
    chart: BarChart
    tasks: Sequence[ConsularTask]


def _held(facility: Facility, week: Week) -> Sequence[Booking]:
    return db.session.scalars(
        sa.select(Booking)
        .options(selectinload(Booking.detainee))
        .where(
            Booking.facility_id == facility.id,
            Booking.booked_at < week.ends_at,
            sa.or_(Booking.released_at.is_(None), Booking.released_at >= week.starts_at),
        )
    ).all()


def library_week(facility: Facility, week: Week, minimum: int | None, current: bool) -> LibraryWeek:
    """Everyone held during `week` whose law-library time is below the minimum (fewest
    hours first); nobody is listed when no minimum is recorded."""
    held = _held(facility, week)
    minutes = library_minutes([b.id for b in held], week)
    below = (
        []
        if minimum is None
        else [
            LibraryRow(b, minutes.get(b.id, 0), minimum)
            for b in held
            if minutes.get(b.id, 0) < minimum
        ]
    )
    below.sort(key=lambda r: (r.minutes, r.booking.detainee.family_name, r.booking.id))
    return LibraryWeek(week, current, len(held), below)


def visit_days(
    facility: Facility, first: dt.date, last: dt.date, minimums: Minimums | None
) -> list[VisitDay]:
    zone = zone_of(facility.time_zone)
    offered = {
        row.day: row
        for row in db.session.scalars(
            sa.select(LegalVisitingDay).where(
                LegalVisitingDay.facility_id == facility.id,
                LegalVisitingDay.day.between(first, last),
            )
        )
    }
    visits = db.session.scalars(
        sa.select(LegalAccessEntry).where(
            LegalAccessEntry.facility_id == facility.id,
            LegalAccessEntry.kind == EntryKind.ATTORNEY_VISIT,
            LegalAccessEntry.started_at >= midnight(first, zone),
            LegalAccessEntry.started_at < midnight(last + dt.timedelta(days=1), zone),
        )
    ).all()
    by_day: dict[dt.date, list[LegalAccessEntry]] = {}
    for visit in visits:
        by_day.setdefault(local_day(visit.started_at, zone), []).append(visit)
    days = []
    for day in days_between(first, last):
        row, held = offered.get(day), by_day.get(day, [])
        holiday = bool(row and row.is_holiday)
        done = [v for v in held if v.outcome in COUNTED_OUTCOMES]
        days.append(
            VisitDay(
                day,
                row.minutes_offered if row else None,
                holiday,
                minimums.visiting_minutes(day, holiday) if minimums else None,
                len(done),
                sum(v.minutes or 0 for v in done),
                sum(1 for v in held if v.outcome == Outcome.DENIED),
            )
        )
    return days


def denial_counts(facility: Facility, first: dt.date, last: dt.date) -> list[DenialCount]:
    zone = zone_of(facility.time_zone)
    codes = db.session.scalars(
        sa.select(LegalAccessEntry.denial_reason).where(
            LegalAccessEntry.facility_id == facility.id,
            LegalAccessEntry.outcome == Outcome.DENIED,
            LegalAccessEntry.started_at >= midnight(first, zone),
            LegalAccessEntry.started_at < midnight(last + dt.timedelta(days=1), zone),
        )
    ).all()
    counted = Counter(code or "other" for code in codes)
    rows = [DenialCount(c, DENIAL_REASONS.get(c, c), n) for c, n in counted.items()]
    return sorted(rows, key=lambda r: (-r.count, r.label))


def facility_report(
    *,
    actor: Actor,
    facility_code: str,
    first: dt.date | None = None,
    last: dt.date | None = None,
) -> FacilityReport:
    """The facility's legal-access reports: law library last week and this week (so
    far), visits by day and denials by reason from `first` to `last` (by default the
    last 14 days), and the open consular notification tasks."""
    facility = facility_for(actor, facility_code, CustodyPermission.LEGAL_READ)
    zone = zone_of(facility.time_zone)
    today = local_day(utcnow(), zone)
    first, last = _period(first, last, today, default_days=13)
    minimums = minimums_for(facility)
    minimum = minimums.law_library_minutes if minimums else None
    this_week = week_of(today, zone)
    last_week = week_of(this_week.monday - dt.timedelta(days=7), zone)
    library = [
        library_week(facility, last_week, minimum, current=False),
        library_week(facility, this_week, minimum, current=True),
    ]
    denials = denial_counts(facility, first, last)
    return FacilityReport(
        facility=facility,
        zone=zone,
        today=today,
        minimums=minimums,
        library=library,
        days=visit_days(facility, first, last, minimums),
        denials=denials,
        denial_period=(first, last),
        chart=bar_chart([(d.label, d.count) for d in denials]),
        tasks=consular.open_tasks(facility),
    )


def recent_visiting_days(facility: Facility) -> list[VisitDay]:
    """The last two weeks and the coming week of the facility's legal-visiting days (for
    the page that records them; the caller checked the permission)."""
    today = local_day(utcnow(), zone_of(facility.time_zone))
    first, last = today - dt.timedelta(days=13), today + dt.timedelta(days=7)
    return visit_days(facility, first, last, minimums_for(facility))
