"""The compliance dashboard's monthly report and times, by the facility's own calendar:
a facility in America/New_York across the March and November daylight-saving switches
and month ends that fall on another UTC day."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from core.db import db, unit_of_work
from custody.compliance.report import compliance_board, month_starts
from custody.rules.models import ComplianceClock

NOW = dt.datetime(2026, 12, 1, 12, tzinfo=dt.UTC)
RULE = "intake-health-screening"


def utc(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=dt.UTC)


@pytest.fixture
def facility(make):
    return make.facility(time_zone="America/New_York")


def hand_built(booking, timeline):
    """Replace the booking's clocks with `timeline`: (due_at, met_at, stopped_at)."""
    with unit_of_work():
        db.session.execute(
            sa.delete(ComplianceClock).where(ComplianceClock.booking_id == booking.id)
        )
        for due_at, met_at, stopped_at in timeline:
            db.session.add(
                ComplianceClock(
                    booking_id=booking.id,
                    facility_id=booking.facility_id,
                    rule=RULE,
                    started_at=due_at - dt.timedelta(hours=12),
                    due_at=due_at,
                    met_at=met_at,
                    stopped_at=stopped_at,
                )
            )


def test_months_are_the_facilitys(facility, make):
    booking = make.booking(facility=facility, booked_at=utc(2025, 11, 1))
    ok = dt.timedelta(hours=-1)
    hand_built(
        booking,
        [
            (utc(2026, 1, 1, 4, 30), utc(2026, 1, 1, 3), None),  # Dec 31 23:30 EST: too old
            (utc(2026, 1, 1, 5, 30), utc(2026, 1, 1, 5), None),  # Jan 1 00:30 EST: January
            (utc(2026, 3, 8, 12), utc(2026, 3, 8, 12) + ok, None),  # the day clocks go forward
            (utc(2026, 4, 1, 3, 30), utc(2026, 4, 1, 3), None),  # Mar 31 23:30 EDT: March
            (utc(2026, 4, 1, 4, 30), utc(2026, 4, 1, 6), None),  # Apr 1 00:30 EDT, met late
            (utc(2026, 10, 15), None, utc(2026, 10, 14)),  # stopped: not counted
            (utc(2026, 11, 1, 3, 59), utc(2026, 11, 1, 3), None),  # Oct 31 23:59 EDT
            (utc(2026, 11, 1, 5, 30), None, None),  # Nov 1 01:30 EDT (the first one): missed
            (utc(2026, 12, 1, 4, 30), utc(2026, 12, 1, 4), None),  # Nov 30 23:30 EST
            (utc(2026, 12, 5), None, None),  # not yet due: not counted
        ],
    )
    board = compliance_board(actor=make.actor("auditor"), code=facility.code, now=NOW)
    (report,) = board.report
    assert report.title == "Intake health screening (medical, dental, mental health)"
    by_month = {m.month: (m.on_time, m.late, m.missed) for m in report.months}
    assert len(by_month) == 12 and min(by_month) == dt.date(2026, 1, 1)
    assert by_month[dt.date(2026, 1, 1)] == (1, 0, 0)
    assert by_month[dt.date(2026, 3, 1)] == (2, 0, 0)
    assert by_month[dt.date(2026, 4, 1)] == (0, 1, 0)
    assert by_month[dt.date(2026, 10, 1)] == (1, 0, 0)
    assert by_month[dt.date(2026, 11, 1)] == (1, 0, 1)
    assert by_month[dt.date(2026, 12, 1)] == (0, 0, 0)
    shares = {m.month.month: m.percent for m in report.months}
    assert (shares[3], shares[4], shares[11], shares[2]) == ("100 %", "0 %", "50 %", "—")
    bars = {bar.label: bar for bar in report.bars}
    assert bars["Mar"].height == 100 and bars["Apr"].height == 0 and bars["Nov"].height == 50


def test_month_starts_follow_the_zone():
    zone = dt.timezone(dt.timedelta(hours=-5))
    # 03:00 UTC on January 1 is still December 31 five hours west
    months = month_starts(utc(2027, 1, 1, 3), zone)
    assert months[0] == dt.date(2026, 1, 1) and months[-1] == dt.date(2026, 12, 1)


def test_due_times_across_the_switches_are_shown_in_local_time(client, make, facility):
    # 01:30 EST on March 8 + 12 h is 14:30 EDT (wall clock 13 h); 01:00 EDT on
    # November 1 + 12 h is 12:00 EST (wall clock 11 h)
    spring = make.booking(facility=facility, booked_at=utc(2026, 3, 8, 6, 30))
    fall = make.booking(facility=facility, booked_at=utc(2026, 11, 1, 5))
    board = compliance_board(actor=make.actor("supervisor"), code=facility.code, now=NOW)
    due = {(i.booking_id, i.rule): i.due_at for i in board.overdue}
    assert board.local(due[(spring.id, RULE)]) == "03/08/2026 14:30 EDT"
    assert board.local(due[(fall.id, RULE)]) == "11/01/2026 12:00 EST"
    make.login(client, role="supervisor")
    page = client.get(f"/facilities/{facility.code}/compliance")
    assert page.status_code == 200, page.text
    assert "03/08/2026 14:30 EDT" in page.text and "11/01/2026 12:00 EST" in page.text
