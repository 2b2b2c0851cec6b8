"""Finding people: A-numbers in any spelling, name matching, search, possible duplicates and the
lookup of one person."""

from __future__ import annotations

import datetime as dt
import difflib
import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from core.access import authorize, denial
from core.actor import Actor
from core.db import db
from core.errors import NotFound, ValidationFailed
from custody.audit_tags import CustodySubject
from custody.bookings.models import Booking
from custody.people.models import (
    Detainee,
    DetaineeAlias,
)
from custody.permissions import CustodyPermission

_A_NUMBER = re.compile(r"^A?(\d{8,9})$")


NAME_MAX = 100


SIMILAR = 0.85


def normalize_a_number(value: object) -> str | None:
    """`A123456789`, `123-456-789`, `a 123 456 789` or `12345678` → 9 digits; None if
    it is not an A-number (8 or 9 digits, not all zeros)."""
    if not isinstance(value, str):
        return None
    compact = re.sub(r"[\s-]", "", value.strip()).upper()
    match = _A_NUMBER.match(compact)
    if not match or not match.group(1).strip("0"):
        return None
    return match.group(1).zfill(9)


def name_tokens(*parts: str | None) -> list[str]:
    """Accents, case, hyphens and apostrophes removed; one token per word."""
    text = " ".join(p for p in parts if p)
    text = unicodedata.normalize("NFKD", text)
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    text = re.sub(r"[^\w\s]|_", " ", text.casefold())
    return text.split()


def name_key(family: str | None, given: str | None) -> str:
    """Order-free: swapped family and given names give the same key."""
    return " ".join(sorted(name_tokens(family, given)))[:200]


def names_match(a: str, b: str) -> bool:
    if not a or not b:
        return False
    if a == b:
        return True
    ta, tb = set(a.split()), set(b.split())
    if ta <= tb or tb <= ta:  # a dropped second family name
        return True
    return difflib.SequenceMatcher(None, a, b).ratio() >= SIMILAR


def get_detainee(*, actor: Actor, detainee_id: int) -> Detainee:
    authorize(
        actor,
        CustodyPermission.DETAINEE_READ,
        subject_type=CustodySubject.DETAINEE,
        subject_id=detainee_id,
    )
    person = db.session.get(Detainee, detainee_id)
    if person is None:
        raise NotFound(f"No detainee {detainee_id}.")
    _check_reach(actor, person)
    return person


def _check_reach(actor: Actor, person: Detainee) -> None:
    """A facility-scoped user reads people booked (now or before) at their facility, or
    never booked anywhere."""
    if actor.is_system or actor.facility_id is None:
        return
    if person.id not in _reachable_ids(actor, [person.id]):
        raise denial(actor, CustodyPermission.DETAINEE_READ, "detainee", person.id)


def search_detainees(
    *, actor: Actor, a_number: str | None = None, name: str | None = None, limit: int = 50
) -> Sequence[Detainee]:
    """By A-number (any accepted spelling) or by name (any order, accents ignored, aliases
    included)."""
    authorize(actor, CustodyPermission.DETAINEE_READ, subject_type=CustodySubject.DETAINEE)
    query = sa.select(Detainee).options(
        selectinload(Detainee.languages),
        selectinload(Detainee.aliases),
        selectinload(Detainee.alerts),  # what the API dumps per person: no query per row
    )
    if a_number:
        normal = normalize_a_number(a_number)
        if normal is None:
            raise ValidationFailed({"a_number": ["Use 8 or 9 digits, like A123456789."]})
        query = query.where(Detainee.a_number == normal)
    elif name:
        tokens = name_tokens(name)
        if not tokens:
            raise ValidationFailed({"name": ["Type part of a name."]})
        aliases = sa.select(DetaineeAlias.detainee_id)
        for token in tokens:
            aliases = aliases.where(DetaineeAlias.name_key.contains(token, autoescape=True))
        own = sa.and_(*(Detainee.name_key.contains(t, autoescape=True) for t in tokens))
        query = query.where(sa.or_(own, Detainee.id.in_(aliases)))
    else:
        raise ValidationFailed({"a_number": ["Give an A-number or a name."]})
    query = query.order_by(Detainee.family_name, Detainee.given_name, Detainee.id).limit(limit)
    people = db.session.scalars(query).all()
    if actor.facility_id is not None and not actor.is_system:
        reachable = _reachable_ids(actor, [p.id for p in people])
        people = [p for p in people if p.id in reachable]
    return people


def _reachable_ids(actor: Actor, ids: list[int]) -> set[int]:
    rows = db.session.execute(
        sa.select(Booking.detainee_id, Booking.facility_id).where(Booking.detainee_id.in_(ids))
    ).all()
    booked: dict[int, set[int]] = {}
    for person, facility in rows:
        booked.setdefault(person, set()).add(facility)
    return {i for i in ids if i not in booked or actor.facility_id in booked[i]}


@dataclass(frozen=True)
class PossibleDuplicate:
    detainee: Detainee
    why: str


@dataclass(frozen=True)
class CreatedDetainee:
    """A person just recorded, shown with the people they may duplicate."""

    person: Detainee
    possible_duplicates: Sequence[PossibleDuplicate]


def possible_duplicates(
    *,
    family_name: str,
    given_name: str,
    date_of_birth: dt.date,
    country_of_birth: str,
    aliases: Iterable[Mapping[str, str]] = (),
    exclude_id: int | None = None,
) -> list[PossibleDuplicate]:
    """People with the same date and country of birth whose name (or an alias) matches
    closely: accents, hyphens, case and swapped family/given names do not matter."""
    keys = {name_key(family_name, given_name)}
    keys |= {name_key(a.get("family_name"), a.get("given_name")) for a in aliases}
    keys.discard("")
    candidates = db.session.scalars(
        sa.select(Detainee)
        .options(selectinload(Detainee.aliases))
        .where(
            Detainee.date_of_birth == date_of_birth,
            Detainee.country_of_birth == country_of_birth,
        )
    ).all()
    found = []
    for person in candidates:
        if person.id == exclude_id:
            continue
        theirs = {person.name_key} | {alias.name_key for alias in person.aliases}
        if any(names_match(mine, other) for mine in keys for other in theirs):
            found.append(PossibleDuplicate(person, "same date and country of birth, similar name"))
    return found
