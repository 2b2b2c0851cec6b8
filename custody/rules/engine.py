"""The compliance engine: a booking's clinical clocks recomputed from the stored facts.

Rather than patch clocks one event at a time, each write of an Encounter or a
ServiceRequest of a booked person recomputes that booking's clinical clocks from the
person's whole FHIR record as it now stands (`health.clock_facts`), so the answer does
not depend on the order things arrived: an Encounter written before its referral, a
second Encounter that ended earlier than the first, an update from `in-progress` to
`finished` (or back, or to `entered-in-error`), a deletion — each gives what the facts
say. Only `finished` Encounters meet a clock; the earliest one that qualifies is when it
was met.

- intake-health-screening, health-assessment, dental-screening: opened by arrival
  (booking or transfer, `clocks.open_clocks`); met by the earliest finished Encounter
  of type `intake-screening`, `health-assessment`, `dental-screening` ending at or
  after the arrival.
- mental-health-evaluation: opened by a ServiceRequest coded
  `mental-health-evaluation` (active, on hold or completed) at its `authoredOn`; met
  by an Encounter `mental-health-evaluation` at or after it.
- sick-call-triage: opened by a ServiceRequest coded `sick-call` at `authoredOn`; met
  by an Encounter `sick-call-triage` at or after it.
- sick-call-visit: opened when that triage ends, unless the request was completed
  without a visit (triage found none needed); met by an Encounter `sick-call-visit`
  at or after the triage.

An Encounter naming requests in `basedOn` answers those requests only. Only the clocks
of the booking's current stay are recomputed (opened at or after the last arrival at
its facility, not stopped): a stopped clock is final, and a released or in-transit
booking, or one whose arrival clocks are not open yet, has nothing running. Custody's
own rules (classification, screening, restrictive housing) are met by custody records
through their services.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import sqlalchemy as sa

from core.db import db
from custody.bookings.models import Booking, BookingStatus
from custody.rules.clocks import rules_for
from custody.rules.models import ClockStart, ComplianceClock, ComplianceRule
from health.clock_facts import ClockFact

# rule opened by arrival -> the Encounter type that meets it
ARRIVAL_RULES = {
    "intake-health-screening": "intake-screening",
    "health-assessment": "health-assessment",
    "dental-screening": "dental-screening",
}
# rule opened by a ServiceRequest -> (the request's code, the Encounter type that meets it)
REQUEST_RULES = {
    "mental-health-evaluation": ("mental-health-evaluation", "mental-health-evaluation"),
    "sick-call-triage": ("sick-call", "sick-call-triage"),
}
# rule opened when another is met -> (that rule, the Encounter type that meets this one)
FOLLOW_UP_RULES = {"sick-call-visit": ("sick-call-triage", "sick-call-visit")}
CLINICAL_RULES = frozenset({*ARRIVAL_RULES, *REQUEST_RULES, *FOLLOW_UP_RULES})
REQUEST_STATUSES = frozenset({"active", "on-hold", "completed"})  # a request still stands
SUBJECT = "ServiceRequest"
_REQUEST_STARTS = (ClockStart.REFERRAL, ClockStart.SICK_CALL_REQUEST, ClockStart.TRIAGE)

Key = tuple[str, str]  # (rule, ServiceRequest id)


def recompute(booking: Booking, facts: Sequence[ClockFact]) -> None:
    """Bring the booking's clinical clocks of its current stay in line with `facts`
    (the person's Encounters and ServiceRequests). Inside the caller's unit of work."""
    if booking.status in (BookingStatus.RELEASED, BookingStatus.IN_TRANSIT):
        return
    running = _current_clocks(booking)
    arrival = _arrival(booking, running)
    if arrival is None:  # the stay's arrival clocks are not open yet (an arrival under way)
        return
    running = [c for c in running if c.started_at >= arrival]
    finished = [f for f in facts if f.resource_type == "Encounter" and f.status == "finished"]
    for clock in running:
        if clock.rule in ARRIVAL_RULES and clock.subject_type is None:
            _set_met(clock, first(finished, ARRIVAL_RULES[clock.rule], clock.started_at))
    _reconcile(booking, running, _wanted(booking, facts, finished, arrival))
    db.session.flush()


def first(
    encounters: Sequence[ClockFact], kind: str, since: dt.datetime, request: str | None = None
) -> ClockFact | None:
    """The earliest finished Encounter of type `kind` at or after `since` (answering
    `request` when it names the requests it answers)."""
    found = [
        e
        for e in encounters
        if kind in e.codes and e.at >= since and (not e.based_on or request in e.based_on)
    ]
    return min(found, key=lambda e: (e.at, e.id), default=None)


def _current_clocks(booking: Booking) -> list[ComplianceClock]:
    return list(
        db.session.scalars(
            sa.select(ComplianceClock).where(
                ComplianceClock.booking_id == booking.id,
                ComplianceClock.facility_id == booking.facility_id,
                ComplianceClock.stopped_at.is_(None),
            )
        )
    )


def _arrival(booking: Booking, clocks: Sequence[ComplianceClock]) -> dt.datetime | None:
    """When the current stay began: the latest start of the arrival clocks here (the
    booking opens them, a transfer's arrival opens them again); None before they are."""
    starts = {r.rule for r in rules_for(booking.facility, ClockStart.BOOKING)}
    opened = [c.started_at for c in clocks if c.rule in starts and c.subject_type is None]
    return max(opened, default=None)


def _wanted(
    booking: Booking, facts: Sequence[ClockFact], finished: Sequence[ClockFact], since: dt.datetime
) -> dict[Key, tuple[ComplianceRule, dt.datetime, ClockFact | None]]:
    """The request-opened clocks the facts call for: rule, start and what met it."""
    rules = {r.rule: r for s in _REQUEST_STARTS for r in rules_for(booking.facility, s)}
    wanted: dict[Key, tuple[ComplianceRule, dt.datetime, ClockFact | None]] = {}
    for request in facts:
        if (
            request.resource_type != SUBJECT
            or request.status not in REQUEST_STATUSES
            or request.at < since
        ):
            continue
        for rule, (code, kind) in REQUEST_RULES.items():
            if code in request.codes and rule in rules:
                met = first(finished, kind, request.at, request.id)
                wanted[(rule, request.id)] = (rules[rule], request.at, met)
        for rule, (after, kind) in FOLLOW_UP_RULES.items():
            previous = wanted.get((after, request.id))
            if rule in rules and previous is not None and (opened := previous[2]) is not None:
                met = first(finished, kind, opened.at, request.id)
                if met is not None or request.status != "completed":  # completed: no visit
                    wanted[(rule, request.id)] = (rules[rule], opened.at, met)
    return wanted


def _reconcile(
    booking: Booking,
    running: Sequence[ComplianceClock],
    wanted: dict[Key, tuple[ComplianceRule, dt.datetime, ClockFact | None]],
) -> None:
    """Update, open or remove the request-opened clocks so they match `wanted`."""
    existing = {
        (c.rule, c.subject_id or ""): c
        for c in running
        if c.subject_type == SUBJECT and c.rule in CLINICAL_RULES
    }
    for key, (rule, started_at, met) in wanted.items():
        clock = existing.pop(key, None)
        if clock is None:
            clock = ComplianceClock(
                booking_id=booking.id,
                facility_id=booking.facility_id,
                rule=rule.rule,
                subject_type=SUBJECT,
                subject_id=key[1],
            )
            db.session.add(clock)
        clock.started_at = started_at
        clock.due_at = started_at + dt.timedelta(minutes=rule.limit_minutes or 0)
        _set_met(clock, met)
    for gone in existing.values():  # its request was withdrawn, deleted or is in error
        db.session.delete(gone)


def _set_met(clock: ComplianceClock, met: ClockFact | None) -> None:
    clock.met_at = None if met is None else met.at
    clock.met_by = None if met is None else met.reference[:64]
