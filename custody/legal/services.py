"""Writing the legal-access log: an entry for one person, a group presentation with its
attendees, and the legal-visiting hours a facility offered on a day. Each write checks
the permission and the facility scope, runs in one unit of work with its audit entry,
and refuses bad input as a whole (422 naming every field) with nothing half-written."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa

from core import audit
from core.access import authorize, authorize_found
from core.actor import Actor
from core.db import db, unit_of_work
from core.errors import Conflict
from core.validation import FieldErrors
from custody.audit_tags import CustodyAuditTag, CustodySubject
from custody.bookings.models import Booking, BookingStatus
from custody.bookings.services import writable_booking
from custody.facilities.models import Facility
from custody.facilities.services import get_facility
from custody.legal import checks, consular
from custody.legal.inputs import EntryIn, PresentationIn, Timing, VisitingDayIn
from custody.legal.models import EntryKind, LegalAccessEntry, LegalPresentation, LegalVisitingDay
from custody.legal.vocabulary import COUNTED_OUTCOMES
from custody.legal.weeks import local_day, zone_of
from custody.people.reference import countries
from custody.permissions import CustodyPermission

P = CustodyPermission
MAX_ATTENDEES = 200


def readable_booking(actor: Actor, booking_id: int) -> Booking:
    """A booking whose log the actor may read: 403 without the permission, 404 when
    missing, 403 for a user limited to a facility the person never stayed at."""
    authorize(actor, P.LEGAL_READ, subject_type=CustodySubject.BOOKING, subject_id=booking_id)
    return authorize_found(
        actor,
        P.DETAINEE_READ,
        db.session.get(Booking, booking_id),
        facility_of=lambda b: b.facility_id,
        subject_type=CustodySubject.BOOKING,
        subject_id=booking_id,
        missing=f"No booking {booking_id}.",
    )


def _writable(actor: Actor, booking_id: int) -> Booking:
    authorize(actor, P.LEGAL_WRITE, subject_type=CustodySubject.BOOKING, subject_id=booking_id)
    booking = writable_booking(actor, booking_id)
    if booking.status == BookingStatus.RELEASED:
        raise Conflict(f"Booking {booking.id} was released.", rule="booking_released")
    return booking


def facility_for(actor: Actor, code: str, permission: CustodyPermission) -> Facility:
    """The facility, when the actor holds `permission` there (scope included)."""
    authorize(actor, permission, subject_type=CustodySubject.FACILITY, subject_id=code)
    facility = get_facility(actor=actor, code=code)
    authorize(
        actor,
        permission,
        facility_id=facility.id,
        check_facility=True,
        subject_type=CustodySubject.FACILITY,
        subject_id=facility.id,
    )
    return facility


def record_entry(*, actor: Actor, booking_id: int, entry: EntryIn) -> LegalAccessEntry:
    """Log one contact for the person. A legal rights presentation logged this way is a
    presentation attended by this person alone; a completed consular notification closes
    the person's open notification task for that country."""
    booking = _writable(actor, booking_id)
    if entry.kind == EntryKind.LEGAL_RIGHTS_PRESENTATION:
        presentation = record_presentation(
            actor=actor,
            facility_code=booking.facility.code,
            presentation=PresentationIn(
                attendees=(booking.id,),
                **{k: getattr(entry, k) for k in _PRESENTATION_FIELDS},
            ),
            refuse_kind_fields=entry,
        )
        return presentation.attendees[0]
    when, values = checks.entry_values(entry, (booking.booked_at, "arrival"), countries())
    with unit_of_work():
        created = _add_entry(actor, booking, when, values)
        consular.complete_tasks(actor, created)
        audit.record(
            actor=actor,
            tag=CustodyAuditTag.LEGAL_ENTRY_CREATE,
            subject_type=CustodySubject.LEGAL_ENTRY,
            subject_id=created.id,
            changed_fields=sorted(k for k, v in values.items() if v is not None)
            + ["booking_id", "started_at"]
            + (["minutes"] if when.minutes is not None else []),
            facility_id=booking.facility_id,
        )
        return created


_PRESENTATION_FIELDS = (
    "started_at",
    "ended_at",
    "minutes",
    "counsel_name",
    "outcome",
    "denial_reason",
    "reason",
)


def _add_entry(
    actor: Actor, booking: Booking, when: Timing, values: dict[str, Any], **extra: Any
) -> LegalAccessEntry:
    created = LegalAccessEntry(
        booking_id=booking.id,
        facility_id=booking.facility_id,
        started_at=when.started_at,
        ended_at=when.ended_at,
        minutes=when.minutes,
        recorded_by_id=actor.user_id,
        **values,
        **extra,
    )
    db.session.add(created)
    db.session.flush()
    return created


