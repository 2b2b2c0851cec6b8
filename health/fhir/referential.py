"""Referential integrity of what is written: every reference to a resource of this
server (`Type/id`, `Type/id/_history/n`, or an absolute URL on our own FHIR base) must
name a current, live resource of a type the element allows (its R4 targetProfile list,
`reference_targets`). One query per write however many resources and references:
targets written in the same `write_many` (a transaction's, a bundle's) count as existing.

Left alone: references to other servers (absolute URLs on another base), contained ones
(`#id`), `urn:uuid:`/`urn:oid:` (a bundle's are rewritten to `Type/id` before this runs),
conditional ones (`Type?query`: rewritten in bundles) and logical ones (identifier only).

A deleted target (a tombstone) is refused for a new reference; a reference the current
version already holds may stay when the resource is updated (deleting a referenced
resource is allowed, and its referrers then resolve to 410). The config switch
`FHIR_ENFORCE_REFERENCES` (default on) exists for loading foreign example data only."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol, Self

import sqlalchemy as sa
from flask import current_app, has_app_context

from core.db import db
from health.fhir import jsontext
from health.fhir.errors import FhirProblem, InvalidRequest, RuleViolation
from health.fhir.localrefs import bases, local_target
from health.fhir.reference_targets import ANY, references
from health.fhir.resource_types import RESOURCE_TYPES
from health.fhir.store import RESOURCES, Stored, chunks


class Pending(Protocol):
    """What `writes.Pending` holds that this check reads (writes imports this module)."""

    resource_type: str
    id: str
    document: dict[str, Any] | None
    current: Stored | None


class _Located(Exception):
    """`source`: the referring resource (type, id), so a transaction names its entry."""

    source: tuple[str, str] | None = None

    def located(self, source: tuple[str, str]) -> Self:
        self.source = source
        return self


class BrokenReference(_Located, InvalidRequest):
    """A local reference to nothing, to a tombstone or to a type that is not ours (400)."""


class DisallowedReference(_Located, RuleViolation):
    """A local reference to a type its element does not allow (422)."""


@dataclass(frozen=True)
class Found:
    """One local reference of a resource being written."""

    pending: Pending
    expression: str
    text: str
    target: tuple[str, str]

    @property
    def source(self) -> tuple[str, str]:
        return (self.pending.resource_type, self.pending.id)


def enforced() -> bool:
    return not has_app_context() or bool(current_app.config.get("FHIR_ENFORCE_REFERENCES", True))


def referrer(err: FhirProblem) -> tuple[str, str] | None:
    """The resource whose reference `err` refused, when it is such an error."""
    return err.source if isinstance(err, _Located) else None


def check_references(pendings: Sequence[Pending]) -> None:
    """InvalidRequest (400) naming the element when a local reference's target does not
    exist or is deleted; RuleViolation (422) when the element may not refer to its type."""
    if not enforced():
        return
    base, hosts = bases()
    found: list[Found] = []
    for pending in pendings:
        if pending.document is None:
            continue
        for expression, text, allowed in references(pending.resource_type, pending.document):
            target = local_target(text, base, hosts)
            if target is None:
                continue
            _check_type(pending, expression, text, target[0], allowed)
            found.append(Found(pending, expression, text, target))
    if found:
        _check_exist(found, {(p.resource_type, p.id): p.document is not None for p in pendings})


def _check_type(
    pending: Pending, expression: str, text: str, target_type: str, allowed: tuple[str, ...]
) -> None:
    source = (pending.resource_type, pending.id)
    if target_type not in RESOURCE_TYPES:
        raise BrokenReference(
            f"{expression} refers to {text!r}: {target_type} is not a resource type "
            "of this server (FHIR R4 4.0.1).",
            expression=[expression],
        ).located(source)
    if allowed and ANY not in allowed and target_type not in allowed:
        raise DisallowedReference(
            f"{expression} may refer to {' | '.join(allowed)}, not {target_type} ({text}).",
            expression=[expression],
            code="invalid",
        ).located(source)


def _states(keys: list[tuple[str, str]]) -> dict[tuple[str, str], bool]:
    """(type, id) -> is_deleted for the keys stored (absent: never existed)."""
    table, states = RESOURCES, {}
    for chunk in chunks(keys):
        rows = db.session.execute(
            sa.select(table.c.resource_type, table.c.id, table.c.is_deleted).where(
                sa.tuple_(table.c.resource_type, table.c.id).in_(chunk)
            )
        )
        states.update({(t, i): bool(d) for t, i, d in rows})
    return states


def _check_exist(found: list[Found], written: dict[tuple[str, str], bool]) -> None:
    states = _states([f.target for f in found if f.target not in written])
    for item in found:
        if item.target in written:
            deleted = not written[item.target]
        elif item.target in states:
            deleted = states[item.target]
        else:
            raise BrokenReference(
                f"{item.expression} refers to {item.text}, which does not exist.",
                expression=[item.expression],
                code="not-found",
            ).located(item.source)
        if deleted and item.target not in _held(item.pending):
            raise BrokenReference(
                f"{item.expression} refers to {item.text}, which has been deleted.",
                expression=[item.expression],
                code="deleted",
            ).located(item.source)


def _held(pending: Pending) -> set[tuple[str, str]]:
    """The local targets the current version of an updated resource already refers to
    (only read when a target turns out deleted)."""
    current = pending.current
    if current is None or current.text is None:
        return set()
    document = jsontext.loads(current.text)
    base, hosts = bases()
    held = (local_target(t, base, hosts) for _, t, _ in references(pending.resource_type, document))
    return {target for target in held if target is not None}
