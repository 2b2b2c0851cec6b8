"""System search, `GET /fhir?_type=A,B&…`: several types in one searchset, on the
parameters every type has (`_id`, `_lastUpdated`, `_tag`, `_security`, `_profile`),
paged by `_offset` in type and id order. Anything else is a 400 naming it (dropped and
named with `Prefer: handling=lenient`). Like every
search: restricted resources only for those who may see them, only what the caller's
facility scope reaches, one audit entry per patient touched."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import sqlalchemy as sa

from core.access import authorize
from core.actor import Actor
from core.db import planned_for_values, reading
from health.audit_tags import HealthAuditTag
from health.fhir import scope, store
from health.fhir.conditions import bad_parameter, condition
from health.fhir.models import FhirResource
from health.fhir.query import DEFAULT_COUNT, MAX_COUNT
from health.fhir.resource_types import RESOURCE_TYPES, check_type, whole_number
from health.fhir.services import audit_access
from health.fhir.store import Stored
from health.permissions import HealthPermission

CONDITIONS = ("_id", "_lastUpdated", "_tag", "_security", "_profile")  # every type has them


@dataclass
class SystemPage:
    matches: list[Stored]
    total: int
    used: list[tuple[str, str]]  # what the links keep (not _offset)
    count: int
    offset: int
    dropped: list[tuple[str, str]] = field(default_factory=list)  # (parameter, why)


def system_search(
    *, actor: Actor, params: Sequence[tuple[str, str]], strict: bool = True
) -> SystemPage:
    """A page of the system search; a parameter it does not take is a 400 (`strict`) or
    dropped and listed in `dropped` (`Prefer: handling=lenient`)."""
    authorize(actor, HealthPermission.READ, subject_type="system")
    types, where, used = sorted(RESOURCE_TYPES), [], []
    dropped: list[tuple[str, str]] = []
    count, offset = DEFAULT_COUNT, 0
    for name, value in params:
        if name == "_type":
            types = [t for t in value.split(",") if t]
            for t in types:
                check_type(t)
        elif name in CONDITIONS or name.partition(":")[0] in CONDITIONS[2:]:  # _tag:not…
            base, _, modifier = name.partition(":")
            where.append(condition("Patient", base, modifier, value, strict=True, fenced=False))
        elif name in ("_count", "_offset"):
            if (number := whole_number(value)) is None:
                raise bad_parameter(f"{name} must be a whole number.", name)
            if name == "_count":
                count = min(number, MAX_COUNT)
            else:
                offset = number
            continue
        elif name in ("_format", "_pretty"):  # checked by the REST layer / compact JSON
            continue
        else:
            reason = f"System search takes _type and {', '.join(CONDITIONS)}, not {name!r}."
            if strict:
                raise bad_parameter(reason, name)
            dropped.append((name, reason))
            continue
        used.append((name, value))
    page = _page(actor, types, where, used, count, offset)
    page.dropped = dropped
    return page


def _page(
    actor: Actor,
    types: list[str],
    where: list[sa.ColumnElement[bool]],
    used: list[tuple[str, str]],
    count: int,
    offset: int,
) -> SystemPage:
    where = [
        FhirResource.resource_type.in_(types),
        FhirResource.is_deleted.is_(False),
        *where,
        *scope.readable(actor),
    ]
    with reading() as connection, planned_for_values(connection):
        matches, total = store.offset_page(connection, where, count, offset)
        audit_access(actor, HealthAuditTag.SEARCH, matches, default="system", connection=connection)
    return SystemPage(matches, total, used, count, offset)
