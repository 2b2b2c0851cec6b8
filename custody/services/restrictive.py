"""Restrictive housing (PBNDS 2.12, ICE Directive 11065.1): a supervisor places a person,
officers record observation checks, supervisors review the placement and notify the
field office, and a supervisor releases.

The deadlines are compliance clocks opened from the facility's rule set when the
placement starts (`starts_on = placement`): a check every 30 minutes counted from the
previous one, a review at 72 hours then every 7 days after the previous review, a
field-office notification at 14 days, then 30, 60, 90 … days after placement. Each
record closes the open clock of its rule (which opens the next); a release ends every
series. Nothing here hard-codes those numbers except a fallback for the check gap.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session, selectinload

from core import audit
from core.access import authorize
from core.actor import Actor
from core.db import db, lock_for_update, unit_of_work, utcnow
from core.errors import Conflict, NotFound, ValidationFailed
from core.models import User
from core.permissions import Permission
from custody.models import (
    Bed,
    BedAssignment,
    Booking,
    BookingStatus,
    ClockStart,
    ComplianceClock,
    Detainee,
    FieldOfficeNotification,
    ObservationCheck,
    PlacementKind,
    PlacementReview,
    RestrictivePlacement,
    UnitKind,
)
from custody.services import clocks, housing
from custody.services.common import checked_time
from custody.services.facilities import get_facility
from custody.services.intake import writable_booking

CHECK_RULE = "restrictive-housing-check"
REVIEW_RULE = "restrictive-housing-review"
NOTIFY_RULE = "restrictive-housing-notification"
RULES = (CHECK_RULE, REVIEW_RULE, NOTIFY_RULE)
SUBJECT = "placement"
DEFAULT_CHECK_LIMIT = dt.timedelta(minutes=30)

KINDS = {
    PlacementKind.ADMINISTRATIVE: "Administrative",
    PlacementKind.DISCIPLINARY: "Disciplinary",
}
DECISIONS = {"continue": "Continue the placement", "release": "Release from restrictive housing"}
# What an officer saw, never why: free text could carry clinical content.
OBSERVATIONS = {
    "observed": "Observed, no concern",
    "asleep": "Asleep, breathing observed",
    "no_response": "No response (escalated)",
    "needs_attention": "Needs attention (escalated)",
}
METHODS = {
    "email": "Email",
    "phone": "Telephone",
    "fax": "Fax",
    "letter": "Letter",
    "in_person": "In person",
}


class Tag(StrEnum):
    PLACE = "custody:restrictive:place"
    CHECK = "custody:restrictive:check"
    REVIEW = "custody:restrictive:review"
    NOTIFY = "custody:restrictive:notify"
    RELEASE = "custody:restrictive:release"


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
    if placement is None:
        authorize(actor, Permission.DETAINEE_READ, subject_type=SUBJECT, subject_id=placement_id)
        raise NotFound(f"No restrictive-housing placement {placement_id}.")
    authorize(
        actor,
        Permission.DETAINEE_READ,
        facility_id=placement.booking.facility_id,
        check_facility=True,
        subject_type=SUBJECT,
        subject_id=placement_id,
    )
    return placement


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


def open_placements(*, actor: Actor, facility_code: str) -> Sequence[RestrictivePlacement]:
    facility = get_facility(actor=actor, code=facility_code)
    authorize(
        actor,
        Permission.DETAINEE_READ,
        facility_id=facility.id,
        check_facility=True,
        subject_type="facility",
        subject_id=facility.id,
    )
    return db.session.scalars(
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


# --- checks and gaps -----------------------------------------------------------------


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


WHAT = {CHECK_RULE: "check", REVIEW_RULE: "review", NOTIFY_RULE: "notification"}


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
        state = clocks.state(clock, now)
        if state == clocks.ClockState.OVERDUE and WHAT[clock.rule] not in status.overdue:
            status.overdue.append(WHAT[clock.rule])
        elif state == clocks.ClockState.DUE_SOON:
            status.due_soon.append(WHAT[clock.rule])
    if tail is not None and tail.flagged and "check" not in status.overdue:
        status.overdue.insert(0, "check")  # a current gap, even without a clock
    return status


# --- validation ----------------------------------------------------------------------


def _when(value: Any, name: str, errors: dict[str, list[str]]) -> dt.datetime:
    """The time given, or now when none (or when it is refused: the error says so)."""
    return checked_time(value, name, errors) or utcnow()


def _choice(value: Any, allowed: dict[Any, str], name: str, errors: dict[str, list[str]]) -> str:
    text = str(value or "").strip().lower()
    if text not in allowed:
        errors[name] = [f"Choose one of: {', '.join(str(k) for k in allowed)}."]
    return text


def _text(value: Any, name: str, errors: dict[str, list[str]], *, limit: int, what: str) -> str:
    text = str(value or "").strip()
    if not text:
        errors[name] = [f"Give {what}."]
    elif len(text) > limit:
        errors[name] = [f"Use at most {limit} characters."]
    return text


def _not_before(
    when: dt.datetime, start: dt.datetime, name: str, message: str, errors: dict[str, list[str]]
) -> None:
    if name not in errors and when < start:
        errors.setdefault(name, []).append(message)


def _raise(errors: dict[str, list[str]]) -> None:
    if errors:
        raise ValidationFailed(errors)


# --- writing -------------------------------------------------------------------------


def _writable(actor: Actor, placement_id: int, permission: Permission) -> RestrictivePlacement:
    """Permission first (403 whatever exists), then the placement (404), then its
    facility (403 for a user limited to another facility)."""
    authorize(actor, permission, subject_type=SUBJECT, subject_id=placement_id)
    placement = get_placement(actor=actor, placement_id=placement_id)
    authorize(
        actor,
        permission,
        facility_id=placement.booking.facility_id,
        check_facility=True,
        subject_type=SUBJECT,
        subject_id=placement_id,
    )
    return placement


def _lock_open(session: Session, placement: RestrictivePlacement) -> RestrictivePlacement:
    lock_for_update(session, RestrictivePlacement, [placement.id])
    session.refresh(placement)
    if placement.released_at is not None:
        raise Conflict(
            f"Placement {placement.id} was released at {placement.released_at:%Y-%m-%d %H:%M} UTC.",
            rule="placement_released",
        )
    return placement


def _last_check_at(placement_id: int) -> dt.datetime | None:
    return db.session.scalar(
        sa.select(sa.func.max(ObservationCheck.checked_at)).where(
            ObservationCheck.placement_id == placement_id
        )
    )


def _open_placement(booking_id: int) -> RestrictivePlacement | None:
    return db.session.scalar(
        sa.select(RestrictivePlacement).where(
            RestrictivePlacement.booking_id == booking_id,
            RestrictivePlacement.released_at.is_(None),
        )
    )


def _restrictive_bed(bed_id: Any, booking: Booking, errors: dict[str, list[str]]) -> int | None:
    if bed_id in (None, ""):
        return None
    try:
        number = int(bed_id)
    except (TypeError, ValueError):
        number = 0
    bed = db.session.get(Bed, number) if 0 < number < 2**31 else None
    if bed is None or bed.unit.facility_id != booking.facility_id:
        errors["bed_id"] = ["Choose a bed in this facility."]
        return None
    if bed.unit.kind != UnitKind.RESTRICTIVE:
        errors["bed_id"] = [f"Bed {bed.label} is not in a restrictive-housing unit."]
        return None
    return bed.id


def place_in_restrictive_housing(
    *,
    actor: Actor,
    booking_id: int,
    kind: str,
    reason: str,
    placed_at: dt.datetime | None = None,
    bed_id: int | None = None,
) -> RestrictivePlacement:
    """A supervisor places a person in restrictive housing: 409 if already placed or the
    booking is not active. Opens the check, review and notification clocks; with
    `bed_id`, moves the person to that bed of a restrictive unit in the same unit of
    work (so a refused bed undoes the placement too)."""
    authorize(actor, Permission.CUSTODY_SUPERVISE, subject_type="booking", subject_id=booking_id)
    booking = writable_booking(actor, booking_id)
    errors: dict[str, list[str]] = {}
    kind = _choice(kind, KINDS, "kind", errors)
    reason = _text(reason, "reason", errors, limit=2000, what="the reason for the placement")
    when = _when(placed_at, "placed_at", errors)
    _not_before(when, booking.booked_at, "placed_at", "Placement comes after arrival.", errors)
    bed = _restrictive_bed(bed_id, booking, errors)
    _raise(errors)
    with unit_of_work() as session:
        lock_for_update(session, Booking, [booking.id])
        session.refresh(booking)
        if booking.status not in (BookingStatus.BOOKED, BookingStatus.HOUSED):
            raise Conflict(f"The booking is {booking.status}.", rule="booking_not_active")
        if (current := _open_placement(booking.id)) is not None:
            raise Conflict(
                f"The person is already in restrictive housing (placement {current.id}).",
                existing_id=str(current.id),
            )
        placement = RestrictivePlacement(
            booking=booking, kind=kind, reason=reason, placed_at=when, placed_by_id=actor.user_id
        )
        session.add(placement)
        try:
            session.flush()
        except sa.exc.IntegrityError as err:  # the partial unique index caught a race
            raise Conflict("The person is already in restrictive housing.") from err
        clocks.open_clocks(
            booking, ClockStart.PLACEMENT, when, subject_type=SUBJECT, subject_id=placement.id
        )
        if bed is not None:
            _assign(actor, booking.id, bed)
        audit.record(
            actor=actor,
            tag=Tag.PLACE,
            subject_type=SUBJECT,
            subject_id=placement.id,
            changed_fields=["booking_id", "kind", "reason", "placed_at"]
            + (["bed_id"] if bed else []),
        )
        return placement


def _assign(actor: Actor, booking_id: int, bed_id: int) -> None:
    try:
        housing.assign_bed(actor=actor, booking_id=booking_id, bed_id=bed_id)
    except Conflict as err:  # shown next to the bed on the page
        err.details.setdefault("field", "bed_id")
        raise


def record_check(
    *,
    actor: Actor,
    placement_id: int,
    checked_at: dt.datetime | None = None,
    observation: str = "observed",
) -> ObservationCheck:
    """An officer saw the person: closes the open check clock and opens the next one,
    due 30 minutes later."""
    placement = _writable(actor, placement_id, Permission.DETAINEE_WRITE)
    errors: dict[str, list[str]] = {}
    observation = _choice(observation or "observed", OBSERVATIONS, "observation", errors)
    when = _when(checked_at, "checked_at", errors)
    _not_before(when, placement.placed_at, "checked_at", "A check comes after placement.", errors)
    _raise(errors)
    with unit_of_work() as session:
        placement = _lock_open(session, placement)
        last = _last_check_at(placement.id)
        if last is not None and when < last:
            raise ValidationFailed(
                {"checked_at": [f"A later check ({last:%Y-%m-%d %H:%M} UTC) is recorded."]}
            )
        check = ObservationCheck(
            placement=placement, checked_at=when, officer_id=actor.user_id, observation=observation
        )
        session.add(check)
        session.flush()
        _close(placement, CHECK_RULE, when, f"check:{check.id}")
        audit.record(
            actor=actor,
            tag=Tag.CHECK,
            subject_type=SUBJECT,
            subject_id=placement.id,
            changed_fields=["checked_at", "observation"],
        )
        return check


def _close(
    placement: RestrictivePlacement, rule: str, when: dt.datetime, by: str, repeat: bool = True
) -> None:
    clocks.close_clocks(
        placement.booking,
        rule,
        when,
        by,
        subject_type=SUBJECT,
        subject_id=placement.id,
        repeat=repeat,
    )


def record_review(
    *,
    actor: Actor,
    placement_id: int,
    decision: str,
    note: str,
    reviewed_at: dt.datetime | None = None,
) -> PlacementReview:
    """A supervisor reviews the placement: closes the review clock, and either opens the
    next (due 7 days after this review) or, on `release`, releases."""
    placement = _writable(actor, placement_id, Permission.CUSTODY_SUPERVISE)
    errors: dict[str, list[str]] = {}
    decision = _choice(decision, DECISIONS, "decision", errors)
    note = _text(note, "note", errors, limit=2000, what="the review's reasons")
    when = _when(reviewed_at, "reviewed_at", errors)
    _not_before(when, placement.placed_at, "reviewed_at", "A review comes after placement.", errors)
    _raise(errors)
    with unit_of_work() as session:
        placement = _lock_open(session, placement)
        review = PlacementReview(
            placement=placement,
            reviewed_at=when,
            reviewer_id=actor.user_id,
            decision=decision,
            note=note,
        )
        session.add(review)
        session.flush()
        _close(placement, REVIEW_RULE, when, f"review:{review.id}", repeat=decision == "continue")
        audit.record(
            actor=actor,
            tag=Tag.REVIEW,
            subject_type=SUBJECT,
            subject_id=placement.id,
            changed_fields=["decision", "note", "reviewed_at"],
        )
        if decision == "release":
            end_placement(actor, placement, when, note)
        return review


def record_notification(
    *,
    actor: Actor,
    placement_id: int,
    recipient: str,
    method: str,
    notified_at: dt.datetime | None = None,
) -> FieldOfficeNotification:
    """A supervisor notified the field office: closes the open notification clock; the
    series goes on (30, 60, 90 … days after placement) until release."""
    placement = _writable(actor, placement_id, Permission.CUSTODY_SUPERVISE)
    errors: dict[str, list[str]] = {}
    recipient = _text(recipient, "recipient", errors, limit=200, what="who was notified")
    method = _choice(method, METHODS, "method", errors)
    when = _when(notified_at, "notified_at", errors)
    _not_before(
        when, placement.placed_at, "notified_at", "A notification comes after placement.", errors
    )
    _raise(errors)
    with unit_of_work() as session:
        placement = _lock_open(session, placement)
        notification = FieldOfficeNotification(
            placement=placement,
            notified_at=when,
            notified_by_id=actor.user_id,
            recipient=recipient,
            method=method,
        )
        session.add(notification)
        session.flush()
        _close(placement, NOTIFY_RULE, when, f"notification:{notification.id}")
        audit.record(
            actor=actor,
            tag=Tag.NOTIFY,
            subject_type=SUBJECT,
            subject_id=placement.id,
            changed_fields=["notified_at", "recipient", "method"],
        )
        return notification


def release_from_restrictive_housing(
    *,
    actor: Actor,
    placement_id: int,
    note: str,
    released_at: dt.datetime | None = None,
) -> RestrictivePlacement:
    """A supervisor ends the placement: every open clock of its three series closes
    (met by `released`) and none opens again. The bed is not changed: move the person
    with a housing assignment."""
    placement = _writable(actor, placement_id, Permission.CUSTODY_SUPERVISE)
    errors: dict[str, list[str]] = {}
    note = _text(note, "note", errors, limit=2000, what="the reason for release")
    when = _when(released_at, "released_at", errors)
    _not_before(when, placement.placed_at, "released_at", "Release comes after placement.", errors)
    _raise(errors)
    with unit_of_work() as session:
        placement = _lock_open(session, placement)
        last = _last_check_at(placement.id)
        if last is not None and when < last:
            raise ValidationFailed(
                {"released_at": [f"A check at {last:%Y-%m-%d %H:%M} UTC comes after this time."]}
            )
        end_placement(actor, placement, when, note)
        return placement


def end_placement(
    actor: Actor, placement: RestrictivePlacement, when: dt.datetime, note: str
) -> None:
    """End a placement and its clock series (inside the caller's unit of work)."""
    placement.released_at, placement.release_note = when, note
    placement.released_by_id = actor.user_id
    for rule in RULES:
        _close(placement, rule, when, "released", repeat=False)
    audit.record(
        actor=actor,
        tag=Tag.RELEASE,
        subject_type=SUBJECT,
        subject_id=placement.id,
        changed_fields=["released_at", "release_note"],
    )


def placement_candidates(*, actor: Actor, facility_code: str) -> list[tuple[int, str]]:
    """(booking id, "Name (A-number)") of the facility's active bookings not already in
    restrictive housing, for the placement form."""
    facility = get_facility(actor=actor, code=facility_code)
    authorize(
        actor,
        Permission.DETAINEE_READ,
        facility_id=facility.id,
        check_facility=True,
        subject_type="facility",
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
    return [(bid, f"{family}, {given} ({a_number})") for bid, family, given, a_number in rows]


def restrictive_beds(*, actor: Actor, facility_code: str) -> list[tuple[int, str]]:
    """(bed id, "Unit · label") of free in-service beds in the facility's restrictive
    units."""
    slots = housing.beds_with_occupants(actor=actor, facility_code=facility_code, available=True)
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
    wanted = [i for i in ids if i is not None]
    if not wanted:
        return {}
    rows = db.session.execute(sa.select(User.id, User.username).where(User.id.in_(wanted)))
    return {user_id: name for user_id, name in rows}
