"""The public detainee locator: where is a person in custody, without login.

Only a person with an active booking (booked, housed or in transit) is found, and the
answer holds only their name, the facility's name, address and phone, and the field
office. The query selects exactly those columns, so nothing else (date of birth, bed,
classification, alerts, health) can reach a response whatever a caller asks for.

- Country of birth is always required. A search is by A-number (any accepted spelling)
  or by family name + given name + date of birth, compared as `name_key` (accents, case,
  hyphens and swapped order do not matter; aliases are not searched).
- Unknown, released and wrong-country searches all give `None`, through the same query
  and the same audit write, so neither the answer nor the work done tells them apart.
  Two people matching one name search give `None` too (the A-number tells them apart).
- In transit: the person is found, but the facility is withheld until they arrive
  (transfers are not announced while under way); the answer says they are in transit
  and names the receiving facility's field office, which can say more.
- Each search writes one `custody:locator:search` audit entry with the outcome and the
  names of the fields used, never their values and no client address: searches are
  anonymous. Rate limits (core/ratelimit.py) bound how fast the table can grow.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum

import sqlalchemy as sa
from sqlalchemy.orm import aliased

from core import audit
from core.actor import Actor
from core.db import unit_of_work
from core.errors import ValidationFailed
from custody.audit_tags import CustodyAuditTag, CustodySubject
from custody.bookings.models import Booking, BookingStatus
from custody.facilities.models import Facility, FieldOffice
from custody.people import reference
from custody.people.models import Detainee
from custody.people.search import NAME_MAX, name_key, name_tokens, normalize_a_number
from custody.transfers.models import Transfer, TransferStatus

SEARCH_TAG = CustodyAuditTag.LOCATOR_SEARCH
ACTIVE = (BookingStatus.BOOKED, BookingStatus.HOUSED, BookingStatus.IN_TRANSIT)


class Problem(StrEnum):
    """Why a query cannot be run; each surface words it (the page in two languages)."""

    REQUIRED = "required"
    COUNTRY = "country"
    A_NUMBER = "a_number"
    NAME = "name"
    DATE = "date"
    NAME_OR_NUMBER = "name_or_number"


MESSAGES = {
    Problem.REQUIRED: "This field is required.",
    Problem.COUNTRY: "Use a two-letter country code such as MX or GT.",
    Problem.A_NUMBER: "Use 8 or 9 digits, like A123456789 or 123-456-789.",
    Problem.NAME: f"Use letters (at most {NAME_MAX} characters).",
    Problem.DATE: "Give a real date of birth in the past, like 1990-04-30.",
    Problem.NAME_OR_NUMBER: "Give an A-number, or family name, given name and date of birth.",
}


class LocatorQueryInvalid(ValidationFailed):
    """422 naming the fields; `problems` maps each field to a `Problem` for translation."""

    def __init__(self, problems: dict[str, Problem]) -> None:
        super().__init__({field: [MESSAGES[p]] for field, p in problems.items()})
        self.problems = problems


@dataclass(frozen=True)
class Located:
    """Everything the locator may say about a person. No facility while in transit."""

    name: str
    field_office: str
    in_transit: bool = False
    facility_name: str | None = None
    facility_address: str | None = None
    facility_phone: str | None = None


@dataclass(frozen=True)
class _Query:
    country: str
    a_number: str | None
    key: str | None
    born: dt.date | None

    @property
    def fields_used(self) -> list[str]:
        if self.a_number:
            return ["a_number", "country_of_birth"]
        return ["family_name", "given_name", "date_of_birth", "country_of_birth"]


def locate(
    *,
    actor: Actor,
    country_of_birth: str | None,
    a_number: str | None = None,
    family_name: str | None = None,
    given_name: str | None = None,
    date_of_birth: dt.date | str | None = None,
) -> Located | None:
    """Find a person in custody, or None (unknown, released or not uniquely matched).
    Raises LocatorQueryInvalid when the query is incomplete."""
    query = check_query(
        country_of_birth=country_of_birth,
        a_number=a_number,
        family_name=family_name,
        given_name=given_name,
        date_of_birth=date_of_birth,
    )
    with unit_of_work() as session:
        rows = session.execute(_statement(query)).all()
        found = _located(rows[0]) if len(rows) == 1 else None
        audit.record(
            actor=actor,
            tag=SEARCH_TAG,
            subject_type=CustodySubject.LOCATOR,
            outcome=audit.Outcome.SUCCESS if found else audit.Outcome.FAILURE,
            changed_fields=query.fields_used,
        )
    return found


def check_query(
    *,
    country_of_birth: str | None,
    a_number: str | None = None,
    family_name: str | None = None,
    given_name: str | None = None,
    date_of_birth: dt.date | str | None = None,
) -> _Query:
    problems: dict[str, Problem] = {}
    country = _clean(country_of_birth).upper()
    if not country:
        problems["country_of_birth"] = Problem.REQUIRED
    elif not reference.is_country(country):
        problems["country_of_birth"] = Problem.COUNTRY
    number = None
    key = None
    born = None
    if _clean(a_number):
        number = normalize_a_number(a_number)
        if number is None:
            problems["a_number"] = Problem.A_NUMBER
    elif not any(_clean(v) for v in (family_name, given_name, date_of_birth)):
        problems["a_number"] = Problem.NAME_OR_NUMBER
    else:
        for field, value in (("family_name", family_name), ("given_name", given_name)):
            if not _clean(value):
                problems[field] = Problem.REQUIRED
            elif len(_clean(value)) > NAME_MAX or not name_tokens(_clean(value)):
                problems[field] = Problem.NAME
        born = _date(date_of_birth, problems)
        key = name_key(family_name, given_name)
    if problems:
        raise LocatorQueryInvalid(problems)
    return _Query(country=country, a_number=number, key=key, born=born)


def _clean(value: object) -> str:
    if isinstance(value, dt.date):
        return value.isoformat()
    return value.strip() if isinstance(value, str) else ""


def _date(value: dt.date | str | None, problems: dict[str, Problem]) -> dt.date | None:
    if not _clean(value):
        problems["date_of_birth"] = Problem.REQUIRED
        return None
    try:
        born = value if isinstance(value, dt.date) else dt.date.fromisoformat(_clean(value))
    except ValueError:
        born = None
    if born is None or not dt.date(1900, 1, 1) <= born <= dt.date.today():
        problems["date_of_birth"] = Problem.DATE
        return None
    return born


def _statement(query: _Query) -> sa.Select:
    """The same statement shape for every search; only the columns the locator may show.
    For a person in transit the field office is the receiving facility's."""
    receiving = aliased(Facility)
    receiving_office = aliased(FieldOffice)
    stmt = (
        sa.select(
            Detainee.family_name,
            Detainee.given_name,
            Booking.status,
            Facility.name,
            Facility.address_line,
            Facility.city,
            Facility.state,
            Facility.postal_code,
            Facility.phone,
            sa.func.coalesce(receiving_office.name, FieldOffice.name).label("field_office"),
        )
        .join(Booking, Booking.detainee_id == Detainee.id)
        .join(Facility, Facility.id == Booking.facility_id)
        .join(FieldOffice, FieldOffice.id == Facility.field_office_id)
        .outerjoin(
            Transfer,
            sa.and_(
                Transfer.booking_id == Booking.id,
                Transfer.status == TransferStatus.IN_TRANSIT,
                Booking.status == BookingStatus.IN_TRANSIT,
            ),
        )
        .outerjoin(receiving, receiving.id == Transfer.to_facility_id)
        .outerjoin(receiving_office, receiving_office.id == receiving.field_office_id)
        .where(Booking.status.in_([s.value for s in ACTIVE]))
        .where(Detainee.country_of_birth == query.country)
        .limit(2)
    )
    if query.a_number:
        return stmt.where(Detainee.a_number == query.a_number)
    return stmt.where(Detainee.name_key == query.key, Detainee.date_of_birth == query.born)


def _located(row: sa.Row) -> Located:
    name = f"{row.family_name}, {row.given_name}"
    if row.status == BookingStatus.IN_TRANSIT:
        return Located(name=name, field_office=row.field_office, in_transit=True)
    return Located(
        name=name,
        field_office=row.field_office,
        facility_name=row.name,
        facility_address=f"{row.address_line}, {row.city}, {row.state} {row.postal_code}",
        facility_phone=row.phone,
    )


__all__ = ["Located", "LocatorQueryInvalid", "Problem", "check_query", "locate"]
