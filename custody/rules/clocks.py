"""Compliance clocks: opened from the facility's rule set and closed by the records that
meet them. Their state when read (due, due soon, overdue, met, met late) is judged in
custody.rules.states, re-exported here."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import sqlalchemy as sa

from core.db import db
from custody.bookings.models import Booking
from custody.facilities.models import Facility
from custody.rules.models import ComplianceClock, ComplianceRule, RepeatAnchor
from custody.rules.states import ClockState, deadlines, state

__all__ = [  # the states are re-exported for callers that read a clock from here
    "ClockState",
    "close_clocks",
    "deadlines",
    "open_clocks",
    "rules_for",
    "state",
    "stop_clocks",
]


def rules_for(facility: Facility, starts_on: str) -> Sequence[ComplianceRule]:
    return db.session.scalars(
        sa.select(ComplianceRule)
        .where(
            ComplianceRule.standards_set_id == facility.standards_set_id,
            ComplianceRule.starts_on == starts_on,
            ComplianceRule.is_active.is_(True),
            ComplianceRule.limit_minutes.is_not(None),
        )
        .order_by(ComplianceRule.limit_minutes, ComplianceRule.rule)
    ).all()


def open_clocks(
    booking: Booking,
    starts_on: str,
    started_at: dt.datetime,
    *,
    subject_type: str | None = None,
    subject_id: object = None,
) -> list[ComplianceClock]:
    """Open one clock per active rule of the booking's facility that this event starts.
    Call inside the caller's unit of work."""
    opened = []
    for rule in rules_for(booking.facility, starts_on):
        clock = ComplianceClock(
            booking=booking,
            facility_id=booking.facility_id,
            rule=rule.rule,
            subject_type=subject_type,
            subject_id=None if subject_id is None else str(subject_id),
            started_at=started_at,
            due_at=started_at + dt.timedelta(minutes=rule.limit_minutes or 0),
        )
        db.session.add(clock)
        opened.append(clock)
    db.session.flush()
    return opened


def close_clocks(
    booking: Booking,
    rule: str,
    met_at: dt.datetime,
    met_by: str,
    *,
    subject_type: str | None = None,
    subject_id: object = None,
    repeat: bool = True,
) -> list[ComplianceClock]:
    """Close the booking's open clocks of `rule` (for one subject when given) and, for a
    repeating rule, open the next one. `repeat=False` ends the series (a release)."""
    query = sa.select(ComplianceClock).where(
        ComplianceClock.booking_id == booking.id,
        ComplianceClock.rule == rule,
        ComplianceClock.met_at.is_(None),
        ComplianceClock.stopped_at.is_(None),
    )
    if subject_type is not None:
        query = query.where(
            ComplianceClock.subject_type == subject_type,
            ComplianceClock.subject_id == str(subject_id),
        )
    closed = list(db.session.scalars(query).all())
    if not closed:
        return closed
    definition = _rule(booking, rule)
    for clock in closed:
        clock.met_at, clock.met_by = met_at, met_by
        if repeat and definition is not None and definition.repeat_minutes:
            _open_next(clock, definition, met_at)
    db.session.flush()
    return closed


def stop_clocks(booking_id: int, facility_id: int, at: dt.datetime) -> list[ComplianceClock]:
    """Custody of the booking ended at `facility_id` (release, transfer out): its clocks
    there still open end `stopped` at `at` — neither met nor overdue, and final."""
    stopped = list(
        db.session.scalars(
            sa.select(ComplianceClock).where(
                ComplianceClock.booking_id == booking_id,
                ComplianceClock.facility_id == facility_id,
                ComplianceClock.met_at.is_(None),
                ComplianceClock.stopped_at.is_(None),
            )
        )
    )
    for clock in stopped:
        clock.stopped_at = at
    db.session.flush()
    return stopped


def _rule(booking: Booking, rule: str) -> ComplianceRule | None:
    return db.session.scalar(
        sa.select(ComplianceRule).where(
            ComplianceRule.standards_set_id == booking.facility.standards_set_id,
            ComplianceRule.rule == rule,
        )
    )


def _open_next(clock: ComplianceClock, rule: ComplianceRule, met_at: dt.datetime) -> None:
    step = dt.timedelta(minutes=rule.repeat_minutes or 0)
    if rule.repeat_anchor == RepeatAnchor.PREVIOUS:
        started, due = met_at, met_at + step
    else:  # counted from the series' start: 14, 30, 60, 90 days after placement
        origin = _series_origin(clock)
        due = origin + step
        while due <= clock.due_at:
            due += step
        started = clock.due_at
    db.session.add(
        ComplianceClock(
            booking_id=clock.booking_id,
            facility_id=clock.facility_id,
            rule=clock.rule,
            subject_type=clock.subject_type,
            subject_id=clock.subject_id,
            started_at=started,
            due_at=due,
        )
    )


def _series_origin(clock: ComplianceClock) -> dt.datetime:
    first = db.session.scalar(
        sa.select(sa.func.min(ComplianceClock.started_at)).where(
            ComplianceClock.booking_id == clock.booking_id,
            ComplianceClock.rule == clock.rule,
            ComplianceClock.subject_type == clock.subject_type,
            ComplianceClock.subject_id == clock.subject_id,
        )
    )
    return first or clock.started_at
