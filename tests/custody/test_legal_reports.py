"""The legal-access reports count days and weeks (Monday–Sunday) in the facility's own
time zone: across week boundaries, across time-zone boundaries, in daylight-saving weeks;
law library against the minimum (data, not a constant), visits by day against the
visiting-hours minimums, denials by reason."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa

from core.db import db, unit_of_work
from core.errors import Forbidden, ValidationFailed
from custody.legal import reports, services
from custody.legal.inputs import EntryIn, VisitingDayIn
from custody.legal.models import LegalMinimum
from custody.legal.weeks import week_of
from tests.helpers import last_event

CHICAGO, GUAM = ZoneInfo("America/Chicago"), ZoneInfo("Pacific/Guam")
HOUR = dt.timedelta(hours=1)


def local(zone, *args):
    return dt.datetime(*args, tzinfo=zone)


@pytest.fixture
def officer(make):
    return make.actor("officer")


def library(actor, booking, start, minutes=60, **extra):
    data = EntryIn(kind="law_library", started_at=start, minutes=minutes, **extra)
    return services.record_entry(actor=actor, booking_id=booking.id, entry=data)


def weekly(actor, booking, first, last):
    log = reports.booking_log(actor=actor, booking_id=booking.id, first=first, last=last)
    return {w.week.monday: w.minutes for w in log.weeks}


def test_sunday_2330_local_is_that_week_though_utc_is_monday(make, officer):
    facility = make.facility(time_zone="America/Chicago")
    booking = make.booking(facility=facility, booked_at=dt.datetime(2026, 11, 1, tzinfo=dt.UTC))
    sunday_night = local(CHICAGO, 2026, 11, 29, 23, 30)
    assert sunday_night.astimezone(dt.UTC).weekday() == 0  # Monday in UTC
    library(officer, booking, sunday_night, minutes=25)  # ends after local midnight
    library(officer, booking, local(CHICAGO, 2026, 11, 30, 0, 30), minutes=60)
    found = weekly(officer, booking, dt.date(2026, 11, 23), dt.date(2026, 11, 30))
    assert found == {dt.date(2026, 11, 23): 25, dt.date(2026, 11, 30): 60}


def test_the_same_instant_is_a_different_week_in_another_zone(make, officer):
    instant = dt.datetime(2026, 11, 22, 14, 30, tzinfo=dt.UTC)  # Sunday in UTC and Chicago
    assert instant.astimezone(GUAM).strftime("%a %H:%M") == "Mon 00:30"
    chicago = make.facility(time_zone="America/Chicago")
    guam = make.facility(time_zone="Pacific/Guam")
    arrival = dt.datetime(2026, 11, 1, tzinfo=dt.UTC)
    here, there = (make.booking(facility=f, booked_at=arrival) for f in (chicago, guam))
    for booking in (here, there):
        library(officer, booking, instant)
    first, last = dt.date(2026, 11, 16), dt.date(2026, 11, 29)
    assert weekly(officer, here, first, last) == {
        dt.date(2026, 11, 16): 60,
        dt.date(2026, 11, 23): 0,
    }
    assert weekly(officer, there, first, last) == {
        dt.date(2026, 11, 16): 0,
        dt.date(2026, 11, 23): 60,
    }


def test_daylight_saving_weeks_are_counted_on_the_local_calendar(make, officer):
    fall = week_of(dt.date(2026, 10, 28), CHICAGO)  # clocks go back on Sunday 1 November
    spring = week_of(dt.date(2026, 3, 4), CHICAGO)  # clocks go forward on Sunday 8 March
    assert (fall.hours, spring.hours) == (169, 167)
    assert fall.starts_at == dt.datetime(2026, 10, 26, 5, tzinfo=dt.UTC)  # CDT midnight
    assert fall.ends_at == dt.datetime(2026, 11, 2, 6, tzinfo=dt.UTC)  # CST midnight
    booking = make.booking(
        facility=make.facility(time_zone="America/Chicago"),
        booked_at=dt.datetime(2026, 10, 1, tzinfo=dt.UTC),
    )
    library(officer, booking, local(CHICAGO, 2026, 10, 25, 23, 45), minutes=10)  # week before
    library(officer, booking, local(CHICAGO, 2026, 10, 26, 0, 15), minutes=20)
    library(officer, booking, local(CHICAGO, 2026, 11, 1, 23, 30), minutes=30)  # 05:30 UTC Mon
    found = weekly(officer, booking, dt.date(2026, 10, 19), dt.date(2026, 11, 2))
    assert found == {dt.date(2026, 10, 19): 10, dt.date(2026, 10, 26): 50, dt.date(2026, 11, 2): 0}


def test_denied_sessions_do_not_count_cut_short_ones_do(make, officer):
    booking = make.booking(booked_at=dt.datetime(2026, 11, 1, tzinfo=dt.UTC))
    start = local(CHICAGO, 2026, 11, 10, 9)
    library(officer, booking, start, minutes=40, outcome="cut_short", reason="Count")
    library(officer, booking, start + HOUR, minutes=None, outcome="denied", reason="Closed")
    assert weekly(officer, booking, dt.date(2026, 11, 9), dt.date(2026, 11, 15)) == {
        dt.date(2026, 11, 9): 40
    }


def test_the_log_period_is_checked(make, officer):
    booking = make.booking()
    with pytest.raises(ValidationFailed) as caught:
        reports.booking_log(
            actor=officer,
            booking_id=booking.id,
            first=dt.date(2026, 5, 2),
            last=dt.date(2026, 5, 1),
        )
    assert "from" in caught.value.errors
    with pytest.raises(Forbidden):
        reports.booking_log(actor=make.actor("clinician"), booking_id=booking.id)


# --- the facility's reports ------------------------------------------------------------

NOW = dt.datetime(2026, 11, 26, 18, 0, tzinfo=dt.UTC)  # Thursday noon in Chicago


@pytest.fixture
def frozen(monkeypatch):
    monkeypatch.setattr(reports, "utcnow", lambda: NOW)
    return NOW


@pytest.fixture
def held(make, frozen):
    facility = make.facility(time_zone="America/Chicago")
    arrival = dt.datetime(2026, 11, 1, tzinfo=dt.UTC)
    people = [
        make.booking(facility=facility, detainee=make.detainee(family_name=name), booked_at=arrival)
        for name in ("Alder", "Birch", "Cedar")
    ]
    return facility, people


def test_law_library_below_the_minimum_last_week_and_this_week(make, officer, held):
    facility, (alder, birch, cedar) = held
    library(officer, alder, local(CHICAGO, 2026, 11, 17, 9), minutes=300)  # met last week
    library(officer, birch, local(CHICAGO, 2026, 11, 18, 9), minutes=120)
    library(officer, birch, local(CHICAGO, 2026, 11, 22, 23, 30), minutes=60)  # Sunday night
    library(officer, cedar, local(CHICAGO, 2026, 11, 23, 9), minutes=200)  # this week
    report = reports.facility_report(actor=make.actor("auditor"), facility_code=facility.code)
    last, this = report.library
    assert (last.week.monday, this.week.monday) == (dt.date(2026, 11, 16), dt.date(2026, 11, 23))
    assert not last.is_current and this.is_current and last.held == this.held == 3
    assert [(r.booking.id, r.minutes, r.remaining_minutes) for r in last.below] == [
        (cedar.id, 0, 300),
        (birch.id, 180, 120),
    ]
    assert [(r.booking.id, r.minutes) for r in this.below] == [
        (alder.id, 0),
        (birch.id, 0),
        (cedar.id, 200),
    ]
    assert this.below[-1].remaining_minutes == 100


def test_the_minimum_is_data_and_a_facility_may_have_its_own(make, officer, held):
    facility, (alder, _birch, _cedar) = held
    library(officer, alder, local(CHICAGO, 2026, 11, 17, 9), minutes=300)
    minimums = reports.minimums_for(facility)
    assert (minimums.law_library_minutes, minimums.source) == (300, "PBNDS-2011-R2016")
    with unit_of_work():
        db.session.add(
            LegalMinimum(
                facility_id=facility.id,
                law_library_minutes=900,
                weekday_visiting_minutes=600,
                weekend_visiting_minutes=300,
                citation="Facility contract",
            )
        )
    report = reports.facility_report(actor=officer, facility_code=facility.code)
    assert report.minimums.source == "facility"
    assert alder.id in {r.booking.id for r in report.library[0].below}  # 5 h < 15 h
    with unit_of_work():
        db.session.execute(sa.delete(LegalMinimum))
    report = reports.facility_report(actor=officer, facility_code=facility.code)
    assert report.minimums is None and report.library[0].below == []


def test_visits_by_day_against_the_visiting_hours_minimums(make, officer, held, frozen):
    facility, (alder, birch, _cedar) = held
    supervisor = make.actor("supervisor")
    offered = {(2026, 11, 23): 480, (2026, 11, 24): 420, (2026, 11, 22): 240}
    for (y, m, d), minutes in offered.items():
        services.set_visiting_day(
            actor=supervisor,
            facility_code=facility.code,
            day=VisitingDayIn(day=dt.date(y, m, d), minutes_offered=minutes),
        )
    services.set_visiting_day(
        actor=make.actor("admin"),
        facility_code=facility.code,
        day=VisitingDayIn(day=dt.date(2026, 11, 26), minutes_offered=240, is_holiday=True),
    )
    assert last_event("custody:legal_visiting_hours:update").facility_id == facility.id
    with pytest.raises(Forbidden):
        services.set_visiting_day(
            actor=officer,
            facility_code=facility.code,
            day=VisitingDayIn(day=dt.date(2026, 11, 25), minutes_offered=480),
        )
    visit = dict(kind="attorney_visit", counsel_name="A. Counsel", minutes=45)
    for booking in (alder, birch):
        services.record_entry(
            actor=officer,
            booking_id=booking.id,
            entry=EntryIn(started_at=local(CHICAGO, 2026, 11, 23, 22), **visit),
        )
    report = reports.facility_report(
        actor=officer,
        facility_code=facility.code,
        first=dt.date(2026, 11, 21),
        last=dt.date(2026, 11, 26),
    )
    days = {d.day: d for d in report.days}
    assert (days[dt.date(2026, 11, 23)].visits, days[dt.date(2026, 11, 23)].visit_minutes) == (
        2,
        90,
    )
    assert days[dt.date(2026, 11, 23)].meets is True  # 8 h on a weekday
    assert days[dt.date(2026, 11, 24)].meets is False  # 7 h on a weekday
    assert days[dt.date(2026, 11, 22)].minimum_minutes == 240 and days[dt.date(2026, 11, 22)].meets
    assert days[dt.date(2026, 11, 26)].minimum_minutes == 240  # holiday: the weekend minimum
    assert (
        days[dt.date(2026, 11, 25)].offered_minutes is None
        and days[dt.date(2026, 11, 25)].meets is None
    )


def test_denials_by_reason(make, officer, held):
    facility, (alder, birch, cedar) = held
    denied = dict(kind="law_library", outcome="denied", reason="See reason")
    for booking, code in ((alder, "lockdown"), (birch, "lockdown"), (cedar, "no_staff")):
        services.record_entry(
            actor=officer,
            booking_id=booking.id,
            entry=EntryIn(
                started_at=local(CHICAGO, 2026, 11, 20, 10), denial_reason=code, **denied
            ),
        )
    report = reports.facility_report(actor=officer, facility_code=facility.code)
    assert [(d.code, d.count) for d in report.denials] == [("lockdown", 2), ("no_staff", 1)]
    assert [b.value for b in report.chart.bars] == [2, 1]
    assert report.chart.bars[0].width > report.chart.bars[1].width > 0


def test_facility_reports_follow_scope(make, held):
    facility, _people = held
    other = make.facility()
    with pytest.raises(Forbidden):
        reports.facility_report(
            actor=make.actor("auditor", facility_id=other.id), facility_code=facility.code
        )
    with pytest.raises(Forbidden):
        reports.facility_report(actor=make.actor("clinician"), facility_code=facility.code)


def test_a_long_log_counts_its_weeks_in_one_query(make, officer):
    """The weekly hours of a stay are one query, whatever the number of weeks (the
    log page and the legal-access export)."""
    booking = make.booking(booked_at=dt.datetime(2026, 1, 1, tzinfo=dt.UTC))
    library(officer, booking, local(CHICAGO, 2026, 2, 3, 9), minutes=45)
    library(officer, booking, local(CHICAGO, 2026, 11, 10, 9), minutes=30)
    engine, seen = db.session.get_bind().engine, []

    def count(*_args):
        seen.append(1)

    def statements(first, last):
        seen.clear()
        sa.event.listen(engine, "before_cursor_execute", count)
        try:
            log = reports.booking_log(actor=officer, booking_id=booking.id, first=first, last=last)
        finally:
            sa.event.remove(engine, "before_cursor_execute", count)
        return len(seen), log

    statements(dt.date(2026, 11, 2), dt.date(2026, 11, 15))  # loads what the session keeps
    short, _ = statements(dt.date(2026, 11, 2), dt.date(2026, 11, 15))
    long, log = statements(dt.date(2026, 1, 5), dt.date(2026, 11, 29))
    assert len(log.weeks) == 47 and long == short
    minutes = {w.week.monday: w.minutes for w in log.weeks if w.minutes}
    assert minutes == {dt.date(2026, 2, 2): 45, dt.date(2026, 11, 9): 30}
