"""Reading the compliance clocks of a facility: the list the API gives, what is overdue
or coming due, and the dashboard panels' counts. Who a clock concerns (name, A-number)
and which rule (its title) — never a clinical code, reason or note: the engine's facts
stay in health.

Supervisors and auditors (`compliance:report:read`) read a facility's clocks within
their facility scope; clinicians (`compliance:clinical:read`) see the overdue clinical
ones on their dashboard.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

import sqlalchemy as sa

from core.access import authorize
from core.actor import Actor
from core.db import db, utcnow
from core.validation import FieldErrors
from custody.audit_tags import CustodySubject
from custody.bookings.models import Booking
from custody.facilities.models import Facility
from custody.facilities.services import get_facility, list_facilities
from custody.people.models import Detainee
from custody.permissions import CustodyPermission
from custody.rules.engine import CLINICAL_RULES
from custody.rules.models import ComplianceClock, ComplianceRule
from custody.rules.states import ClockState, state

RECENT = dt.timedelta(days=3)  # a closed clock stays on the list this long
COMING = dt.timedelta(hours=24)  # "coming due" on the dashboard
LISTED = (
    ClockState.DUE,
    ClockState.DUE_SOON,
    ClockState.OVERDUE,
    ClockState.MET,
    ClockState.MET_LATE,
)


@dataclass(frozen=True)
class ComplianceItem:
    """One clock as the compliance list shows it."""

    clock_id: int
    rule: str
    title: str
    booking_id: int
    a_number: str
    name: str
    state: ClockState
    started_at: dt.datetime
    due_at: dt.datetime
    met_at: dt.datetime | None
    stopped_at: dt.datetime | None


def rule_titles(facility: Facility) -> dict[str, str]:
    """Every rule of the facility's rule set: id → title."""
    rows = db.session.execute(
        sa.select(ComplianceRule.rule, ComplianceRule.title)
        .where(ComplianceRule.standards_set_id == facility.standards_set_id)
        .order_by(ComplianceRule.limit_minutes, ComplianceRule.rule)
    )
    return {rule: title for rule, title in rows}


def readable_facility(actor: Actor, code: str) -> Facility:
    """The facility, if the actor may read its compliance (facility scope included)."""
    facility = get_facility(actor=actor, code=code)
    authorize(
        actor,
        CustodyPermission.COMPLIANCE_READ,
        facility_id=facility.id,
        check_facility=True,
        subject_type=CustodySubject.FACILITY,
        subject_id=facility.id,
    )
    return facility


def facility_compliance(
    *,
    actor: Actor,
    code: str,
    state: str | None = None,
    rule: str | None = None,
    now: dt.datetime | None = None,
) -> list[ComplianceItem]:
    """The facility's open clocks and those closed in the last three days, by due time;
    `state` (any clock state; `stopped` lists the stopped ones) and `rule` filter."""
    facility = readable_facility(actor, code)
    titles = rule_titles(facility)
    errors = FieldErrors()
    wanted_state = errors.choice("state", state, [s.value for s in ClockState], required=False)
    wanted_rule = errors.choice("rule", rule, titles, required=False)
    errors.raise_if_any()
    now = now or utcnow()
    items = clock_items([facility.id], titles, now, since=now - RECENT)
    if wanted_state:
        items = [i for i in items if i.state == wanted_state]
    else:
        items = [i for i in items if i.state in LISTED]
    return [i for i in items if not wanted_rule or i.rule == wanted_rule]


def clock_items(
    facility_ids: Sequence[int],
    titles: dict[str, str],
    now: dt.datetime,
    *,
    since: dt.datetime | None = None,
    open_only: bool = False,
    rules: Sequence[str] | None = None,
) -> list[ComplianceItem]:
    """Clocks of these facilities: open ones, and (with `since`) those met or stopped
    since then; with their person. One query."""
    is_open = sa.and_(ComplianceClock.met_at.is_(None), ComplianceClock.stopped_at.is_(None))
    where: list[sa.ColumnElement[bool]] = [ComplianceClock.facility_id.in_(facility_ids)]
    if open_only or since is None:
        where.append(is_open)
    else:
        where.append(
            sa.or_(
                is_open,
                ComplianceClock.met_at >= since,
                ComplianceClock.stopped_at >= since,
            )
        )
    if rules is not None:
        where.append(ComplianceClock.rule.in_(rules))
    rows = db.session.execute(
        sa.select(ComplianceClock, Detainee)
        .join(Booking, ComplianceClock.booking_id == Booking.id)
        .join(Detainee, Booking.detainee_id == Detainee.id)
        .where(*where)
        .order_by(ComplianceClock.due_at, ComplianceClock.id)
    )
    return [_item(clock, person, titles, now) for clock, person in rows]


def _item(
    clock: ComplianceClock, person: Detainee, titles: dict[str, str], now: dt.datetime
) -> ComplianceItem:
    return ComplianceItem(
        clock_id=clock.id,
        rule=clock.rule,
        title=titles.get(clock.rule, clock.rule),
        booking_id=clock.booking_id,
        a_number=person.a_number,
        name=f"{person.family_name}, {person.given_name}",
        state=state(clock, now),
        started_at=clock.started_at,
        due_at=clock.due_at,
        met_at=clock.met_at,
        stopped_at=clock.stopped_at,
    )


def overdue_counts(*, actor: Actor, now: dt.datetime | None = None) -> list[tuple[Facility, int]]:
    """Each facility the actor reads, with how many of its clocks are overdue now."""
    authorize(actor, CustodyPermission.COMPLIANCE_READ, subject_type=CustodySubject.FACILITY)
    facilities = list_facilities(actor=actor)
    counts: dict[int, int] = dict(
        db.session.execute(
            sa.select(ComplianceClock.facility_id, sa.func.count())
            .where(
                ComplianceClock.facility_id.in_([f.id for f in facilities]),
                ComplianceClock.met_at.is_(None),
                ComplianceClock.stopped_at.is_(None),
                ComplianceClock.due_at < (now or utcnow()),
            )
            .group_by(ComplianceClock.facility_id)
        ).all()
    )
    return [(f, counts.get(f.id, 0)) for f in facilities]


def overdue_clinical(
    *, actor: Actor, now: dt.datetime | None = None
) -> list[tuple[Facility, ComplianceItem]]:
    """The overdue clinical clocks (screenings, assessments, referrals, sick call) of
    the facilities the clinician reads, most overdue first."""
    authorize(actor, CustodyPermission.COMPLIANCE_CLINICAL, subject_type=CustodySubject.FACILITY)
    now = now or utcnow()
    found = []
    for facility in list_facilities(actor=actor):
        items = clock_items(
            [facility.id], rule_titles(facility), now, open_only=True, rules=sorted(CLINICAL_RULES)
        )
        found += [(facility, i) for i in items if i.state == ClockState.OVERDUE]
    return sorted(found, key=lambda pair: pair[1].due_at)
