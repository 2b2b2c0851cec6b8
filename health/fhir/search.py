"""Search: a parsed `Query` run over the index tables, paging, _sort, _include/_revinclude.

Paging is keyset paging (`_after` / `_before` in the links), so a page link stays
correct while others write: nothing is skipped or repeated because rows were added or
removed before it. Without _sort the cursor is the id; sorted by one key (`_id`,
`_lastUpdated` or one parameter) it is an opaque (value, id) cursor checked by
`health.fhir.keyset`. Sorted by several keys the links use `_offset`.

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
from health.fhir import keyset, store
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
    # the cursors before the first match and after the last (keyset paging)
    cursors: tuple[str, str] | None = None


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
    keyed = keyset.keyed(query.sort)
    if keyed:
        statement, has_previous = _keyset_page(query, statement)
    elif query.sort:
        if query.after is not None or query.before is not None:
            name = "_after" if query.after is not None else "_before"
            raise bad_parameter(
                f"A search sorted by several keys pages by _offset, not {name}.", name
            )
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
    more = len(rows) > query.count
    rows = list(rows[: query.count])
    whole = not more and not has_previous and query.before is None
    if query.before is not None and (keyed or not query.sort):
        rows.reverse()
        has_previous, more = more, True
    matches = [store.stored_from_row(row[: len(store.CURRENT_COLUMNS)]) for row in rows]
    total = None
    if query.total:  # a first page that holds every match counts itself
        total = len(matches) if whole else count()
    cursors = _cursors(query, rows) if matches and (keyed or not query.sort) else None
    included, cut = (
        _included(query, matches, restricted_ok, reach, conn) if matches else ([], False)
    )
    return SearchResult(query, matches, included, total, more, has_previous, cut, cursors)


def _sort_kind(query: Query, name: str) -> str:
    """`_id`, `_lastUpdated` or the kind of the parameter sorted by."""
    param = lookup(query.resource_type, name)
    return name if name in ("_id", "_lastUpdated") or param is None else param.kind


def _keyset_page(query: Query, statement: Any) -> tuple[Any, bool]:
    """A search sorted by one key: the page after (before) the cursor, its sort value as
    the last column; and whether a page comes before it."""
    name, descending = query.sort[0]
    key = _sort_key(query, name)
    before = query.before is not None
    statement = statement.add_columns(key.label("sort_value"))
    cursor = query.before if before else query.after
    if cursor is not None:
        param = "_before" if before else "_after"
        value, after_id = keyset.decode(query.sort, _sort_kind(query, name), cursor, param)
        statement = statement.where(keyset.beyond(key, descending, value, after_id, before))
    statement = statement.order_by(*keyset.order(key, descending, before))
    return statement.offset(query.offset), query.after is not None or query.offset > 0


def _cursors(query: Query, rows: Sequence[Any]) -> tuple[str, str]:
    """The cursors before the first row and after the last (ids without _sort)."""
    first, last = rows[0], rows[-1]
    if not query.sort:
        return first.id, last.id
    return (
        keyset.encode(query.sort, first.sort_value, first.id),
        keyset.encode(query.sort, last.sort_value, last.id),
    )


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
