"""Search: parameters to SQL over the index tables, paging, _sort, _include/_revinclude.

Paging without _sort is keyset paging on the id (`_after` / `_before` in the links), so
a page link stays correct while others write: nothing is skipped or repeated because
rows were added or removed before it. With _sort the links use `_offset`.

This module is the query engine only: the search service (permission, restricted
labels, audit) is `health.fhir.services.search`.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

import sqlalchemy as sa

from core.db import db, planned_for_values, utcnow
from health.fhir import store
from health.fhir.errors import InvalidRequest
from health.fhir.indexing import date_range, normalise, parse_reference
from health.fhir.models import (
    DateIndex,
    FhirResource,
    IndexModel,
    QuantityIndex,
    ReferenceIndex,
    StringIndex,
    TokenIndex,
)
from health.fhir.resource_types import RESOURCE_TYPES, check_type
from health.fhir.searchparams import RESULT_PARAMS, SearchParam, lookup
from health.fhir.store import Stored

MODIFIERS = {
    "token": {"", "not"},
    "uri": {"", "not", "below"},
    "string": {"", "exact", "contains"},
    "date": {""},
    "reference": {""} | RESOURCE_TYPES,
    "quantity": {""},
    "number": {""},
}
DEFAULT_COUNT = 20
MAX_COUNT = 1000
_PREFIX = re.compile(r"^(eq|ne|gt|lt|ge|le|sa|eb|ap)(?=[0-9-])")


@dataclass
class Query:
    """A parsed search: the conditions, the parameters used (for the self link)."""

    resource_type: str
    conditions: list[Any] = field(default_factory=list)
    used: list[tuple[str, str]] = field(default_factory=list)
    sort: list[tuple[str, bool]] = field(default_factory=list)
    includes: list[str] = field(default_factory=list)
    revincludes: list[str] = field(default_factory=list)
    count: int = DEFAULT_COUNT
    summary_count: bool = False
    total: bool = True
    after: str | None = None
    before: str | None = None
    offset: int = 0
    patient_scoped: bool = False  # a `patient` condition: see _exists


@dataclass
class SearchResult:
    query: Query
    matches: list[Stored]
    included: list[Stored]
    total: int | None
    has_next: bool
    has_previous: bool


def _bad(message: str, name: str | None = None) -> InvalidRequest:
    return InvalidRequest(message, expression=[name] if name else (), code="invalid")


# --- parameters ----------------------------------------------------------------------


def parse(resource_type: str, params: Sequence[tuple[str, str]], *, strict: bool = False) -> Query:
    query = Query(resource_type)
    patient = lookup(resource_type, "patient")
    query.patient_scoped = (
        patient is not None
        and patient.kind == "reference"
        and any(raw_name == "patient" and value for raw_name, value in params)
    )
    for raw_name, value in params:
        name, _, modifier = raw_name.partition(":")
        if name in RESULT_PARAMS:
            _result_param(query, name, raw_name, value)
            continue
        condition = _condition(
            resource_type, name, modifier, value, strict=strict, fenced=query.patient_scoped
        )
        if condition is not None:
            query.conditions.append(condition)
            query.used.append((raw_name, value))
    return query


def _result_param(query: Query, name: str, raw_name: str, value: str) -> None:
    if name == "_count":
        if not value.isdigit():
            raise _bad("_count must be a whole number.", "_count")
        query.count = min(int(value), MAX_COUNT)
    elif name == "_sort":
        for key in filter(None, value.split(",")):
            descending = key.startswith("-")
            sort_name = key.lstrip("-")
            if sort_name not in ("_id", "_lastUpdated") and not lookup(
                query.resource_type, sort_name
            ):
                raise _bad(f"Cannot sort by {sort_name!r}.", "_sort")
            query.sort.append((sort_name, descending))
    elif name == "_include":
        query.includes.append(value)
    elif name == "_revinclude":
        query.revincludes.append(value)
    elif name == "_summary":
        query.summary_count = value == "count"
    elif name == "_total":
        query.total = value != "none"
    elif name == "_offset" and value.isdigit():
        query.offset = int(value)
    elif name == "_after":
        query.after = value
    elif name == "_before":
        query.before = value
    if name in ("_count", "_sort", "_include", "_revinclude", "_summary", "_total"):
        query.used.append((raw_name, value))


def _condition(
    resource_type: str, name: str, modifier: str, value: str, *, strict: bool, fenced: bool
) -> Any:
    if name == "_id":
        return FhirResource.id.in_(value.split(","))
    if name == "_lastUpdated":
        return sa.or_(
            *(
                _date_clause(FhirResource.last_updated, FhirResource.last_updated, v, name)
                for v in value.split(",")
            )
        )
    param = lookup(resource_type, name)
    if param is None:
        if strict:
            raise _bad(f"Unknown search parameter {name!r} for {resource_type}.", name)
        return None
    if modifier not in MODIFIERS[param.kind]:
        raise _bad(f"Modifier :{modifier} is not supported on {name!r}.", name)
    if param.kind in ("token", "uri") and modifier == "not":
        return ~_exists(TokenIndex, param, sa.or_(*(_token(v) for v in value.split(","))), fenced)
    if param.kind == "reference" and name == "patient" and not modifier:
        ids = [parse_reference(v)[1] or v.rsplit("/", 1)[-1] for v in value.split(",")]
        return FhirResource.patient_id.in_(ids)
    if param.kind == "date":
        dates = sa.or_(*(_date(v, name) for v in value.split(",")))
        return _exists(DateIndex, param, dates, fenced)
    model, builder = {
        "token": (TokenIndex, _token),
        "uri": (TokenIndex, lambda v: _uri(v, modifier)),
        "string": (StringIndex, lambda v: _string(v, modifier)),
        "reference": (ReferenceIndex, lambda v: _reference(v, modifier)),
        "quantity": (QuantityIndex, lambda v: _quantity(v, name)),
        "number": (QuantityIndex, lambda v: _quantity(v, name)),
    }[param.kind]
    return _exists(model, param, sa.or_(*(builder(v) for v in value.split(","))), fenced)


def _exists(model: Any, param: SearchParam, clause: Any, fenced: bool) -> Any:
    """The resource has an index row of `param` matching `clause`.

    `fenced` (a patient-scoped search): `OFFSET 0` keeps PostgreSQL from turning the
    EXISTS into a join, so it probes each of the patient's resources through the index
    per resource (a few dozen probes) whatever the code or date. The plan then no longer
    depends on the values, and a prepared statement's generic plan is as good as one
    planned for the values: no planning per search. (Unfenced, a generic plan merged the
    patient's resources against every index row of the code, thousands of them.)"""
    probe = sa.select(sa.literal(1)).where(
        model.resource_type == FhirResource.resource_type,
        model.resource_id == FhirResource.id,
        model.param == param.name,
        clause,
    )
    return sa.exists(probe.offset(0) if fenced else probe)


def _token(value: str) -> Any:
    if "|" in value:
        system, code = value.split("|", 1)
        if not system:
            return sa.and_(TokenIndex.code == code, TokenIndex.system.is_(None))
        if not code:
            return TokenIndex.system == system
        return sa.and_(TokenIndex.code == code, TokenIndex.system == system)
    return TokenIndex.code == value


def _uri(value: str, modifier: str) -> Any:
    if modifier == "below":
        return TokenIndex.code.startswith(value, autoescape=True)
    return TokenIndex.code == value


def _string(value: str, modifier: str) -> Any:
    if modifier == "exact":
        return StringIndex.exact == value
    if modifier == "contains":
        return StringIndex.value.contains(normalise(value), autoescape=True)
    return StringIndex.value.startswith(normalise(value), autoescape=True)


def _reference(value: str, modifier: str) -> Any:
    target_type, target_id, url = parse_reference(value)
    if target_id is None and url is not None and "/" not in value:
        target_id, url = value, None
    if target_id is None:
        return ReferenceIndex.url == url
    clause = ReferenceIndex.target_id == target_id
    target_type = target_type or (modifier or None)
    return sa.and_(clause, ReferenceIndex.target_type == target_type) if target_type else clause


def split_prefix(value: str) -> tuple[str, str]:
    match = _PREFIX.match(value)
    return (match.group(1), value[2:]) if match else ("eq", value)


def _date(value: str, name: str) -> Any:
    return _date_clause(DateIndex.low, DateIndex.high, value, name)


def _date_clause(low: Any, high: Any, value: str, name: str) -> Any:
    prefix, text = split_prefix(value)
    found = date_range(text)
    if found is None:
        raise _bad(f"{value!r} is not a FHIR date for {name!r}.", name)
    start, end = found
    if prefix == "eq":
        return sa.and_(low >= start, high <= end)
    if prefix == "ne":
        return sa.not_(sa.and_(low >= start, high <= end))
    if prefix == "gt":
        return high > end
    if prefix == "lt":
        return low < start
    if prefix == "ge":
        return high >= start
    if prefix == "le":
        return low <= end
    if prefix == "sa":
        return low > end
    if prefix == "eb":
        return high < start
    gap = abs(utcnow() - start) * 0.1  # ap: within 10% of the distance from now
    return sa.and_(low <= end + gap, high >= start - gap)


def _quantity(value: str, name: str) -> Any:
    prefix, text = split_prefix(value)
    number, _, rest = text.partition("|")
    system, _, code = rest.partition("|")
    try:
        amount = Decimal(number)
    except InvalidOperation:
        raise _bad(f"{value!r} is not a number for {name!r}.", name) from None
    half = Decimal(1).scaleb(amount.as_tuple().exponent) / 2  # type: ignore[arg-type]
    low, high, v = float(amount - half), float(amount + half), QuantityIndex.value
    clause = {
        "eq": sa.and_(v >= low, v < high),
        "ne": sa.or_(v < low, v >= high),
        "gt": v > float(amount),
        "lt": v < float(amount),
        "ge": v >= float(amount),
        "le": v <= float(amount),
        "sa": v > float(amount),
        "eb": v < float(amount),
        "ap": sa.and_(v >= float(amount) * 0.9, v <= float(amount) * 1.1),
    }[prefix]
    if system:
        clause = sa.and_(clause, QuantityIndex.system == system)
    if code:
        clause = sa.and_(clause, QuantityIndex.code == code)
    return clause


# --- running -------------------------------------------------------------------------


def _base(query: Query, restricted_ok: bool) -> list[Any]:
    where = [
        FhirResource.resource_type == query.resource_type,
        FhirResource.is_deleted.is_(False),
        *query.conditions,
    ]
    if not restricted_ok:
        where.append(FhirResource.is_restricted.is_(False))
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
        raise _bad(f"Cannot sort by {name!r}.", "_sort")
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
    query: Query, *, restricted_ok: bool, connection: sa.Connection | None = None
) -> SearchResult:
    """One page (and its includes), in the unit of work or on `connection`."""
    conn = connection or db.session
    where = _base(query, restricted_ok)

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
    included = _included(query, matches, restricted_ok, conn) if matches else []
    return SearchResult(query, matches, included, total, more, has_previous)


