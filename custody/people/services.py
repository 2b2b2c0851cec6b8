"""Identity: A-numbers, people, aliases, languages, possible duplicates, alerts."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import replace
from typing import Any

import sqlalchemy as sa

from core import audit
from core.access import authorize
from core.actor import Actor
from core.db import db, unit_of_work, utcnow
from core.errors import Conflict, ValidationFailed
from core.validation import FieldErrors, sent
from custody.audit_tags import CustodyAuditTag, CustodySubject
from custody.common import apply_changes
from custody.people import inputs, reference
from custody.people.alerts import shown_alerts
from custody.people.inputs import AliasIn, LanguageIn, PersonIn, PersonPatch
from custody.people.models import (
    Alert,
    AlertKind,
    Detainee,
    DetaineeAlias,
    DetaineeLanguage,
    DetaineeSex,
    GenderIdentity,
)
from custody.people.search import (
    NAME_MAX,
    CreatedDetainee,
    name_key,
    name_tokens,
    normalize_a_number,
    possible_duplicates,
    writable_detainee,
)
from custody.permissions import CustodyPermission

# --- reads ---------------------------------------------------------------------------


# --- writes --------------------------------------------------------------------------


def _name(errors: FieldErrors, field: str, value: str | None, *, required: bool) -> str | None:
    text = errors.text(field, value, max_length=NAME_MAX, required=required)
    if text and field not in errors and not name_tokens(text):
        errors.add(field, "Use letters.")
    return text or None


def check_person(person: PersonIn) -> tuple[dict[str, Any], FieldErrors]:
    """The person's values, cleaned, and what is wrong with them."""
    errors = FieldErrors()
    clean: dict[str, Any] = {"a_number": normalize_a_number(person.a_number)}
    if clean["a_number"] is None:
        errors.add("a_number", "Use 8 or 9 digits, like A123456789 or 123-456-789.")
    clean["family_name"] = _name(errors, "family_name", person.family_name, required=True)
    clean["given_name"] = _name(errors, "given_name", person.given_name, required=True)
    clean["middle_name"] = _name(errors, "middle_name", person.middle_name, required=False)
    born = person.date_of_birth
    if not isinstance(born, dt.date):
        errors.add("date_of_birth", "Give a real date of birth: year, month and day.")
    elif born > dt.date.today() or born < dt.date(1900, 1, 1):
        errors.add("date_of_birth", "The date of birth must be in the past (after 1900).")
    clean["date_of_birth"] = born
    clean["sex"] = errors.choice("sex", person.sex, list(DetaineeSex)) or None
    clean["gender_identity"] = (
        errors.choice(
            "gender_identity", person.gender_identity, list(GenderIdentity), required=False
        )
        or None
    )
    for name, required in (("country_of_birth", True), ("country_of_citizenship", False)):
        code = (getattr(person, name) or "").strip().upper() or None
        if code is None and required:
            errors.add(name, "Choose the country of birth.")
        elif code is not None and not reference.is_country(code):
            errors.add(name, "Use a two-letter country code such as MX or GT.")
        clean[name] = code
    clean["languages"] = _check_languages(inputs.languages(person.languages), errors)
    clean["aliases"] = _check_aliases(inputs.aliases(person.aliases), errors)
    return clean, errors


def _check_languages(items: Sequence[LanguageIn], errors: FieldErrors) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    for item in items:
        code = item.code.strip().lower()
        if not reference.is_language(code):
            errors.add(
                "languages",
                f"{code or 'An empty code'} is not a language code (ISO 639, like es or mam).",
            )
        elif code not in {f["code"] for f in found}:
            found.append({"code": code, "interpreter_needed": item.interpreter_needed})
    return found


def _check_aliases(items: Sequence[AliasIn], errors: FieldErrors) -> list[dict[str, str]]:
    found: list[dict[str, str]] = []
    for item in items:
        local = FieldErrors()
        family = _name(local, "family_name", item.family_name, required=True)
        given = _name(local, "given_name", item.given_name, required=True)
        if local or family is None or given is None:
            errors.add("aliases", "Give each alias a family and given name.")
        elif (family, given) not in {(a["family_name"], a["given_name"]) for a in found}:
            found.append({"family_name": family, "given_name": given})
    return found


