"""Finding people: A-numbers in any spelling, name matching, search, possible duplicates and the
lookup of one person."""

from __future__ import annotations

import datetime as dt
import difflib
import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from core import audit
from core.access import authorize, denial
from core.actor import Actor
from core.db import db
from core.errors import NotFound, ValidationFailed
from core.scope import Access, Stay, held_clause, reaches
from custody.audit_tags import CustodyAuditTag, CustodySubject
from custody.bookings.models import Booking
from custody.people.alerts import ShownAlert, active_kinds, active_kinds_of
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
    """A person `actor` may read (core.scope: booked at their facility now or before,
    or never booked anywhere), to be shown: their alerts' read is audited."""
    person = _reached(actor, detainee_id, CustodyPermission.DETAINEE_READ, Access.READ)
    alerts_shown(actor, {person.id: sorted(active_kinds(person))})
    return person


def alerts_shown(actor: Actor, alerts: Mapping[int, Iterable[str]]) -> None:
    """Audit the showing of alerts (person id → active alert kinds): lower bunk,
    suicide watch and the like come from clinicians, so a read that shows them writes
    one `custody:alert:read` entry per person who has any (the kinds are not logged).
    Joins an open unit of work, else is written before the page is."""
    drafts = [
        audit.AuditDraft(
            tag=CustodyAuditTag.ALERT_READ,
            actor=actor,
            subject_type=CustodySubject.DETAINEE,
            subject_id=str(person_id),
            outcome=audit.Outcome.SUCCESS,
            changed_fields=["alerts"],
        )
        for person_id, kinds in sorted(alerts.items())
        if list(kinds)
    ]
    audit.record_access(drafts)


def writable_detainee(*, actor: Actor, detainee_id: int, permission: StrEnum) -> Detainee:
    """A person a write with `permission` will change: `actor` needs the permission and
    (core.scope) the person held at their facility now, or never booked anywhere. Not
    found: 404 only for someone holding the permission."""
    return _reached(actor, detainee_id, permission, Access.WRITE)


def _reached(actor: Actor, detainee_id: int, permission: StrEnum, access: Access) -> Detainee:
    authorize(actor, permission, subject_type=CustodySubject.DETAINEE, subject_id=detainee_id)
    person = db.session.get(Detainee, detainee_id)
    if person is None:
        raise NotFound(f"No detainee {detainee_id}.")
    if not reaches(actor, _stays_of(person.id), access, unplaced=True):
        raise denial(actor, permission, CustodySubject.DETAINEE, person.id)
    return person


def _stays_of(detainee_id: int) -> list[Stay]:
    rows = db.session.execute(
        sa.select(Booking.facility_id, Booking.is_active).where(Booking.detainee_id == detainee_id)
    )
    return [Stay(facility_id, bool(active)) for facility_id, active in rows]


def reachable_people(actor: Actor, access: Access) -> sa.ColumnElement[bool] | None:
    """The rule as a condition on `Detainee` for lists and searches (None: no filter):
    people with a booking here that grants `access`, or never booked anywhere."""
    held = held_clause(actor, access, facility=Booking.facility_id, is_open=Booking.is_active)
    if held is None:
        return None
    booked = sa.select(Booking.id).where(Booking.detainee_id == Detainee.id)
    return sa.or_(~booked.exists(), booked.where(held).exists())


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
    if (reach := reachable_people(actor, Access.READ)) is not None:
        query = query.where(reach)  # before the limit: a page is never cut short by scope
    query = query.order_by(Detainee.family_name, Detainee.given_name, Detainee.id).limit(limit)
    people = db.session.scalars(query).all()
    alerts_shown(actor, {pid: sorted(kinds) for pid, kinds in active_kinds_of(people).items()})
    return people


def recent_detainees(*, actor: Actor, limit: int = 20) -> Sequence[Detainee]:
    """The people the actor may read whose latest booking is the most recent (then those
    recorded last), for the People page before anything is typed."""
    authorize(actor, CustodyPermission.DETAINEE_READ, subject_type=CustodySubject.DETAINEE)
    latest = (
        sa.select(sa.func.max(Booking.booked_at))
        .where(Booking.detainee_id == Detainee.id)
        .scalar_subquery()
    )
    query = sa.select(Detainee)
    if (reach := reachable_people(actor, Access.READ)) is not None:
        query = query.where(reach)
    query = query.order_by(latest.desc().nulls_last(), Detainee.id.desc()).limit(limit)
    return db.session.scalars(query).all()


@dataclass(frozen=True)
class PossibleDuplicate:
    detainee: Detainee
    why: str


@dataclass(frozen=True)
class CreatedDetainee:
    """A person just recorded, shown with the people they may duplicate."""

    person: Detainee
    possible_duplicates: Sequence[PossibleDuplicate]
    # read before the commit, like the duplicates: the answer needs no database after it
    alerts: Sequence[ShownAlert] = ()


def possible_duplicates(
    *,
    actor: Actor,
    family_name: str,
    given_name: str,
    date_of_birth: dt.date,
    country_of_birth: str,
    aliases: Iterable[Mapping[str, str]] = (),
    exclude_id: int | None = None,
) -> list[PossibleDuplicate]:
    """People with the same date and country of birth whose name (or an alias) matches
    closely: accents, hyphens, case and swapped family/given names do not matter. Only
    people `actor` may read (core.scope): a facility is not told of another's."""
    keys = {name_key(family_name, given_name)}
    keys |= {name_key(a.get("family_name"), a.get("given_name")) for a in aliases}
    keys.discard("")
    query = (
        sa.select(Detainee)
        .options(selectinload(Detainee.aliases))
        .where(
            Detainee.date_of_birth == date_of_birth,
            Detainee.country_of_birth == country_of_birth,
        )
    )
    if (reach := reachable_people(actor, Access.READ)) is not None:
        query = query.where(reach)
    candidates = db.session.scalars(query).all()
    found = []
    for person in candidates:
        if person.id == exclude_id:
            continue
        theirs = {person.name_key} | {alias.name_key for alias in person.aliases}
        if any(names_match(mine, other) for mine in keys for other in theirs):
            found.append(PossibleDuplicate(person, "same date and country of birth, similar name"))
    return found
