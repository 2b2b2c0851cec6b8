"""The attorney of record: a G-28 filed for a booking, withdrawn later; and the record
that the attorney was told of a transfer or a release.

This area sits just above `people` and below `bookings` (it names the booking model
only), so the booking page, transfers and releases may all call it:

- `file_g28`, `withdraw_g28`: officers and supervisors of the facility holding the person;
- `attorneys_of_record(actor=, booking_id=)`: the active G-28s (read);
- `record_counsel_notification(...)`: one notification (see its docstring), for
  transfers (`custody.transfers`) and releases.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import sqlalchemy as sa

from core import audit
from core.access import authorize, authorize_found
from core.actor import Actor
from core.db import db, lock_for_update, unit_of_work, utcnow
from core.errors import Conflict, NotFound
from core.validation import FieldErrors
from custody.audit_tags import CustodyAuditTag, CustodySubject
from custody.bookings.models import Booking, BookingStatus
from custody.counsel.models import (
    US_STATES,
    AttorneyOfRecord,
    CounselChannel,
    CounselEvent,
    CounselNotification,
)
from custody.permissions import CustodyPermission

G28_FIELDS = ["attorney_name", "bar_number", "bar_state", "organization", "phone", "email"]


def _booking(actor: Actor, booking_id: int, *, write: bool) -> Booking:
    """The booking, read-checked (403/404); for a write also held at a facility the actor
    reaches and not released."""
    booking = authorize_found(
        actor,
        CustodyPermission.DETAINEE_READ,
        db.session.get(Booking, booking_id),
        facility_of=lambda b: b.facility_id,
        subject_type=CustodySubject.BOOKING,
        subject_id=booking_id,
        missing=f"No booking {booking_id}.",
    )
    if write:
        authorize(
            actor,
            CustodyPermission.DETAINEE_WRITE,
            facility_id=booking.facility_id,
            check_facility=True,
            subject_type=CustodySubject.BOOKING,
            subject_id=booking_id,
        )
    return booking


def attorneys_of_record(
    *, actor: Actor, booking_id: int, include_withdrawn: bool = False
) -> Sequence[AttorneyOfRecord]:
    """The booking's G-28s on file, oldest first: the active ones (all with
    `include_withdrawn`)."""
    _booking(actor, booking_id, write=False)
    query = sa.select(AttorneyOfRecord).where(AttorneyOfRecord.booking_id == booking_id)
    if not include_withdrawn:
        query = query.where(AttorneyOfRecord.withdrawn_on.is_(None))
    return db.session.scalars(query.order_by(AttorneyOfRecord.filed_on, AttorneyOfRecord.id)).all()


def file_g28(
    *,
    actor: Actor,
    booking_id: int,
    attorney_name: str,
    bar_number: str,
    bar_state: str,
    filed_on: dt.date | None = None,
    organization: str | None = None,
    phone: str | None = None,
    email: str | None = None,
) -> AttorneyOfRecord:
    """Put a G-28 on file: 422 naming each bad field; 409 when the same bar number is
    already active for the booking."""
    booking = _booking(actor, booking_id, write=True)
    errors = FieldErrors()
    values = {
        "attorney_name": errors.text("attorney_name", attorney_name, max_length=200),
        "bar_number": errors.text("bar_number", bar_number, max_length=32),
        "bar_state": errors.choice("bar_state", (bar_state or "").upper() or None, US_STATES),
        "organization": errors.text("organization", organization, max_length=200, required=False)
        or None,
        "phone": errors.text("phone", phone, max_length=32, required=False) or None,
        "email": errors.text("email", email, max_length=254, required=False) or None,
    }
    if values["email"] and "@" not in values["email"]:
        errors.add("email", "Enter an email address such as name@example.org.")
    filed = errors.date("filed_on", filed_on, required=False) or utcnow().date()
    errors.raise_if_any()
    with unit_of_work() as session:
        lock_for_update(session, Booking, [booking.id])
        session.refresh(booking)
        if booking.status == BookingStatus.RELEASED:
            raise Conflict(f"Booking {booking.id} is released.", rule="booking_released")
        same = session.scalar(
            sa.select(AttorneyOfRecord).where(
                AttorneyOfRecord.booking_id == booking.id,
                AttorneyOfRecord.withdrawn_on.is_(None),
                AttorneyOfRecord.bar_number == values["bar_number"],
                AttorneyOfRecord.bar_state == values["bar_state"],
            )
        )
        if same is not None:
            raise Conflict(
                f"A G-28 of {same.attorney_name} is already on file.",
                existing_id=str(same.id),
                field="bar_number",
            )
        g28 = AttorneyOfRecord(
            booking_id=booking.id, filed_on=filed, filed_by_id=actor.user_id, **values
        )
        session.add(g28)
        session.flush()
        audit.record(
            actor=actor,
            tag=CustodyAuditTag.COUNSEL_FILE,
            subject_type=CustodySubject.ATTORNEY,
            subject_id=g28.id,
            changed_fields=["booking_id", "filed_on", *[k for k, v in values.items() if v]],
            facility_id=booking.facility_id,
        )
        return g28


def _attorney(actor: Actor, booking_id: int, attorney_id: int) -> AttorneyOfRecord:
    g28 = db.session.get(AttorneyOfRecord, attorney_id)
    if g28 is None or g28.booking_id != booking_id:
        raise NotFound(f"No attorney of record {attorney_id} for booking {booking_id}.")
    return g28


def withdraw_g28(
    *,
    actor: Actor,
    booking_id: int,
    attorney_id: int,
    withdrawn_on: dt.date | None = None,
) -> AttorneyOfRecord:
    """The attorney withdrew (or was replaced): no longer of record from `withdrawn_on`
    (default today). Withdrawing again answers the G-28 as it is."""
    booking = _booking(actor, booking_id, write=True)
    g28 = _attorney(actor, booking_id, attorney_id)
    errors = FieldErrors()
    filed = (g28.filed_on, "the filing")
    when = errors.date("withdrawn_on", withdrawn_on, required=False, not_before=filed)
    when = when or utcnow().date()
    errors.raise_if_any()
    with unit_of_work() as session:
        lock_for_update(session, AttorneyOfRecord, [g28.id])
        session.refresh(g28)
        if g28.withdrawn_on is not None:
            return g28
        g28.withdrawn_on, g28.withdrawn_by_id = when, actor.user_id
        audit.record(
            actor=actor,
            tag=CustodyAuditTag.COUNSEL_WITHDRAW,
            subject_type=CustodySubject.ATTORNEY,
            subject_id=g28.id,
            changed_fields=["withdrawn_on"],
            facility_id=booking.facility_id,
        )
        return g28


def record_counsel_notification(
    *,
    actor: Actor,
    booking_id: int,
    attorney_id: int,
    event_kind: str,
    channel: str,
    notified_at: dt.datetime | None = None,
    not_before: dt.datetime | None = None,
    event_id: int | None = None,
    note: str | None = None,
) -> CounselNotification:
    """Record that the attorney of record `attorney_id` of the booking was told of a
    `transfer` or `release` (`event_kind`; `event_id` the transfer's or release's id) by
    `channel` (phone, email, fax, in_person, portal) at `notified_at` (default now).

    `not_before` is when the event happened: a notification before it is refused (422 on
    `notified_at`: a transfer is announced to counsel once the person is en route). The
    attorney must be active (409 otherwise). Checks `custody:detainee:write` on the
    booking's facility (for a person in transit, the facility they left); joins the
    caller's unit of work; audited `custody:counsel:notify`."""
    booking = _booking(actor, booking_id, write=True)
    g28 = _attorney(actor, booking_id, attorney_id)
    errors = FieldErrors()
    kind = errors.choice("event_kind", event_kind, [e.value for e in CounselEvent])
    how = errors.choice("channel", channel, [c.value for c in CounselChannel])
    event = "departure" if kind == CounselEvent.TRANSFER else "release"
    earliest = None if not_before is None else (not_before, event)
    when = errors.time(
        "notified_at", notified_at, required=False, default=utcnow(), not_before=earliest
    )
    if not_before is not None and notified_at is None and when < not_before:
        when = not_before
    text = errors.text("note", note, max_length=500, required=False) or None
    errors.raise_if_any()
    with unit_of_work() as session:
        if not g28.is_active:
            raise Conflict(f"{g28.attorney_name} withdrew on {g28.withdrawn_on}.", rule="withdrawn")
        notification = CounselNotification(
            booking_id=booking.id,
            attorney_id=g28.id,
            event_kind=kind,
            event_id=event_id,
            channel=how,
            notified_at=when,
            note=text,
            recorded_by_id=actor.user_id,
        )
        session.add(notification)
        session.flush()
        audit.record(
            actor=actor,
            tag=CustodyAuditTag.COUNSEL_NOTIFY,
            subject_type=CustodySubject.ATTORNEY,
            subject_id=g28.id,
            changed_fields=["event_kind", "channel", "notified_at"],
            facility_id=booking.facility_id,
        )
        return notification


def counsel_notifications(
    *, actor: Actor, booking_id: int, event_kind: str | None = None, event_id: int | None = None
) -> Sequence[CounselNotification]:
    """The notifications recorded for a booking (of one event when given), oldest first."""
    _booking(actor, booking_id, write=False)
    query = sa.select(CounselNotification).where(CounselNotification.booking_id == booking_id)
    if event_kind is not None:
        query = query.where(CounselNotification.event_kind == event_kind)
    if event_id is not None:
        query = query.where(CounselNotification.event_id == event_id)
    return db.session.scalars(query.order_by(CounselNotification.notified_at)).all()