def create_detainee(*, actor: Actor, data: PersonIn) -> Detainee:
    """Record a person. 422 names the invalid fields; 409 names the existing record when
    the A-number is already known."""
    authorize(actor, CustodyPermission.DETAINEE_WRITE, subject_type=CustodySubject.DETAINEE)
    clean, errors = check_person(data)
    errors.raise_if_any()
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
            alerts=[],  # known now, so showing the new person needs no read after the commit
        )
        _set_languages(person, clean["languages"])
        _set_aliases(person, clean["aliases"])
        session.add(person)
        session.flush()
        audit.record(
            actor=actor,
            tag=CustodyAuditTag.DETAINEE_CREATE,
            subject_type=CustodySubject.DETAINEE,
            subject_id=person.id,
            changed_fields=[*clean.keys()],
        )
        return person


def create_detainee_checking_duplicates(*, actor: Actor, data: PersonIn) -> CreatedDetainee:
    """`create_detainee`, with the people the new record may duplicate found in the same
    transaction: the answer is built before the commit, so a connection lost right after
    it cannot turn the recorded person into an error."""
    with unit_of_work():
        person = create_detainee(actor=actor, data=data)
        duplicates = possible_duplicates(
            actor=actor,
            family_name=person.family_name,
            given_name=person.given_name,
            date_of_birth=person.date_of_birth,
            country_of_birth=person.country_of_birth,
            aliases=[
                {"family_name": a.family_name, "given_name": a.given_name} for a in person.aliases
            ],
            exclude_id=person.id,
        )
        alerts = shown_alerts(person)
    return CreatedDetainee(person, duplicates, alerts)


def update_detainee(*, actor: Actor, detainee_id: int, data: PersonPatch) -> Detainee:
    """Correct identity fields (everything but the A-number), aliases and languages."""
    person = writable_detainee(
        actor=actor, detainee_id=detainee_id, permission=CustodyPermission.DETAINEE_WRITE
    )
    changes = sent(data)
    clean, errors = check_person(replace(_as_input(person), **changes))
    errors.raise_if_any()
    with unit_of_work():
        skip = ("languages", "aliases", "a_number")
        changed = apply_changes(person, {k: v for k, v in clean.items() if k not in skip})
        person.name_key = name_key(person.family_name, person.given_name)
        if "languages" in changes:
            _set_languages(person, clean["languages"])
            changed.append("languages")
        if "aliases" in changes:
            _set_aliases(person, clean["aliases"])
            changed.append("aliases")
        audit.record(
            actor=actor,
            tag=CustodyAuditTag.DETAINEE_UPDATE,
            subject_type=CustodySubject.DETAINEE,
            subject_id=person.id,
            changed_fields=changed,
        )
        return person


def _as_input(person: Detainee) -> PersonIn:
    """The person as recorded, as the input that would record them again."""
    return PersonIn(
        a_number=person.a_number,
        family_name=person.family_name,
        given_name=person.given_name,
        middle_name=person.middle_name,
        date_of_birth=person.date_of_birth,
        sex=person.sex,
        gender_identity=person.gender_identity,
        country_of_birth=person.country_of_birth,
        country_of_citizenship=person.country_of_citizenship,
        languages=tuple(LanguageIn(x.code, x.interpreter_needed) for x in person.languages),
        aliases=tuple(AliasIn(a.family_name, a.given_name) for a in person.aliases),
    )


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
    person = writable_detainee(
        actor=actor, detainee_id=detainee_id, permission=CustodyPermission.ALERT_WRITE
    )
    if kind not in set(AlertKind):
        raise ValidationFailed({"kind": [f"Unknown alert {kind!r}."]})
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
        tag=CustodyAuditTag.ALERT_START if active else CustodyAuditTag.ALERT_END,
        subject_type=CustodySubject.DETAINEE,
        subject_id=person.id,
        changed_fields=[kind],
    )


def set_alerts(*, actor: Actor, detainee_id: int, kinds: Iterable[str]) -> Detainee:
    """Make the person's active alerts exactly `kinds` (one transaction, one audit entry
    per alert started or ended)."""
    wanted = set(kinds)
    if unknown := wanted - set(AlertKind):
        raise ValidationFailed({"kinds": [f"Unknown alert {', '.join(sorted(unknown))}."]})
    person = writable_detainee(
        actor=actor, detainee_id=detainee_id, permission=CustodyPermission.ALERT_WRITE
    )
    active = {a.kind for a in person.active_alerts()}
    with unit_of_work():
        for kind in sorted(wanted ^ active):
            _toggle_alert(actor, person, kind, kind in wanted)
        return person
