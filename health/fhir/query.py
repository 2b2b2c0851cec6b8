"""Search requests parsed: the parameters of a search become a `Query` (its conditions
built by `health.fhir.conditions`, the result parameters `_count`, `_sort`,
`_include`, `_revinclude`, `_summary`, `_elements`, `_total` and the paging cursor), and
the dates of history and `$everything` (`as_of`).

Strict by default: a parameter `health.fhir.support.refusal` refuses is an
InvalidRequest naming it; not `strict` (`Prefer: handling=lenient`), it is dropped and
listed in `Query.dropped` (the searchset says so)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from health.fhir.chains import is_linked, linked_condition
from health.fhir.conditions import bad_parameter, condition
from health.fhir.indexing import date_range
from health.fhir.resource_types import whole_number
from health.fhir.searchparams import RESULT_PARAMS, lookup
from health.fhir.subset import Subset, elements_of
from health.fhir.support import APPLIED, refusal

DEFAULT_COUNT = 20
MAX_COUNT = 1000


@dataclass
class Query:
    """A parsed search: the conditions, the parameters used (for the self link)."""

    resource_type: str
    conditions: list[Any] = field(default_factory=list)
    used: list[tuple[str, str]] = field(default_factory=list)
    sort: list[tuple[str, bool]] = field(default_factory=list)
    includes: list[str] = field(default_factory=list)
    revincludes: list[str] = field(default_factory=list)
    iterate: list[tuple[str, str]] = field(default_factory=list)  # (_include|_revinclude, spec)
    count: int = DEFAULT_COUNT
    summary_count: bool = False
    total: bool = True
    after: str | None = None
    before: str | None = None
    offset: int = 0
    patient_scoped: bool = False  # a `patient` condition: see conditions._exists
    subset: Subset = field(default_factory=Subset)  # _summary / _elements
    dropped: list[tuple[str, str]] = field(default_factory=list)  # (parameter, why)


def parse(resource_type: str, params: Sequence[tuple[str, str]], *, strict: bool = True) -> Query:
    query = Query(resource_type)
    patient = lookup(resource_type, "patient")
    query.patient_scoped = (
        patient is not None
        and patient.kind == "reference"
        and any(raw_name == "patient" and value for raw_name, value in params)
    )
    for raw_name, value in params:
        name, _, modifier = raw_name.partition(":")
        if (reason := refusal(resource_type, raw_name, value)) is not None:
            if strict:
                raise bad_parameter(f"Cannot apply {raw_name!r}: {reason}", raw_name)
            query.dropped.append((raw_name, reason))
            continue
        if name in RESULT_PARAMS:
            _result_param(query, name, raw_name, value)
            continue
        if is_linked(name, modifier):  # chains, _has, :missing: health.fhir.chains
            clause = linked_condition(resource_type, name, modifier, value)
        else:
            clause = condition(
                resource_type, name, modifier, value, strict=strict, fenced=query.patient_scoped
            )
        if clause is not None:
            query.conditions.append(clause)
            query.used.append((raw_name, value))
    _one_subset(query, strict)
    return query


def _one_subset(query: Query, strict: bool) -> None:
    """`_elements` beside `_summary=true|text|data` is refused (or dropped)."""
    if query.subset.summary in ("true", "text", "data") and query.subset.elements is not None:
        reason = "_elements cannot be combined with _summary=true, text or data."
        if strict:
            raise bad_parameter(reason, "_elements")
        query.subset = Subset(summary=query.subset.summary)
        query.used = [(k, v) for k, v in query.used if k != "_elements"]
        query.dropped.append(("_elements", reason))


def _result_param(query: Query, name: str, raw_name: str, value: str) -> None:
    if name == "_count":
        if (count := whole_number(value)) is None:
            raise bad_parameter("_count must be a whole number.", "_count")
        query.count = min(count, MAX_COUNT)
    elif name == "_sort":
        for key in filter(None, value.split(",")):
            descending = key.startswith("-")
            sort_name = key.lstrip("-")
            if sort_name not in ("_id", "_lastUpdated") and not lookup(
                query.resource_type, sort_name
            ):
                raise bad_parameter(f"Cannot sort by {sort_name!r}.", "_sort")
            query.sort.append((sort_name, descending))
    elif name in ("_include", "_revinclude") and raw_name.endswith(":iterate"):
        query.iterate.append((name, value))
    elif name == "_include":
        query.includes.append(value)
    elif name == "_revinclude":
        query.revincludes.append(value)
    elif name == "_summary":
        query.summary_count = value == "count"
        query.subset = Subset(summary=value, elements=query.subset.elements)
    elif name == "_elements":
        elements = (query.subset.elements or frozenset()) | elements_of(value)
        query.subset = Subset(summary=query.subset.summary, elements=elements)
    elif name in ("_total", "_totalMethod"):
        query.total = value != "none"
    elif name == "_offset" and (offset := whole_number(value)) is not None:
        query.offset = offset
    elif name == "_after":
        query.after = value
    elif name == "_before":
        query.before = value
    if name in APPLIED:
        query.used.append((raw_name, value))


def as_of(value: str | None, *, end: bool = False, name: str | None = None) -> dt.datetime | None:
    """The start of the date or instant `value` (its end with `end`: `end=2021` is the
    last moment of 2021); None when empty; InvalidRequest naming `name` when it is no date."""
    if not value:
        return None
    found = date_range(value)
    if found is None:
        raise bad_parameter(f"{value!r} is not a FHIR date.", name)
    return found[1] if end else found[0]