def record_presentation(
    *,
    actor: Actor,
    facility_code: str,
    presentation: PresentationIn,
    refuse_kind_fields: EntryIn | None = None,
) -> LegalPresentation:
    """A legal rights group presentation at the facility and everyone who attended: one
    presentation record, one log entry per attendee (each person's log shows it)."""
    facility = facility_for(actor, facility_code, P.LEGAL_WRITE)
    errors = FieldErrors()
    attendees = _attendees(actor, facility, presentation.attendees, errors)
    earliest = max((b.booked_at for b in attendees), default=dt.datetime.min.replace(tzinfo=dt.UTC))
    when = checks.timing(
        errors,
        presentation,
        (earliest, "an attendee's arrival"),
        length_needed=presentation.outcome in (None, "", *COUNTED_OUTCOMES),
    )
    values = checks.outcome_fields(errors, presentation)
    counsel = errors.text("counsel_name", presentation.counsel_name, max_length=200, required=False)
    if refuse_kind_fields is not None:
        _refuse_kind_fields(errors, refuse_kind_fields)
    errors.raise_if_any()
    if when is None:
        errors.add("started_at", "Give the start time.")
        errors.raise_if_any()
    return _save_presentation(
        actor, facility, attendees, when, {**values, "counsel_name": counsel or None}
    )


def _save_presentation(
    actor: Actor, facility: Facility, attendees: Sequence[Booking], when: Any, values: dict
) -> LegalPresentation:
    with unit_of_work():
        event = LegalPresentation(
            facility_id=facility.id,
            started_at=when.started_at,
            ended_at=when.ended_at,
            minutes=when.minutes,
            recorded_by_id=actor.user_id,
            **values,
        )
        db.session.add(event)
        db.session.flush()
        for booking in attendees:
            _add_entry(
                actor,
                booking,
                when,
                {**values, "kind": EntryKind.LEGAL_RIGHTS_PRESENTATION.value},
                presentation_id=event.id,
            )
        audit.record(
            actor=actor,
            tag=CustodyAuditTag.LEGAL_PRESENTATION_CREATE,
            subject_type=CustodySubject.LEGAL_PRESENTATION,
            subject_id=event.id,
            changed_fields=["attendees", "started_at", "minutes", "outcome"]
            + [k for k in ("counsel_name", "reason", "denial_reason") if values.get(k)],
            facility_id=facility.id,
        )
        db.session.refresh(event)
        return event


def _attendees(
    actor: Actor, facility: Facility, given: Sequence[object], errors: FieldErrors
) -> list[Booking]:
    """The bookings named, each held at the facility now (duplicates once)."""
    ids: list[int] = []
    for value in given or ():
        number = errors.identifier("attendees", value)
        if number is not None and number not in ids:
            ids.append(number)
    if not ids and "attendees" not in errors:
        errors.add("attendees", "Choose at least one person who attended.")
    if len(ids) > MAX_ATTENDEES:
        errors.add("attendees", f"At most {MAX_ATTENDEES} people per presentation.")
        return []
    found = db.session.scalars(sa.select(Booking).where(Booking.id.in_(ids))).all() if ids else []
    by_id = {b.id: b for b in found}
    chosen = []
    for number in ids:
        booking = by_id.get(number)
        if booking is None or booking.facility_id != facility.id or not booking.is_active:
            errors.add("attendees", f"Booking {number} is not held at {facility.code}.")
            continue
        chosen.append(writable_booking(actor, booking.id))
    return chosen


def _refuse_kind_fields(errors: FieldErrors, entry: EntryIn) -> None:
    for name in ("is_pro_bono", "opened_in_presence", "country", "consulate", "consular_type"):
        if getattr(entry, name) not in (None, ""):
            errors.add(name, checks.NOT_FOR_KIND.format(kind="another kind of entry"))


def set_visiting_day(*, actor: Actor, facility_code: str, day: VisitingDayIn) -> LegalVisitingDay:
    """Record (or correct) the legal-visiting time the facility offered on one local day."""
    facility = facility_for(actor, facility_code, P.LEGAL_CONFIGURE)
    errors = FieldErrors()
    when = errors.date("day", day.day, not_future=False)
    minutes = errors.integer(
        "minutes_offered", day.minutes_offered, minimum=0, maximum=1440, unit="minutes"
    )
    holiday = errors.boolean("is_holiday", day.is_holiday)
    today = local_day(dt.datetime.now(dt.UTC), zone_of(facility.time_zone))
    if when is not None and when > today + dt.timedelta(days=31):
        errors.add("day", "Record days up to a month ahead.")
    errors.raise_if_any()
    with unit_of_work():
        row = db.session.scalar(
            sa.select(LegalVisitingDay).where(
                LegalVisitingDay.facility_id == facility.id, LegalVisitingDay.day == when
            )
        )
        if row is None:
            row = LegalVisitingDay(facility_id=facility.id, day=when)
            db.session.add(row)
        row.minutes_offered, row.is_holiday = minutes or 0, bool(holiday)
        row.recorded_by_id = actor.user_id
        row.updated_at = dt.datetime.now(dt.UTC)
        db.session.flush()
        audit.record(
            actor=actor,
            tag=CustodyAuditTag.LEGAL_VISITING_HOURS_SET,
            subject_type=CustodySubject.FACILITY,
            subject_id=facility.id,
            changed_fields=["day", "minutes_offered", "is_holiday"],
            facility_id=facility.id,
        )
        return row
