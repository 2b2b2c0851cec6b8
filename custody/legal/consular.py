"""Mandatory consular notification: the admin-editable list of countries whose nationals'
consulates must be told of a detention, the task a booking opens for such a national (due
72 hours after arrival), and its completion by a consular-contact notification entry."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from core import audit
from core.access import authorize
from core.actor import Actor
from core.db import db, unit_of_work, utcnow
from core.errors import Conflict, NotFound
from core.validation import FieldErrors
from custody.audit_tags import CustodyAuditTag, CustodySubject
from custody.bookings.models import Booking
from custody.facilities.models import Facility
from custody.legal.models import ConsularCountry, ConsularTask, EntryKind, LegalAccessEntry, Outcome
from custody.legal.vocabulary import MANDATORY_NOTIFICATION_COUNTRIES, NOTIFICATION_WITHIN
from custody.people.models import Detainee
from custody.people.reference import countries
from custody.permissions import CustodyPermission

P = CustodyPermission


# --- the list ------------------------------------------------------------------------


def listed_countries() -> Sequence[ConsularCountry]:
    rows = db.session.scalars(sa.select(ConsularCountry)).all()
    names = countries()
    return sorted(rows, key=lambda row: names.get(row.country, row.country))


def list_countries(*, actor: Actor) -> Sequence[ConsularCountry]:
    authorize(actor, P.CONSULAR_MANAGE, subject_type=CustodySubject.CONSULAR_COUNTRY)
    return listed_countries()


def add_country(*, actor: Actor, country: object, note: object = "") -> ConsularCountry:
    """Put a country on the mandatory-notification list (audited); 409 when listed."""
    authorize(actor, P.CONSULAR_MANAGE, subject_type=CustodySubject.CONSULAR_COUNTRY)
    errors = FieldErrors()
    code = errors.text("country", country, max_length=2).upper()
    text = errors.text("note", note, max_length=200, required=False)
    if code and code not in countries():
        errors.add("country", "Choose a country from the list.")
    errors.raise_if_any()
    with unit_of_work():
        if db.session.scalar(sa.select(ConsularCountry).where(ConsularCountry.country == code)):
            raise Conflict(f"{countries()[code]} is already listed.", field="country")
        row = ConsularCountry(country=code, note=text, added_by_id=actor.user_id)
        db.session.add(row)
        db.session.flush()
        audit.record(
            actor=actor,
            tag=CustodyAuditTag.CONSULAR_COUNTRY_ADD,
            subject_type=CustodySubject.CONSULAR_COUNTRY,
            subject_id=code,
            changed_fields=["country"] + (["note"] if text else []),
        )
        return row


def remove_country(*, actor: Actor, country: str) -> None:
    """Take a country off the list (audited). Open tasks already made stay."""
    authorize(actor, P.CONSULAR_MANAGE, subject_type=CustodySubject.CONSULAR_COUNTRY)
    code = (country or "").strip().upper()
    with unit_of_work():
        row = db.session.scalar(sa.select(ConsularCountry).where(ConsularCountry.country == code))
        if row is None:
            raise NotFound(f"{code or 'That country'} is not on the list.")
        db.session.delete(row)
        audit.record(
            actor=actor,
            tag=CustodyAuditTag.CONSULAR_COUNTRY_REMOVE,
            subject_type=CustodySubject.CONSULAR_COUNTRY,
            subject_id=code,
            changed_fields=["country"],
        )


def ensure_default_countries(actor: Actor) -> int:
    """The State Department's list, when the table is empty (seed-demo; the migration
    seeds a new database). Returns how many were added. Joins the caller's unit."""
    if db.session.scalar(sa.select(sa.func.count()).select_from(ConsularCountry)):
        return 0
    for code, note in MANDATORY_NOTIFICATION_COUNTRIES.items():
        db.session.add(ConsularCountry(country=code, note=note, added_by_id=actor.user_id))
    return len(MANDATORY_NOTIFICATION_COUNTRIES)


# --- tasks ---------------------------------------------------------------------------


def open_task_at_booking(actor: Actor, booking: Booking) -> ConsularTask | None:
    """At booking: a national of a listed country gets a notification task. Runs in the
    booking's unit of work (a domain-event subscriber)."""
    person = db.session.get(Detainee, booking.detainee_id)
    code = person.country_of_citizenship if person is not None else None
    if not code or not db.session.scalar(
        sa.select(ConsularCountry.id).where(ConsularCountry.country == code)
    ):
        return None
    task = ConsularTask(
        booking_id=booking.id,
        facility_id=booking.facility_id,
        country=code,
        due_at=booking.booked_at + NOTIFICATION_WITHIN,
    )
    db.session.add(task)
    db.session.flush()
    audit.record(
        actor=actor,
        tag=CustodyAuditTag.CONSULAR_TASK_CREATE,
        subject_type=CustodySubject.CONSULAR_TASK,
        subject_id=task.id,
        changed_fields=["booking_id", "country", "due_at"],
        facility_id=booking.facility_id,
    )
    return task


def complete_tasks(actor: Actor, entry: LegalAccessEntry) -> list[ConsularTask]:
    """A completed consular notification closes the booking's open task for that
    country (in the entry's unit of work, audited)."""
    if (
        entry.kind != EntryKind.CONSULAR_CONTACT
        or entry.consular_type != "notification"
        or entry.outcome != Outcome.COMPLETED
    ):
        return []
    tasks = db.session.scalars(
        sa.select(ConsularTask).where(
            ConsularTask.booking_id == entry.booking_id,
            ConsularTask.country == entry.country,
            ConsularTask.done_at.is_(None),
        )
    ).all()
    for task in tasks:
        task.done_at, task.done_by_id, task.entry_id = entry.started_at, actor.user_id, entry.id
        audit.record(
            actor=actor,
            tag=CustodyAuditTag.CONSULAR_TASK_COMPLETE,
            subject_type=CustodySubject.CONSULAR_TASK,
            subject_id=task.id,
            changed_fields=["done_at", "done_by_id", "entry_id"],
            facility_id=entry.facility_id,
        )
    return list(tasks)


def open_tasks(facility: Facility) -> Sequence[ConsularTask]:
    """A facility's open notification tasks of people still in custody, the most urgent
    first (the caller checked the permission and scope)."""
    return db.session.scalars(
        sa.select(ConsularTask)
        .join(Booking, Booking.id == ConsularTask.booking_id)
        .options(selectinload(ConsularTask.booking).selectinload(Booking.detainee))
        .where(
            ConsularTask.facility_id == facility.id,
            ConsularTask.done_at.is_(None),
            Booking.is_active,
        )
        .order_by(ConsularTask.due_at, ConsularTask.id)
    ).all()


def tasks_of(booking_id: int) -> Sequence[ConsularTask]:
    return db.session.scalars(
        sa.select(ConsularTask)
        .where(ConsularTask.booking_id == booking_id)
        .order_by(ConsularTask.due_at)
    ).all()


def is_overdue(task: ConsularTask, now: dt.datetime | None = None) -> bool:
    return task.done_at is None and task.due_at < (now or utcnow())
