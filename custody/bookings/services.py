"""Booking lookups every custody area uses: one booking, a person's active booking, the
bookings of a facility or a person; `writable_booking` for the changes."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from core.access import authorize, authorize_found
from core.actor import Actor
from core.db import db
from core.errors import NotFound, ValidationFailed
from custody.audit_tags import CustodySubject
from custody.bookings.models import Booking, BookingStatus, Classification, RiskScreening
from custody.facilities.models import Bed
from custody.facilities.services import get_facility
from custody.housing.models import BedAssignment
from custody.people.alerts import active_kinds
from custody.people.models import Detainee
from custody.people.search import alerts_shown, normalize_a_number
from custody.permissions import CustodyPermission


def get_booking(*, actor: Actor, booking_id: int) -> Booking:
    """A booking to be shown (with its person's alerts: an audited read)."""
    found = _find_booking(actor, booking_id)
    person = found.detainee
    alerts_shown(actor, {person.id: sorted(active_kinds(person))})
    return found


def _find_booking(actor: Actor, booking_id: int) -> Booking:
    booking = db.session.scalar(
        sa.select(Booking)
        .options(
            selectinload(Booking.detainee).selectinload(Detainee.alerts),
            selectinload(Booking.facility),
            selectinload(Booking.clocks),
            selectinload(Booking.classifications),
            selectinload(Booking.assignments).selectinload(BedAssignment.bed),
        )
        .where(Booking.id == booking_id)
    )
    return authorize_found(
        actor,
        CustodyPermission.DETAINEE_READ,
        booking,
        facility_of=lambda b: b.facility_id,
        subject_type=CustodySubject.BOOKING,
        subject_id=booking_id,
        missing=f"No booking {booking_id}.",
    )


def active_booking(detainee_id: int) -> Booking | None:
    return db.session.scalar(
        sa.select(Booking).where(Booking.detainee_id == detainee_id, Booking.is_active)
    )


def active_bookings(detainee_ids: Sequence[int]) -> dict[int, Booking]:
    """Person id → their active booking, for many people in one query."""
    if not detainee_ids:
        return {}
    rows = db.session.scalars(
        sa.select(Booking).where(Booking.detainee_id.in_(detainee_ids), Booking.is_active)
    )
    return {booking.detainee_id: booking for booking in rows}


# The steps of a booking not done yet, as the dashboard counts them and the population
# list filters them (?needs=…).
NEEDS = {
    "classification": "Not classified",
    "screening": "Not screened",
    "housing": "Not housed",
}


def still_needs(step: str) -> sa.ColumnElement[bool]:
    """Active bookings whose `step` (a key of NEEDS) is not done."""
    done: dict[str, sa.Exists] = {
        "classification": sa.exists().where(
            Classification.booking_id == Booking.id, Classification.superseded_at.is_(None)
        ),
        "screening": sa.exists().where(RiskScreening.booking_id == Booking.id),
        "housing": sa.exists().where(
            BedAssignment.booking_id == Booking.id, BedAssignment.ended_at.is_(None)
        ),
    }
    here = Booking.status.in_([BookingStatus.BOOKED, BookingStatus.HOUSED])
    return sa.and_(here, ~done[step])


def list_bookings(
    *,
    actor: Actor,
    facility_code: str,
    status: str | None = None,
    needs: str | None = None,
    arrived_since: dt.datetime | None = None,
    limit: int = 500,
) -> Sequence[Booking]:
    """The facility's active bookings (or those of `status`), optionally only those that
    still need a step (`needs`, a key of NEEDS) or arrived since a time."""
    facility = get_facility(actor=actor, code=facility_code)
    authorize(actor, CustodyPermission.DETAINEE_READ, subject_type=CustodySubject.BOOKING)
    query = (
        sa.select(Booking)
        .join(Detainee)
        .options(selectinload(Booking.detainee), selectinload(Booking.classifications))
        .where(Booking.facility_id == facility.id)
    )
    query = query.where(Booking.status == status if status else Booking.is_active)
    if needs in NEEDS:
        query = query.where(still_needs(needs))
    if arrived_since is not None:
        query = query.where(Booking.booked_at >= arrived_since)
    query = query.order_by(Detainee.family_name, Detainee.given_name, Booking.id).limit(limit)
    return db.session.scalars(query).all()


def writable_booking(actor: Actor, booking_id: int) -> Booking:
    """The booking a write will change: checked as `get_booking` does, without its eager
    loads (the write locks and refreshes the row anyway)."""
    booking = authorize_found(
        actor,
        CustodyPermission.DETAINEE_READ,
        db.session.get(Booking, booking_id),
        facility_of=lambda b: b.facility_id,
        subject_type=CustodySubject.BOOKING,
        subject_id=booking_id,
        missing=f"No booking {booking_id}.",
    )
    authorize(
        actor,
        CustodyPermission.DETAINEE_WRITE,
        facility_id=booking.facility_id,
        check_facility=True,
        subject_type=CustodySubject.BOOKING,
        subject_id=booking_id,
    )
    return booking


def bookings_by_a_number(typed: str) -> list[Booking]:
    """Every booking of the person with this A-number (as typed), newest first, for a
    caller that checks each against the actor's scope itself (the exports page's
    resolvers); 422 for what is not an A-number, 404 when no booking has it."""
    digits = normalize_a_number(typed)
    if digits is None:
        raise ValidationFailed({"a_number": ["Enter an A-number, like A123-456-789."]})
    bookings = db.session.scalars(
        sa.select(Booking)
        .join(Detainee, Booking.detainee_id == Detainee.id)
        .where(Detainee.a_number == digits)
        .order_by(Booking.booked_at.desc(), Booking.id.desc())
    ).all()
    if not bookings:
        raise NotFound("No booking has this A-number.")
    return list(bookings)


def bookings_of(*, actor: Actor, detainee_id: int) -> Sequence[Booking]:
    """A person's bookings, newest first (those at facilities the actor reaches)."""
    authorize(
        actor,
        CustodyPermission.DETAINEE_READ,
        subject_type=CustodySubject.DETAINEE,
        subject_id=detainee_id,
    )
    query = (
        sa.select(Booking)
        .options(selectinload(Booking.facility))
        .where(Booking.detainee_id == detainee_id)
        .order_by(Booking.booked_at.desc())
    )
    if actor.facility_id is not None and not actor.is_system:
        query = query.where(Booking.facility_id == actor.facility_id)
    return db.session.scalars(query).all()


def bed_history(*, actor: Actor, booking_id: int) -> Sequence[BedAssignment]:
    booking = _find_booking(actor, booking_id)
    return db.session.scalars(
        sa.select(BedAssignment)
        .options(selectinload(BedAssignment.bed).selectinload(Bed.unit))
        .where(BedAssignment.booking_id == booking.id)
        .order_by(BedAssignment.started_at.desc(), BedAssignment.id.desc())
    ).all()
