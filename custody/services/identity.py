"""Identity: A-numbers, people, aliases, languages, possible duplicates, alerts."""

from __future__ import annotations

import datetime as dt
import difflib
import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from core import audit
from core.access import authorize, denial
from core.actor import Actor
from core.db import db, unit_of_work, utcnow
from core.errors import Conflict, NotFound, ValidationFailed
from custody import reference
from custody.models import (
    Alert,
    AlertKind,
    Booking,
    Detainee,
    DetaineeAlias,
    DetaineeLanguage,
    DetaineeSex,
    GenderIdentity,
)
from custody.permissions import CustodyPermission
from custody.services.common import apply_changes

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


# --- reads ---------------------------------------------------------------------------


def get_detainee(*, actor: Actor, detainee_id: int) -> Detainee:
    authorize(
        actor, CustodyPermission.DETAINEE_READ, subject_type="detainee", subject_id=detainee_id
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
    authorize(actor, CustodyPermission.DETAINEE_READ, subject_type="detainee")
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


# --- writes --------------------------------------------------------------------------


def _text(
    data: Mapping[str, Any], name: str, errors: dict[str, list[str]], *, required: bool
) -> Any:
    value = data.get(name)
    if isinstance(value, str):
        value = value.strip()
    if not value:
        if required:
            errors.setdefault(name, []).append("This field is required.")
        return None
    if len(value) > NAME_MAX:
        errors.setdefault(name, []).append(f"Use at most {NAME_MAX} characters.")
    elif not name_tokens(value):
        errors.setdefault(name, []).append("Use letters.")
    return value


def check_person(data: Mapping[str, Any]) -> tuple[dict[str, Any], dict[str, list[str]]]:
    errors: dict[str, list[str]] = {}
    clean: dict[str, Any] = {}
    a_number = normalize_a_number(data.get("a_number"))
    if a_number is None:
        errors["a_number"] = ["Use 8 or 9 digits, like A123456789 or 123-456-789."]
    clean["a_number"] = a_number
    for name in ("family_name", "given_name"):
        clean[name] = _text(data, name, errors, required=True)
    clean["middle_name"] = _text(data, "middle_name", errors, required=False)
    born = data.get("date_of_birth")
    if not isinstance(born, dt.date):
        errors["date_of_birth"] = ["Give the date of birth, like 1990-04-30."]
    elif born > dt.date.today() or born < dt.date(1900, 1, 1):
        errors["date_of_birth"] = ["The date of birth must be in the past (after 1900)."]
    clean["date_of_birth"] = born
    if data.get("sex") not in set(DetaineeSex):
        errors["sex"] = ["Choose male, female or unknown."]
    clean["sex"] = data.get("sex")
    gender = data.get("gender_identity") or None
    if gender is not None and gender not in set(GenderIdentity):
        errors["gender_identity"] = ["Choose one of the listed gender identities."]
    clean["gender_identity"] = gender
    for name, required in (("country_of_birth", True), ("country_of_citizenship", False)):
        code = (data.get(name) or "").strip().upper() or None
        if code is None and required:
            errors[name] = ["Choose the country of birth."]
        elif code is not None and not reference.is_country(code):
            errors[name] = ["Use a two-letter country code such as MX or GT."]
        clean[name] = code
    clean["languages"] = _check_languages(data.get("languages") or [], errors)
    clean["aliases"] = _check_aliases(data.get("aliases") or [], errors)
    return clean, errors


def _check_languages(items: Sequence[Any], errors: dict[str, list[str]]) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    for item in items:
        entry = {"code": item} if isinstance(item, str) else dict(item)
        code = str(entry.get("code") or "").strip().lower()
        if not reference.is_language(code):
            errors.setdefault("languages", []).append(
                f"{code or 'An empty code'} is not a language code (ISO 639, like es or mam)."
            )
        elif code not in {f["code"] for f in found}:
            found.append(
                {"code": code, "interpreter_needed": bool(entry.get("interpreter_needed"))}
            )
    return found


def _check_aliases(items: Sequence[Any], errors: dict[str, list[str]]) -> list[dict[str, str]]:
    found: list[dict[str, str]] = []
    for item in items:
        if not isinstance(item, Mapping):
            errors.setdefault("aliases", []).append("Give each alias a family and given name.")
            continue
        local: dict[str, list[str]] = {}
        family = _text(item, "family_name", local, required=True)
        given = _text(item, "given_name", local, required=True)
        if local:
            errors.setdefault("aliases", []).append("Give each alias a family and given name.")
        elif (family, given) not in {(a["family_name"], a["given_name"]) for a in found}:
            found.append({"family_name": family, "given_name": given})
    return found


def create_detainee(*, actor: Actor, data: Mapping[str, Any]) -> Detainee:
    """Record a person. 422 names the invalid fields; 409 names the existing record when
    the A-number is already known."""
    authorize(actor, CustodyPermission.DETAINEE_WRITE, subject_type="detainee")
    clean, errors = check_person(data)
    if errors:
        raise ValidationFailed(errors)
    with unit_of_work() as session:
        existing = session.scalar(sa.select(Detainee).where(Detainee.a_number == clean["a_number"]))
        if existing is not None:
            raise Conflict(
                f"A-number {clean['a_number']} is already recorded for detainee {existing.id}.",
                existing_id=str(existing.id),
                field="a_number",
            )
        person = Detainee(
            **{k: v for k, v in clean.items() if k not in ("languages", "aliases")},
            name_key=name_key(clean["family_name"], clean["given_name"]),
        )
        _set_languages(person, clean["languages"])
        _set_aliases(person, clean["aliases"])
        session.add(person)
        session.flush()
        audit.record(
            actor=actor,
            tag="custody:detainee:create",
            subject_type="detainee",
            subject_id=person.id,
            changed_fields=[*clean.keys()],
        )
        return person


def update_detainee(*, actor: Actor, detainee_id: int, data: Mapping[str, Any]) -> Detainee:
    """Correct identity fields (everything but the A-number), aliases and languages."""
    person = get_detainee(actor=actor, detainee_id=detainee_id)
    authorize(
        actor, CustodyPermission.DETAINEE_WRITE, subject_type="detainee", subject_id=detainee_id
    )
    merged = {**_as_data(person), **data, "a_number": person.a_number}
    clean, errors = check_person(merged)
    if errors:
        raise ValidationFailed(errors)
    with unit_of_work():
        skip = ("languages", "aliases", "a_number")
        changed = apply_changes(person, {k: v for k, v in clean.items() if k not in skip})
        person.name_key = name_key(person.family_name, person.given_name)
        if "languages" in data:
            _set_languages(person, clean["languages"])
            changed.append("languages")
        if "aliases" in data:
            _set_aliases(person, clean["aliases"])
            changed.append("aliases")
        audit.record(
            actor=actor,
            tag="custody:detainee:update",
            subject_type="detainee",
            subject_id=person.id,
            changed_fields=changed,
        )
        return person


def _as_data(person: Detainee) -> dict[str, Any]:
    return {
        "family_name": person.family_name,
        "given_name": person.given_name,
        "middle_name": person.middle_name,
        "date_of_birth": person.date_of_birth,
        "sex": person.sex,
        "gender_identity": person.gender_identity,
        "country_of_birth": person.country_of_birth,
        "country_of_citizenship": person.country_of_citizenship,
        "languages": [
            {"code": lang.code, "interpreter_needed": lang.interpreter_needed}
            for lang in person.languages
        ],
        "aliases": [
            {"family_name": a.family_name, "given_name": a.given_name} for a in person.aliases
        ],
    }


def _set_languages(person: Detainee, languages: list[dict[str, Any]]) -> None:
    person.languages.clear()
    db.session.flush()
    for position, lang in enumerate(languages):
        person.languages.append(DetaineeLanguage(position=position, **lang))


def _set_aliases(person: Detainee, aliases: list[dict[str, str]]) -> None:
    person.aliases.clear()
    db.session.flush()
    for alias in aliases:
        person.aliases.append(
            DetaineeAlias(**alias, name_key=name_key(alias["family_name"], alias["given_name"]))
        )


# --- alerts --------------------------------------------------------------------------


def set_alert(*, actor: Actor, detainee_id: int, kind: str, active: bool) -> Detainee:
    """A clinician starts or ends an alert custody staff act on (no clinical reason)."""
    authorize(actor, CustodyPermission.ALERT_WRITE, subject_type="detainee", subject_id=detainee_id)
    if kind not in set(AlertKind):
        raise ValidationFailed({"kind": [f"Unknown alert {kind!r}."]})
    person = get_detainee(actor=actor, detainee_id=detainee_id)
    with unit_of_work():
        _toggle_alert(actor, person, kind, active)
        return person


def _toggle_alert(actor: Actor, person: Detainee, kind: str, active: bool) -> None:
    current = [a for a in person.active_alerts() if a.kind == kind]
    if active and not current:
        person.alerts.append(Alert(kind=kind, started_at=utcnow(), set_by_id=actor.user_id))
    elif not active:
        for alert in current:
            alert.ended_at = utcnow()
    audit.record(
        actor=actor,
        tag="custody:alert:start" if active else "custody:alert:end",
        subject_type="detainee",
        subject_id=person.id,
        changed_fields=[kind],
    )


def set_alerts(*, actor: Actor, detainee_id: int, kinds: Iterable[str]) -> Detainee:
    """Make the person's active alerts exactly `kinds` (one transaction, one audit entry
    per alert started or ended)."""
    wanted = set(kinds)
    if unknown := wanted - set(AlertKind):
        raise ValidationFailed({"kinds": [f"Unknown alert {', '.join(sorted(unknown))}."]})
    authorize(actor, CustodyPermission.ALERT_WRITE, subject_type="detainee", subject_id=detainee_id)
    person = get_detainee(actor=actor, detainee_id=detainee_id)
    active = {a.kind for a in person.active_alerts()}
    with unit_of_work():
        for kind in sorted(wanted ^ active):
            _toggle_alert(actor, person, kind, kind in wanted)
        return person
