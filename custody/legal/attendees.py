"""Choosing who attended a legal rights presentation: people held at the facility found
by name or A-number (never a list of the whole population), and the ones already chosen."""

from __future__ import annotations

from collections.abc import Iterable

import sqlalchemy as sa

from core.actor import Actor
from core.db import db
from core.validation import parse_id
from custody.bookings.models import Booking
from custody.legal.services import facility_for
from custody.people.models import Detainee
from custody.people.search import name_tokens, normalize_a_number
from custody.permissions import CustodyPermission

MAX_RESULTS = 25


def _held(facility_id: int) -> sa.Select:
    return (
        sa.select(Booking.id, Detainee.family_name, Detainee.given_name, Detainee.a_number)
        .join(Detainee)
        .where(Booking.facility_id == facility_id, Booking.is_active)
        .order_by(Detainee.family_name, Detainee.given_name, Booking.id)
    )


def _labelled(rows: Iterable[sa.Row]) -> list[tuple[int, str]]:
    return [(bid, f"{family}, {given} (A{a_number})") for bid, family, given, a_number in rows]


def search_attendees(*, actor: Actor, facility_code: str, query: str) -> list[tuple[int, str]]:
    """(booking id, "Family, Given (A-number)") of people held at the facility whose
    A-number or names match `query`; nothing for an empty query."""
    facility = facility_for(actor, facility_code, CustodyPermission.LEGAL_WRITE)
    text = (query or "").strip()[:100]
    if not text:
        return []
    select = _held(facility.id)
    a_number = normalize_a_number(text)
    if a_number:
        select = select.where(Detainee.a_number == a_number)
    else:
        for token in name_tokens(text)[:4]:
            select = select.where(Detainee.name_key.like(f"%{token}%"))
    return _labelled(db.session.execute(select.limit(MAX_RESULTS)).all())


def chosen_attendees(
    *, actor: Actor, facility_code: str, booking_ids: Iterable[object]
) -> list[tuple[int, str]]:
    """The chosen people (booking ids as typed) held at the facility, by name."""
    facility = facility_for(actor, facility_code, CustodyPermission.LEGAL_WRITE)
    ids = {number for value in booking_ids if (number := parse_id(value)) is not None}
    if not ids:
        return []
    select = _held(facility.id).where(Booking.id.in_(ids))
    return _labelled(db.session.execute(select).all())