def _included(query: Query, matches: list[Stored], restricted_ok: bool, conn: Any) -> list[Stored]:
    keys = [(m.resource_type, m.id) for m in matches]
    found: list[Stored] = []
    for spec in query.includes:
        source, _, rest = spec.partition(":")
        name, _, target = rest.partition(":")
        if source != query.resource_type or not lookup(source, name):
            raise _bad(f"Cannot include {spec!r}.", "_include")
        conditions = [
            sa.tuple_(ReferenceIndex.resource_type, ReferenceIndex.resource_id).in_(keys),
            ReferenceIndex.param == name,
            ReferenceIndex.target_type.is_not(None),
        ]
        if target:
            conditions.append(ReferenceIndex.target_type == target)
        targets = conn.execute(
            sa.select(ReferenceIndex.target_type, ReferenceIndex.target_id).where(*conditions)
        ).all()
        found.extend(store.current_many(((t, i) for t, i in targets), connection=conn))
    for spec in query.revincludes:
        source, _, rest = spec.partition(":")
        name, _, _target = rest.partition(":")
        if source not in RESOURCE_TYPES or not lookup(source, name):
            raise _bad(f"Cannot revinclude {spec!r}.", "_revinclude")
        referrers = conn.execute(
            sa.select(ReferenceIndex.resource_type, ReferenceIndex.resource_id).where(
                ReferenceIndex.resource_type == source,
                ReferenceIndex.param == name,
                sa.tuple_(ReferenceIndex.target_type, ReferenceIndex.target_id).in_(keys),
            )
        ).all()
        found.extend(store.current_many(((t, i) for t, i in referrers), connection=conn))
    seen = set(keys)
    unique = []
    for item in found:
        key = (item.resource_type, item.id)
        if key not in seen and (restricted_ok or not item.is_restricted):
            seen.add(key)
            unique.append(item)
    return unique


# --- conditions and dates --------------------------------------------------------------


def matching(resource_type: str, params: Sequence[tuple[str, str]], *, limit: int) -> list[Stored]:
    """Resources matching a condition (conditional create and references), restricted
    ones included (the caller checks what it hands out); strict."""
    check_type(resource_type)
    query = parse(resource_type, params, strict=True)
    if not query.conditions:
        raise _bad(f"The condition on {resource_type} has no search parameter.")
    query.count, query.total = limit, False
    return run(query, restricted_ok=True).matches


def as_of(value: str | None, *, end: bool = False, name: str | None = None) -> dt.datetime | None:
    """The start of the date or instant `value` (its end with `end`: `end=2021` is the
    last moment of 2021); None when empty; InvalidRequest naming `name` when it is no date."""
    if not value:
        return None
    found = date_range(value)
    if found is None:
        raise _bad(f"{value!r} is not a FHIR date.", name)
    return found[1] if end else found[0]
