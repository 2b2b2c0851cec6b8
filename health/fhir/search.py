"""Search: a parsed `Query` run over the index tables, paging, _sort, _include/_revinclude.

Paging without _sort is keyset paging on the id (`_after` / `_before` in the links), so
a page link stays correct while others write: nothing is skipped or repeated because
rows were added or removed before it. With _sort the links use `_offset`.

A page carries at most MAX_INCLUDES included resources (`_include` and `_revinclude`
together, in type and id order); when more would have come, `includes_cut` says so and
the bundle says it in an OperationOutcome entry.

This module is the query engine only: parameters are parsed by `health.fhir.query`
(their SQL built by `health.fhir.conditions`); the search service (permission,
restricted labels, audit) is `health.fhir.services.search`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from core.db import db, planned_for_values
from health.fhir import store
from health.fhir.chains import Linked
from health.fhir.conditions import bad_parameter
from health.fhir.includes import include_selects
from health.fhir.models import (
    DateIndex,
    FhirResource,
    IndexModel,
    QuantityIndex,
    ReferenceIndex,
    StringIndex,
    TokenIndex,
)
from health.fhir.query import Query, parse
from health.fhir.resource_types import check_type
from health.fhir.searchparams import lookup
from health.fhir.store import Stored

# included resources per page, whatever _count (the CapabilityStatement states it)
MAX_INCLUDES = 1000


def includes_cut_warning() -> dict[str, Any]:
    """The OperationOutcome issue a page whose includes were cut carries."""
    return {
        "severity": "warning",
        "code": "too-costly",
        "diagnostics": f"This page holds at most {MAX_INCLUDES} resources added by _include"
        " and _revinclude; more matched and were left out. Ask for fewer matches per page"
        " (_count) to get them all.",
        "expression": ["_include", "_revinclude"],
    }


@dataclass
class SearchResult:
    query: Query
    matches: list[Stored]
    included: list[Stored]
    total: int | None
    has_next: bool
    has_previous: bool
    includes_cut: bool = False  # more included resources than MAX_INCLUDES


def _base(query: Query, restricted_ok: bool, reach: Any) -> list[Any]:
    where = [
        FhirResource.resource_type == query.resource_type,
        FhirResource.is_deleted.is_(False),
        *(
            c.resolve(restricted_ok, reach) if isinstance(c, Linked) else c
            for c in query.conditions
        ),
    ]
    if not restricted_ok:
        where.append(FhirResource.is_restricted.is_(False))
    if reach is not None:
        where.append(reach)
    return where


# parameter kind -> the index table and the column a sort by such a parameter orders by
SORT_COLUMNS: dict[str, tuple[IndexModel, Any]] = {
    "date": (DateIndex, DateIndex.low),
    "string": (StringIndex, StringIndex.value),
    "token": (TokenIndex, TokenIndex.code),
    "uri": (TokenIndex, TokenIndex.code),
    "quantity": (QuantityIndex, QuantityIndex.value),
    "number": (QuantityIndex, QuantityIndex.value),
    "reference": (ReferenceIndex, ReferenceIndex.target_id),
}


def _sort_key(query: Query, name: str) -> Any:
    if name == "_id":
        return FhirResource.id
    if name == "_lastUpdated":
        return FhirResource.last_updated
    param = lookup(query.resource_type, name)
    if param is None:  # parse() only lets known parameters into query.sort
        raise bad_parameter(f"Cannot sort by {name!r}.", "_sort")
    model, column = SORT_COLUMNS[param.kind]
    return (
        sa.select(sa.func.min(column))
        .where(
            model.resource_type == FhirResource.resource_type,
            model.resource_id == FhirResource.id,
            model.param == name,
        )
        .scalar_subquery()
    )


def run(
    query: Query,
    *,
    restricted_ok: bool,
    reach: sa.ColumnElement[bool] | None = None,
    connection: sa.Connection | None = None,
) -> SearchResult:
    """One page (and its includes), in the unit of work or on `connection`; `reach`
    (health.fhir.scope.reachable) keeps matches and includes to what the caller may
    read."""
    conn = connection or db.session
    where = _base(query, restricted_ok, reach)

    def count() -> int:
        with planned_for_values(conn):
            statement = sa.select(sa.func.count()).select_from(FhirResource).where(*where)
            return conn.scalar(statement) or 0

    if query.summary_count:
        return SearchResult(query, [], [], count(), False, False)
    statement = sa.select(*store.CURRENT_COLUMNS).where(*where)
    has_previous = False
    if query.sort:
        order = []
        for name, descending in query.sort:
            key = _sort_key(query, name)
            order.append(key.desc().nulls_last() if descending else key.asc().nulls_last())
        statement = statement.order_by(*order, FhirResource.id).offset(query.offset)
        has_previous = query.offset > 0
    elif query.before is not None:
        statement = statement.where(FhirResource.id < query.before).order_by(FhirResource.id.desc())
    else:
        if query.after is not None:
            statement = statement.where(FhirResource.id > query.after)
            has_previous = True
        statement = statement.order_by(FhirResource.id)
    if query.patient_scoped:  # the plan is fixed by _exists's fences: prepare it
        rows = conn.execute(statement.limit(query.count + 1)).all()
    else:
        with planned_for_values(conn):
            rows = conn.execute(statement.limit(query.count + 1)).all()
    matches = [store.stored_from_row(row) for row in rows[: query.count]]
    more = len(rows) > query.count
    whole = not more and not has_previous and query.before is None
    total = None
    if query.total:  # a first page that holds every match counts itself
        total = len(matches) if whole else count()
    if query.before is not None and not query.sort:
        matches.reverse()
        has_previous, more = more, True
    included, cut = (
        _included(query, matches, restricted_ok, reach, conn) if matches else ([], False)
    )
    return SearchResult(query, matches, included, total, more, has_previous, cut)


def _included(
    query: Query, matches: list[Stored], restricted_ok: bool, reach: Any, conn: Any
) -> tuple[list[Stored], bool]:
    """The page's included resources (at most MAX_INCLUDES, within `reach`), and whether
    more were cut."""
    keys = [(m.resource_type, m.id) for m in matches]
    seen, unique = set(keys), list[Stored]()
    for iterating in (False, True):  # `:iterate` specs: once more, from what was included
        if iterating and not (query.iterate and unique):
            break
        for wanted in include_selects(query, keys, iterating=iterating):
            # rows already seen can repeat (at most len(seen)): ask for one more than fit
            limit = MAX_INCLUDES - len(unique) + len(seen) + 1
            for item in _current_of(wanted, restricted_ok, reach, limit, conn):
                key = (item.resource_type, item.id)
                if key not in seen:
                    if len(unique) == MAX_INCLUDES:
                        return unique, True
                    seen.add(key)
                    unique.append(item)
        keys = [(item.resource_type, item.id) for item in unique]
    return unique, False


def _current_of(
    wanted: Any, restricted_ok: bool, reach: Any, limit: int, conn: Any
) -> list[Stored]:
    """The live current rows whose (type, id) `wanted` selects, in key order, at most
    `limit` (restricted ones only when `restricted_ok`; within `reach` when given)."""
    where = [
        sa.tuple_(FhirResource.resource_type, FhirResource.id).in_(wanted),
        FhirResource.is_deleted.is_(False),
    ]
    if not restricted_ok:
        where.append(FhirResource.is_restricted.is_(False))
    if reach is not None:
        where.append(reach)
    statement = (
        sa.select(*store.CURRENT_COLUMNS)
        .where(*where)
        .order_by(FhirResource.resource_type, FhirResource.id)
        .limit(limit)
    )
    return [store.stored_from_row(row) for row in conn.execute(statement)]


def matching(
    resource_type: str,
    params: Sequence[tuple[str, str]],
    *,
    limit: int,
    reach: sa.ColumnElement[bool] | None = None,
) -> list[Stored]:
    """Resources matching a condition (conditional create and references), restricted
    ones included (the caller checks what it hands out), within `reach`; strict."""
    check_type(resource_type)
    query = parse(resource_type, params, strict=True)
    if not query.conditions:
        raise bad_parameter(f"The condition on {resource_type} has no search parameter.")
    query.count, query.total = limit, False
    return run(query, restricted_ok=True, reach=reach).matches
