"""Reading restrictive housing: placements as shown (with their clocks and check gaps),
the facility overview, and the choices the forms offer."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from core.access import authorize, authorize_found
from core.actor import Actor
from core.db import db, utcnow
from core.i18n import a_number as a_number_text
from core.users import usernames
from custody.audit_tags import CustodySubject
from custody.bookings.models import Booking, BookingStatus
from custody.facilities.models import UnitKind
from custody.facilities.services import get_facility
from custody.housing import board
from custody.housing.models import BedAssignment
from custody.people.alerts import active_kinds, active_kinds_of
from custody.people.models import Detainee
from custody.people.search import alerts_shown, name_tokens, normalize_a_number
from custody.permissions import CustodyPermission
from custody.restrictive.display import Interval, PlacementStatus, PlacementView
from custody.restrictive.models import ObservationCheck, RestrictivePlacement
from custody.restrictive.vocabulary import CHECK_RULE, DEFAULT_CHECK_LIMIT, SUBJECT, WHAT
from custody.rules import clocks, states
from custody.rules.models import ClockStart, ComplianceClock

# --- reading -------------------------------------------------------------------------


def get_placement(*, actor: Actor, placement_id: int) -> RestrictivePlacement:
    """One placement with its history; 404 when missing, 403 outside the actor's
    facility."""
    placement = db.session.scalar(
        sa.select(RestrictivePlacement)
        .options(
            selectinload(RestrictivePlacement.booking)
            .selectinload(Booking.detainee)
            .selectinload(Detainee.alerts),
            selectinload(RestrictivePlacement.booking).selectinload(Booking.facility),
            selectinload(RestrictivePlacement.checks),
            selectinload(RestrictivePlacement.reviews),
            selectinload(RestrictivePlacement.notifications),
        )
        .where(RestrictivePlacement.id == placement_id)
    )
    return authorize_found(
        actor,
        CustodyPermission.DETAINEE_READ,
        placement,
        facility_of=lambda p: p.booking.facility_id,
        subject_type=SUBJECT,
        subject_id=placement_id,
        missing=f"No restrictive-housing placement {placement_id}.",
    )


def placement_clocks(placement: RestrictivePlacement) -> list[ComplianceClock]:
    """Every clock of the placement's three series, oldest first."""
    return list(
        db.session.scalars(
            sa.select(ComplianceClock)
            .where(
                ComplianceClock.subject_type == SUBJECT,
                ComplianceClock.subject_id == str(placement.id),
            )
            .order_by(ComplianceClock.due_at, ComplianceClock.id)
        ).all()
    )


def placement_view(
    placement: RestrictivePlacement, now: dt.datetime | None = None
) -> PlacementView:
    """The placement as shown: its gaps between checks (until release or `now`) and its
    clocks. For a placement the caller has just read or written."""
    return PlacementView(
        placement=placement,
        gaps=tuple(check_gaps(placement, now)),
        clocks=tuple(placement_clocks(placement)),
    )


def show_placement(*, actor: Actor, placement_id: int) -> PlacementView:
    """`get_placement`, as shown (gaps and clocks; the person's alerts, audited)."""
    placement = get_placement(actor=actor, placement_id=placement_id)
    person = placement.booking.detainee
    alerts_shown(actor, {person.id: sorted(active_kinds(person))})
    return placement_view(placement)


def open_placements(*, actor: Actor, facility_code: str) -> Sequence[RestrictivePlacement]:
    facility = get_facility(actor=actor, code=facility_code)
    authorize(
        actor,
        CustodyPermission.DETAINEE_READ,
        facility_id=facility.id,
        check_facility=True,
        subject_type=CustodySubject.FACILITY,
        subject_id=facility.id,
    )
    placements = db.session.scalars(
        sa.select(RestrictivePlacement)
        .join(Booking)
        .options(
            selectinload(RestrictivePlacement.booking)
            .selectinload(Booking.detainee)
            .selectinload(Detainee.alerts),
            selectinload(RestrictivePlacement.booking)
            .selectinload(Booking.assignments)
            .selectinload(BedAssignment.bed),
        )
        .where(Booking.facility_id == facility.id, RestrictivePlacement.released_at.is_(None))
        .order_by(RestrictivePlacement.placed_at, RestrictivePlacement.id)
    ).all()
    people = (p.booking.detainee for p in placements)
    alerts_shown(actor, {pid: sorted(kinds) for pid, kinds in active_kinds_of(people).items()})
    return placements


# --- checks and gaps -----------------------------------------------------------------


def check_limit(placement: RestrictivePlacement) -> dt.timedelta:
    """The longest allowed time between checks: the facility's rule, else 30 minutes."""
    booking = placement.booking
    for rule in clocks.rules_for(booking.facility, ClockStart.PLACEMENT):
        if rule.rule == CHECK_RULE and rule.limit is not None:
            return rule.limit
    return DEFAULT_CHECK_LIMIT


def check_intervals(
    placement: RestrictivePlacement,
    now: dt.datetime | None = None,
    *,
    times: Iterable[dt.datetime] | None = None,
    limit: dt.timedelta | None = None,
) -> list[Interval]:
    """Every interval without a check, each flagged when longer than the limit."""
    limit = limit or check_limit(placement)
    moments = sorted(times if times is not None else (c.checked_at for c in placement.checks))
    end = placement.released_at or now or utcnow()
    found: list[Interval] = []
    previous, kind = placement.placed_at, "first"
    for moment in moments:
        found.append(Interval(previous, moment, kind, False, moment - previous > limit))
        previous, kind = moment, "between"
    is_open = placement.released_at is None
    if end > previous or is_open:
        last_end = max(end, previous)
        tail = Interval(previous, last_end, "since_last", is_open, last_end - previous > limit)
        found.append(tail)
    return found


