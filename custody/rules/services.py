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
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from core import audit
from core.access import authorize, denial
from core.actor import Actor
from core.db import db, unit_of_work
from core.errors import Conflict, NotFound, ValidationFailed
from core.validation import FieldErrors, sent
from custody.audit_tags import CustodyAuditTag, CustodySubject
from custody.common import apply_changes
from custody.facilities.models import Facility, StandardsSet
from custody.permissions import CustodyPermission
from custody.rules.inputs import RuleIn, RulePatch, RuleSetIn
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

NEEDS_LIMIT = "A limit is required; to stop using the rule, make it inactive."
NEEDS_ANCHOR = "A repeating rule needs an anchor: from the start, or after the previous time."
BAD_RULE_ID = (
    "Use lower-case letters, digits and single hyphens (at most 48), e.g. dental-screening."
)


def _minutes(errors: FieldErrors, name: str, value: object) -> int | None:
    return errors.integer(
        name,
        value,
        required=False,
        minimum=1,
        maximum=MAX_MINUTES,
        maximum_label="365 days",
        unit="minutes",
    )


def _checked_rule(changes: dict[str, Any], current: ComplianceRule | None) -> dict[str, Any]:
    """The rule fields given (a change to `current`, or a new rule), cleaned; 422 naming
    the fields on a problem."""
    errors = FieldErrors()
    values: dict[str, Any] = {}
    for name, value in changes.items():
        if name in ("title", "stops_on"):
            values[name] = errors.text(name, value, max_length=200)
        elif name == "citation":
            values[name] = errors.text(name, value, max_length=200, required=False)
        elif name in ("to_confirm", "is_active"):
            values[name] = errors.boolean(name, value)
        elif name in ("limit_minutes", "repeat_minutes"):
            if name == "limit_minutes" and value is None:
                errors.add(name, NEEDS_LIMIT)
            values[name] = _minutes(errors, name, value)
        elif name == "repeat_anchor":
            values[name] = errors.choice(name, value, list(RepeatAnchor), required=False) or None
        elif name == "starts_on":
            values[name] = errors.choice(name, value, list(ClockStart))
        elif name == "rule":
            values[name] = errors.text(name, value, max_length=48)
            if name not in errors and not RULE_ID.match(values[name]):
                errors.add(name, BAD_RULE_ID)
    if "repeat_minutes" not in errors and "repeat_anchor" not in errors:
        repeat = values.get("repeat_minutes", getattr(current, "repeat_minutes", None))
        anchor = values.get("repeat_anchor", getattr(current, "repeat_anchor", None))
        if repeat is not None and anchor is None:
            errors.add("repeat_anchor", NEEDS_ANCHOR)
    errors.raise_if_any()
    return values


# --- writes --------------------------------------------------------------------------


def create_rule_set(*, actor: Actor, data: RuleSetIn) -> StandardsSet:
    """A new rule set, empty or holding a copy of the rules of `data.copy_from`."""
    may_manage_rules(actor, "rule_set")
    errors = FieldErrors()
    code = errors.text("code", data.code, max_length=32).upper()
    if "code" not in errors and not SET_CODE.match(code):
        errors.add("code", "Use 2–32 capital letters, digits or hyphens, e.g. NDS-2025-LOCAL.")
    name = errors.text("name", data.name, max_length=200)
    copy_from = errors.text("copy_from", data.copy_from, max_length=32, required=False)
    with unit_of_work() as session:
        source = _set_by_code(copy_from) if copy_from else None
        if copy_from and source is None:
            errors.add("copy_from", f"Unknown rule set {copy_from!r}.")
        errors.raise_if_any()
        if session.scalar(sa.select(StandardsSet.id).where(StandardsSet.code == code)):
            raise Conflict(f"A rule set with code {code} already exists.", field="code")
        created = StandardsSet(code=code, name=name)
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


def update_rule(*, actor: Actor, rule_id: int, data: RulePatch) -> ComplianceRule:
    """Change a rule's title, limit, repeat, citation or flags. Clocks already open keep
    their due times; clocks opened from now on use the new values."""
    may_manage_rules(actor, "compliance_rule", rule_id)
    with unit_of_work() as session:
        rule = session.get(ComplianceRule, rule_id)
        if rule is None:
            raise NotFound(f"No rule {rule_id}.")
        values = _checked_rule(sent(data), rule)
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


def add_rule(*, actor: Actor, set_code: str, data: RuleIn) -> ComplianceRule:
    """Add a rule to a set; its id (a slug) must be new in that set."""
    may_manage_rules(actor, "compliance_rule")
    with unit_of_work() as session:
        rule_set = _set_by_code(set_code)
        if rule_set is None:
            raise NotFound(f"No rule set with code {set_code!r}.")
        values = _checked_rule(sent(data), None)
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
            errors = FieldErrors()
            errors.add("set_code", f"Unknown rule set {set_code!r}.")
            raise ValidationFailed(errors.as_dict())
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
