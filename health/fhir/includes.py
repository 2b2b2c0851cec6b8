"""What `_include` and `_revinclude` add to a search page, as SELECTs of (type, id) keys.

- `_include=Type:param[:Target]` (Type the searched type), `_include=*` or `Type:*`
  (every reference parameter of the type; `_include:iterate=*`: of any type);
- `_revinclude=Type:param` (`Type:*`: any of its reference parameters);
- `_include:iterate` / `_revinclude:iterate`: also applied once more, to the resources
  the first round included (one level; Type may then be any type).

`health.fhir.search` runs the SELECTs within the caller's reach and the page's cap.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from health.fhir.conditions import bad_parameter
from health.fhir.models import ReferenceIndex
from health.fhir.query import Query
from health.fhir.resource_types import RESOURCE_TYPES
from health.fhir.searchparams import lookup

Keys = list[tuple[str, str]]


def include_selects(query: Query, keys: Keys, *, iterating: bool) -> list[Any]:
    """The SELECTs of the first round (every spec, on the matches' `keys`) or of the
    iterate round (the `:iterate` specs, on the included resources' `keys`)."""
    specs = [(kind, spec, True) for kind, spec in query.iterate]
    if not iterating:
        specs = [
            *(("_include", spec, False) for spec in query.includes),
            *(("_revinclude", spec, False) for spec in query.revincludes),
            *specs,
        ]
    return [
        _include(query, spec, keys, any_source=free)
        if kind == "_include"
        else _revinclude(spec, keys)
        for kind, spec, free in specs
    ]


def _reference_param(source: str, name: str, kind: str, spec: str) -> list[Any]:
    """The condition on ReferenceIndex.param (none for `*`); 400 naming `kind` when
    `name` is no reference parameter of `source`."""
    if name == "*":
        return []
    param = lookup(source, name)
    if param is None or param.kind != "reference":
        raise bad_parameter(f"Cannot {kind.lstrip('_')} {spec!r}.", kind)
    return [ReferenceIndex.param == name]


def _include(query: Query, spec: str, keys: Keys, *, any_source: bool) -> Any:
    """`*` is every reference of the searched type (of any type when iterating)."""
    conditions: list[Any] = [
        sa.tuple_(ReferenceIndex.resource_type, ReferenceIndex.resource_id).in_(keys),
        ReferenceIndex.target_type.is_not(None),
    ]
    if spec == "*":
        if not any_source:
            conditions.append(ReferenceIndex.resource_type == query.resource_type)
        return sa.select(ReferenceIndex.target_type, ReferenceIndex.target_id).where(*conditions)
    source, _, rest = spec.partition(":")
    name, _, target = rest.partition(":")
    if source not in RESOURCE_TYPES or (source != query.resource_type and not any_source):
        raise bad_parameter(f"Cannot include {spec!r}.", "_include")
    conditions += [
        *_reference_param(source, name, "_include", spec),
        ReferenceIndex.resource_type == source,
    ]
    if target:
        conditions.append(ReferenceIndex.target_type == target)
    return sa.select(ReferenceIndex.target_type, ReferenceIndex.target_id).where(*conditions)


def _revinclude(spec: str, keys: Keys) -> Any:
    source, _, rest = spec.partition(":")
    name, _, _target = rest.partition(":")
    if source not in RESOURCE_TYPES:
        raise bad_parameter(f"Cannot revinclude {spec!r}.", "_revinclude")
    conditions = _reference_param(source, name, "_revinclude", spec)
    return sa.select(ReferenceIndex.resource_type, ReferenceIndex.resource_id).where(
        ReferenceIndex.resource_type == source,
        *conditions,
        sa.tuple_(ReferenceIndex.target_type, ReferenceIndex.target_id).in_(keys),
    )