def check_gaps(
    placement: RestrictivePlacement,
    now: dt.datetime | None = None,
    *,
    times: Iterable[dt.datetime] | None = None,
    limit: dt.timedelta | None = None,
) -> list[Interval]:
    """The gaps longer than the limit (30 minutes): between consecutive checks, from
    placement to the first check, and from the last check to release or now."""
    return [i for i in check_intervals(placement, now, times=times, limit=limit) if i.flagged]


# --- facility overview ---------------------------------------------------------------


def facility_overview(
    *, actor: Actor, facility_code: str, now: dt.datetime | None = None
) -> list[PlacementStatus]:
    """Open placements of a facility, those with something overdue first: reviews,
    checks (or a current gap over 30 minutes) and field-office notifications."""
    now = now or utcnow()
    placements = open_placements(actor=actor, facility_code=facility_code)
    if not placements:
        return []
    ids = [p.id for p in placements]
    times: dict[int, list[dt.datetime]] = {pid: [] for pid in ids}
    for pid, checked_at in db.session.execute(
        sa.select(ObservationCheck.placement_id, ObservationCheck.checked_at)
        .where(ObservationCheck.placement_id.in_(ids))
        .order_by(ObservationCheck.checked_at)
    ):
        times[pid].append(checked_at)
    pending: dict[str, list[ComplianceClock]] = {}
    for clock in db.session.scalars(
        sa.select(ComplianceClock).where(
            ComplianceClock.subject_type == SUBJECT,
            ComplianceClock.subject_id.in_([str(i) for i in ids]),
            ComplianceClock.met_at.is_(None),
            ComplianceClock.stopped_at.is_(None),
        )
    ):
        pending.setdefault(clock.subject_id or "", []).append(clock)
    limit = check_limit(placements[0])
    found = [_status(p, times[p.id], pending.get(str(p.id), []), limit, now) for p in placements]
    found.sort(key=lambda s: (not s.overdue, s.placement.placed_at))
    return found


def _status(
    placement: RestrictivePlacement,
    times: list[dt.datetime],
    open_clocks: list[ComplianceClock],
    limit: dt.timedelta,
    now: dt.datetime,
) -> PlacementStatus:
    intervals = check_intervals(placement, now, times=times, limit=limit)
    tail = intervals[-1] if intervals and intervals[-1].is_open else None
    status = PlacementStatus(
        placement=placement,
        last_check_at=times[-1] if times else None,
        since_last=tail,
        gaps=[i for i in intervals if i.flagged],
    )
    for clock in sorted(open_clocks, key=lambda c: c.due_at):
        if clock.rule not in WHAT:
            continue
        status.due.setdefault(clock.rule, clock)
        state = states.state(clock, now)
        if state == states.ClockState.OVERDUE and WHAT[clock.rule] not in status.overdue:
            status.overdue.append(WHAT[clock.rule])
        elif state == states.ClockState.DUE_SOON:
            status.due_soon.append(WHAT[clock.rule])
    if tail is not None and tail.flagged and "check" not in status.overdue:
        status.overdue.insert(0, "check")  # a current gap, even without a clock
    return status


def placement_candidates(
    *, actor: Actor, facility_code: str, query: str | None = None, limit: int = 20
) -> list[tuple[int, str]]:
    """(booking id, "Name (A-number)") of the facility's active bookings not already in
    restrictive housing whose name or A-number matches `query` (at most `limit`; none
    without a query), for the placement form's search."""
    facility = get_facility(actor=actor, code=facility_code)
    authorize(
        actor,
        CustodyPermission.DETAINEE_READ,
        facility_id=facility.id,
        check_facility=True,
        subject_type=CustodySubject.FACILITY,
        subject_id=facility.id,
    )
    placed = sa.select(RestrictivePlacement.booking_id).where(
        RestrictivePlacement.released_at.is_(None)
    )
    rows = db.session.execute(
        sa.select(Booking.id, Detainee.family_name, Detainee.given_name, Detainee.a_number)
        .join(Detainee)
        .where(
            Booking.facility_id == facility.id,
            Booking.status.in_([BookingStatus.BOOKED, BookingStatus.HOUSED]),
            Booking.id.not_in(placed),
        )
        .order_by(Detainee.family_name, Detainee.given_name, Booking.id)
    ).all()
    words = name_tokens(query)
    digits = normalize_a_number(query)
    found = [
        (bid, f"{family}, {given} ({a_number_text(a_number)})")
        for bid, family, given, a_number in rows
        if words
        and (
            a_number == digits
            or all(any(w in t for t in name_tokens(family, given)) for w in words)
        )
    ]
    return found[:limit]


def restrictive_beds(*, actor: Actor, facility_code: str) -> list[tuple[int, str]]:
    """(bed id, "Unit · label") of free in-service beds in the facility's restrictive
    units."""
    slots = board.beds_with_occupants(actor=actor, facility_code=facility_code, available=True)
    return [
        (s.bed.id, f"{s.bed.unit.name} · {s.bed.label}")
        for s in slots
        if s.bed.unit.kind == UnitKind.RESTRICTIVE
    ]


def staff_names(placement: RestrictivePlacement) -> dict[int, str]:
    """Usernames of the staff who appear in the placement's history."""
    ids = {placement.placed_by_id, placement.released_by_id}
    ids |= {c.officer_id for c in placement.checks}
    ids |= {r.reviewer_id for r in placement.reviews}
    ids |= {n.notified_by_id for n in placement.notifications}
    return usernames(ids)
