"""Detention-standards rule sets: read by staff, changed by administrators, audited.

A rule set (`StandardsSet`) is a table of rules (`ComplianceRule`): what starts the
clock, what stops it, the limit, the repeat interval and the citation. Each facility
points at one set. Rule sets are shared between facilities, so only an administrator
not limited to one facility may change them or point a facility at another set.

Changing a rule changes clocks opened *after* the change only: a clock stores its own
due time when it opens, so clocks already running keep theirs. A repeating rule's next
clock is opened with the rule as it stands when the previous one is met.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from core import audit
from core.access import authorize, denial
from core.actor import Actor
from core.db import db, unit_of_work
from core.errors import Conflict, NotFound, ValidationFailed
from custody.audit_tags import CustodyAuditTag, CustodySubject
from custody.common import apply_changes, clean
from custody.facilities.models import Facility, StandardsSet
from custody.permissions import CustodyPermission
from custody.rules.models import ClockStart, ComplianceRule, RepeatAnchor

MAX_MINUTES = 365 * 24 * 60  # a limit or a repeat interval of at most a year
SET_CODE = re.compile(r"^[A-Z0-9][A-Z0-9-]{1,31}$")
RULE_ID = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
EDITABLE = (
    "title",
    "limit_minutes",
    "repeat_minutes",
    "repeat_anchor",
    "citation",
    "to_confirm",
    "is_active",
)
NEW_RULE_FIELDS = ("rule", "starts_on", "stops_on", *EDITABLE)
COPIED = NEW_RULE_FIELDS

Errors = dict[str, list[str]]


@dataclass(frozen=True)
class RuleSetSummary:
    """A rule set with the facilities (the reader may see) that use it."""

    rule_set: StandardsSet
    facilities: Sequence[Facility]

    @property
    def code(self) -> str:
        return self.rule_set.code

    @property
    def name(self) -> str:
        return self.rule_set.name

    @property
    def rules(self) -> Sequence[ComplianceRule]:
        return self.rule_set.rules


# --- access --------------------------------------------------------------------------


def _may_read(actor: Actor, subject_type: str, subject_id: object = None) -> None:
    """Anyone who reads facilities or compliance reports may read the rules."""
    if not (
        actor.can(CustodyPermission.FACILITY_READ) or actor.can(CustodyPermission.COMPLIANCE_READ)
    ):
        raise denial(actor, CustodyPermission.FACILITY_READ, subject_type, subject_id)


def may_manage_rules(actor: Actor, subject_type: str, subject_id: object = None) -> None:
    """Rule sets are shared by facilities: an administrator limited to one facility may
    not change them (facility None is out of reach for a scoped actor)."""
    authorize(
        actor,
        CustodyPermission.RULES_MANAGE,
        facility_id=None,
        check_facility=True,
        subject_type=subject_type,
        subject_id=subject_id,
    )


def authorize_manage(*, actor: Actor) -> None:
    """Refuse (403) before showing a form that only a rule-set administrator may send."""
    may_manage_rules(actor, "rule_set")


# --- reads ---------------------------------------------------------------------------


def _visible_facilities(actor: Actor, set_ids: Sequence[int]) -> dict[int, list[Facility]]:
    query = sa.select(Facility).where(Facility.standards_set_id.in_(set_ids))
    if actor.facility_id is not None and not actor.is_system:
        query = query.where(Facility.id == actor.facility_id)
    found: dict[int, list[Facility]] = {set_id: [] for set_id in set_ids}
    for facility in db.session.scalars(query.order_by(Facility.code)):
        found[facility.standards_set_id].append(facility)
    return found


def list_rule_sets(*, actor: Actor) -> list[RuleSetSummary]:
    """Every rule set with its rules and the facilities using it."""
    _may_read(actor, "rule_set")
    sets = db.session.scalars(
        sa.select(StandardsSet)
        .options(selectinload(StandardsSet.rules))
        .order_by(StandardsSet.code)
    ).all()
    users = _visible_facilities(actor, [s.id for s in sets])
    return [RuleSetSummary(s, users[s.id]) for s in sets]


def get_rule_set(*, actor: Actor, code: str) -> RuleSetSummary:
    _may_read(actor, "rule_set", code)
    found = _set_by_code(code)
    if found is None:
        raise NotFound(f"No rule set with code {code!r}.")
    return RuleSetSummary(found, _visible_facilities(actor, [found.id])[found.id])


def get_rule(*, actor: Actor, rule_id: int) -> ComplianceRule:
    _may_read(actor, "compliance_rule", rule_id)
    rule = db.session.get(ComplianceRule, rule_id)
    if rule is None:
        raise NotFound(f"No rule {rule_id}.")
    return rule


def _set_by_code(code: str) -> StandardsSet | None:
    return db.session.scalar(
        sa.select(StandardsSet)
        .options(selectinload(StandardsSet.rules))
        .where(StandardsSet.code == code.strip().upper())
    )


# --- validation ----------------------------------------------------------------------


def _text(data: Mapping[str, Any], name: str, limit: int, errors: Errors, *, empty: bool) -> None:
    if name not in data:
        return
    value = data[name]
    if not isinstance(value, str) or len(value.strip()) > limit:
        errors.setdefault(name, []).append(f"Give text of at most {limit} characters.")
    elif not empty and not value.strip():
        errors.setdefault(name, []).append("This field is required.")


def _minutes(data: Mapping[str, Any], name: str, errors: Errors, *, optional: bool) -> None:
    if name not in data:
        return
    value = data[name]
    if value is None:
        if not optional:
            errors.setdefault(name, []).append(
                "A limit is required; to stop using the rule, make it inactive."
            )
        return
    if isinstance(value, bool) or not isinstance(value, int):
        errors.setdefault(name, []).append("Give a whole number of minutes.")
    elif value <= 0:
        errors.setdefault(name, []).append("Must be more than zero.")
    elif value > MAX_MINUTES:
        errors.setdefault(name, []).append("Must be at most 365 days.")


def _flags(data: Mapping[str, Any], errors: Errors) -> None:
    for name in ("to_confirm", "is_active"):
        if name in data and not isinstance(data[name], bool):
            errors.setdefault(name, []).append("Give true or false.")


def _check_rule(data: Mapping[str, Any], current: ComplianceRule | None) -> Errors:
    """Field-named problems of `data` (a change to `current`, or a new rule)."""
    allowed = EDITABLE if current is not None else NEW_RULE_FIELDS
    errors: Errors = {
        name: ["This field cannot be changed here." if current else "Unknown field."]
        for name in data
        if name not in allowed
    }
    _text(data, "title", 200, errors, empty=False)
    _text(data, "citation", 200, errors, empty=True)
    _minutes(data, "limit_minutes", errors, optional=False)
    _minutes(data, "repeat_minutes", errors, optional=True)
    _flags(data, errors)
    if "repeat_anchor" in data and data["repeat_anchor"] not in (*RepeatAnchor, None):
        errors.setdefault("repeat_anchor", []).append("Choose start or previous.")
    if "repeat_minutes" in errors or "repeat_anchor" in errors:
        return errors
    repeat = data.get("repeat_minutes", getattr(current, "repeat_minutes", None))
    anchor = data.get("repeat_anchor", getattr(current, "repeat_anchor", None))
    if repeat is not None and anchor is None:
        errors.setdefault("repeat_anchor", []).append(
            "A repeating rule needs an anchor: from the start, or after the previous time."
        )
    return errors


def _check_new_rule(data: Mapping[str, Any]) -> Errors:
    errors = _check_rule(data, None)
    for name in ("rule", "title", "starts_on", "stops_on", "limit_minutes"):
        if data.get(name) in (None, ""):
            errors.setdefault(name, []).append("This field is required.")
    rule = data.get("rule")
    if rule and (not isinstance(rule, str) or len(rule) > 48 or not RULE_ID.match(rule)):
        errors.setdefault("rule", []).append(
            "Use lower-case letters, digits and single hyphens (at most 48), e.g. dental-screening."
        )
    starts = data.get("starts_on")
    if starts and (not isinstance(starts, str) or starts not in set(ClockStart)):
        errors.setdefault("starts_on", []).append("Unknown start event.")
    _text(data, "stops_on", 200, errors, empty=False)
    return errors


# --- writes --------------------------------------------------------------------------


def create_rule_set(
    *, actor: Actor, code: str, name: str, copy_from: str | None = None
) -> StandardsSet:
    """A new rule set, empty or holding a copy of the rules of `copy_from`."""
    may_manage_rules(actor, "rule_set")
    code = (code or "").strip().upper()
    errors: Errors = {}
    if not SET_CODE.match(code):
        errors["code"] = ["Use 2–32 capital letters, digits or hyphens, e.g. NDS-2025-LOCAL."]
    if not isinstance(name, str) or not name.strip() or len(name.strip()) > 200:
        errors["name"] = ["Give a name of 1–200 characters."]
    with unit_of_work() as session:
        source = _set_by_code(copy_from) if copy_from else None
        if copy_from and source is None:
            errors["copy_from"] = [f"Unknown rule set {copy_from!r}."]
        if errors:
            raise ValidationFailed(errors)
        if session.scalar(sa.select(StandardsSet.id).where(StandardsSet.code == code)):
            raise Conflict(f"A rule set with code {code} already exists.", field="code")
        created = StandardsSet(code=code, name=name.strip())
        session.add(created)
        session.flush()
        for rule in source.rules if source else ():
            session.add(
                ComplianceRule(standards_set=created, **{k: getattr(rule, k) for k in COPIED})
            )
        session.flush()
        audit.record(
            actor=actor,
            tag=CustodyAuditTag.RULE_SET_CREATE,
            subject_type=CustodySubject.RULE_SET,
            subject_id=created.id,
            changed_fields=["code", "name", *(["rules"] if source else [])],
        )
        return created


def update_rule(*, actor: Actor, rule_id: int, data: Mapping[str, Any]) -> ComplianceRule:
    """Change a rule's title, limit, repeat, citation or flags. Clocks already open keep
    their due times; clocks opened from now on use the new values."""
    may_manage_rules(actor, "compliance_rule", rule_id)
    values = {k: clean(v) for k, v in data.items()}
    with unit_of_work() as session:
        rule = session.get(ComplianceRule, rule_id)
        if rule is None:
            raise NotFound(f"No rule {rule_id}.")
        errors = _check_rule(values, rule)
        if errors:
            raise ValidationFailed(errors)
        if "repeat_anchor" in values and values["repeat_anchor"] is None:
            values["repeat_anchor"] = RepeatAnchor.START.value  # no repeat: the default
        changed = apply_changes(rule, values)
        audit.record(
            actor=actor,
            tag=CustodyAuditTag.RULE_UPDATE,
            subject_type=CustodySubject.COMPLIANCE_RULE,
            subject_id=rule.id,
            changed_fields=changed,
        )
        return rule


def add_rule(*, actor: Actor, set_code: str, data: Mapping[str, Any]) -> ComplianceRule:
    """Add a rule to a set; its id (a slug) must be new in that set."""
    may_manage_rules(actor, "compliance_rule")
    values = {k: clean(v) for k, v in data.items()}
    with unit_of_work() as session:
        rule_set = _set_by_code(set_code)
        if rule_set is None:
            raise NotFound(f"No rule set with code {set_code!r}.")
        errors = _check_new_rule(values)
        if errors:
            raise ValidationFailed(errors)
        taken = sa.select(ComplianceRule.id).where(
            ComplianceRule.standards_set_id == rule_set.id, ComplianceRule.rule == values["rule"]
        )
        if session.scalar(taken):
            raise Conflict(f"{rule_set.code} already has a rule {values['rule']!r}.", field="rule")
        defaults = {
            "repeat_minutes": None,
            "repeat_anchor": RepeatAnchor.START.value,
            "citation": "",
            "to_confirm": False,
            "is_active": True,
        }
        values = defaults | {k: v for k, v in values.items() if v is not None}
        rule = ComplianceRule(standards_set=rule_set, **values)
        session.add(rule)
        session.flush()
        audit.record(
            actor=actor,
            tag=CustodyAuditTag.RULE_CREATE,
            subject_type=CustodySubject.COMPLIANCE_RULE,
            subject_id=rule.id,
            changed_fields=["standards_set_id", *sorted(values)],
        )
        return rule


def assign_rule_set(*, actor: Actor, facility_code: str, set_code: str) -> Facility:
    """Point a facility at a rule set. Needs RULES_MANAGE and reach of every facility: the
    set decides a facility's deadlines, so a facility's own administrator may not choose
    it. Clocks already open keep their due times."""
    may_manage_rules(actor, "facility", facility_code)
    with unit_of_work() as session:
        facility = session.scalar(sa.select(Facility).where(Facility.code == facility_code.upper()))
        if facility is None:
            raise NotFound(f"No facility with code {facility_code!r}.")
        rule_set = _set_by_code(set_code or "")
        if rule_set is None:
            raise ValidationFailed({"set_code": [f"Unknown rule set {set_code!r}."]})
        changed = apply_changes(facility, {"standards_set_id": rule_set.id})
        session.flush()
        session.refresh(facility)
        audit.record(
            actor=actor,
            tag=CustodyAuditTag.RULE_SET_ASSIGN,
            subject_type=CustodySubject.FACILITY,
            subject_id=facility.id,
            changed_fields=changed,
        )
        return facility
