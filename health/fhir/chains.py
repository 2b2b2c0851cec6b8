"""Search across references: one-level chaining (`subject:Patient.name=Jast`,
`patient.identifier=sys|val`), reverse chaining (`_has:Observation:patient:code=…`) and
`:missing=true|false`, as SQL over the index tables.

A chain or `_has` looks into other resources, so what it may look into depends on the
caller: it is a `Linked` condition that `health.fhir.search` resolves with the caller's
restricted-label permission and facility `reach` — a resource the caller may not see
never decides whether another one matches.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from health.fhir.conditions import MODIFIERS, bad_parameter, condition
from health.fhir.models import INDEX_TABLES, FhirResource, ReferenceIndex
from health.fhir.resource_types import RESOURCE_TYPES
from health.fhir.searchparams import DEFINITIONS, SearchParam, lookup


@dataclass(frozen=True)
class Linked:
    """A condition over other resources, built once the caller is known."""

    build: Callable[[bool, Any], Any]

    def resolve(self, restricted_ok: bool, reach: Any) -> Any:
        return self.build(restricted_ok, reach)


def is_linked(name: str, modifier: str) -> bool:
    """Whether the parameter is a chain, a `_has` or a `:missing` (ours to build)."""
    return "." in name or "." in modifier or name == "_has" or modifier == "missing"


def linked_refusal(resource_type: str, name: str, modifier: str) -> str | None:
    """Why this chain, `_has` or `:missing` cannot be applied (None when it can): its
    form and the parameters it names, not its value (`health.fhir.support.refusal`)."""
    raw = f"{name}:{modifier}" if modifier else name
    if name == "_has":
        return _has_refusal(modifier, raw)
    if "." in raw:
        return _chain_refusal(resource_type, raw)
    return _param_refusal(resource_type, name, "missing")


def linked_condition(resource_type: str, name: str, modifier: str, value: str) -> Any:
    """The condition of a chained, reverse-chained or `:missing` parameter."""
    raw = f"{name}:{modifier}" if modifier else name
    if (reason := linked_refusal(resource_type, name, modifier)) is not None:
        raise bad_parameter(reason, raw)
    if name == "_has":
        return _has(modifier, value)
    if "." in raw:
        return _chain(resource_type, raw, value)
    return _missing(resource_type, name, value)


def _param_refusal(resource_type: str, name: str, modifier: str) -> str | None:
    if name in ("_id", "_lastUpdated"):
        return f"Modifier :{modifier} is not supported on {name!r}." if modifier else None
    param = lookup(resource_type, name)
    if param is None:
        return f"Unknown search parameter {name!r} for {resource_type}."
    if modifier != "missing" and modifier not in MODIFIERS[param.kind]:
        return f"Modifier :{modifier} is not supported on {name!r}."
    return None


def _split_chain(raw: str) -> tuple[str, str, str, str]:
    """`ref[:Type].name[:modifier]` → (ref, Type, name, modifier)."""
    head, _, tail = raw.partition(".")
    ref_name, _, ref_type = head.partition(":")
    target_name, _, target_modifier = tail.partition(":")
    return ref_name, ref_type, target_name, target_modifier


def _chain_refusal(resource_type: str, raw: str) -> str | None:
    ref_name, ref_type, target_name, target_modifier = _split_chain(raw)
    param = lookup(resource_type, ref_name)
    if param is None or param.kind != "reference":
        return f"{ref_name!r} is no reference parameter of {resource_type}."
    if "." in raw.partition(".")[2]:
        return "Only one level of chaining is supported."
    if ref_type and ref_type not in RESOURCE_TYPES:
        return f"Unknown resource type {ref_type!r} in {raw!r}."
    types = _targets(param, ref_type, target_name)
    if not types:
        return f"No target of {ref_name!r} has a parameter {target_name!r}."
    reasons = (_param_refusal(t, target_name, target_modifier) for t in types)
    return next((r for r in reasons if r is not None), None)


def _has_parts(modifier: str) -> tuple[str, str, str, str]:
    """`Type:reference:name[:modifier]` → (Type, reference, name, modifier)."""
    parts = modifier.split(":")
    return parts[0], parts[1], parts[2], ":".join(parts[3:])


def _has_refusal(modifier: str, raw: str) -> str | None:
    if len(modifier.split(":")) < 3 or modifier.split(":")[0] not in RESOURCE_TYPES:
        return f"{raw!r}: use _has:Type:reference:parameter=value."
    source, ref_name, search_name, search_modifier = _has_parts(modifier)
    param = lookup(source, ref_name)
    if param is None or param.kind != "reference":
        return f"{ref_name!r} is no reference parameter of {source}."
    if search_name == "_has":
        return "Only one level of _has is supported."
    return _param_refusal(source, search_name, search_modifier)


def _target_condition(resource_type: str, name: str, modifier: str, value: str) -> Any:
    """The condition on the resources a chain or `_has` looks into (`:missing` too)."""
    if modifier == "missing":
        return _missing(resource_type, name, value)
    return condition(resource_type, name, modifier, value, strict=True, fenced=False)


def _visible(target_type: str, restricted_ok: bool, reach: Any, clause: Any) -> Any:
    """The ids of live `target_type` resources matching `clause` the caller may see.

    Not correlated: its FhirResource is its own (the searched one is outside), and the
    conditions inside it refer to this inner row."""
    where = [
        FhirResource.resource_type == target_type,
        FhirResource.is_deleted.is_(False),
        clause,
    ]
    if not restricted_ok:
        where.append(FhirResource.is_restricted.is_(False))
    if reach is not None:
        where.append(reach)
    return sa.select(FhirResource.id).where(*where).correlate(None)


def _chain(resource_type: str, raw: str, value: str) -> Linked:
    ref_name, ref_type, target_name, target_modifier = _split_chain(raw)
    param = lookup(resource_type, ref_name)
    types = _targets(param, ref_type, target_name) if param else []
    clauses = {t: _target_condition(t, target_name, target_modifier, value) for t in types}
    if ref_name == "patient" and types == ["Patient"]:  # the compartment column, indexed

        def by_compartment(restricted_ok: bool, reach: Any) -> Any:
            patients = _visible("Patient", restricted_ok, reach, clauses["Patient"])
            return FhirResource.patient_id.in_(patients)

        return Linked(by_compartment)

    def build(restricted_ok: bool, reach: Any) -> Any:
        per_type = [
            sa.and_(
                ReferenceIndex.target_type == t,
                ReferenceIndex.target_id.in_(_visible(t, restricted_ok, reach, clause)),
            )
            for t, clause in clauses.items()
        ]
        return sa.exists().where(
            ReferenceIndex.resource_type == FhirResource.resource_type,
            ReferenceIndex.resource_id == FhirResource.id,
            ReferenceIndex.param == ref_name,
            sa.or_(*per_type),
        )

    return Linked(build)


def _targets(param: SearchParam, ref_type: str, target_name: str) -> list[str]:
    """The types a chain looks into: the one named, the parameter's target, or every
    type that has the chained parameter."""
    if ref_type or param.target:
        chosen = ref_type or param.target or ""
        return (
            [chosen]
            if target_name in ("_id", "_lastUpdated") or lookup(chosen, target_name)
            else []
        )
    return sorted(
        t
        for t in DEFINITIONS
        if target_name in ("_id", "_lastUpdated")
        or any(p.name == target_name for p in DEFINITIONS[t])
    )


def _has(modifier: str, value: str) -> Linked:
    """`_has:Type:param:search=value`: resources that a `Type` matching `search=value`
    refers to through `param`."""
    source, ref_name, search_name, search_modifier = _has_parts(modifier)
    clause = _target_condition(source, search_name, search_modifier, value)

    def build(restricted_ok: bool, reach: Any) -> Any:
        return sa.exists().where(
            ReferenceIndex.resource_type == source,
            ReferenceIndex.param == ref_name,
            ReferenceIndex.target_type == FhirResource.resource_type,
            ReferenceIndex.target_id == FhirResource.id,
            ReferenceIndex.resource_id.in_(_visible(source, restricted_ok, reach, clause)),
        )

    return Linked(build)


def _missing(resource_type: str, name: str, value: str) -> Any:
    """`name:missing=true`: no index row of `name`; `false`: at least one."""
    param = lookup(resource_type, name)
    if param is None:  # linked_refusal let no such parameter through
        raise bad_parameter(f"Unknown search parameter {name!r} for {resource_type}.", name)
    if value not in ("true", "false"):
        raise bad_parameter(f":missing takes true or false, not {value!r}.", f"{name}:missing")
    model = INDEX_TABLES[param.kind]
    present = sa.exists().where(
        model.resource_type == FhirResource.resource_type,
        model.resource_id == FhirResource.id,
        model.param == param.name,
    )
    return ~present if value == "true" else present
