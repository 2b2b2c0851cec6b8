"""Search parameter values to SQL: one condition per parameter over the index tables
(token, uri, string, reference, date, quantity and number, with their modifiers and
prefixes), each an EXISTS on the index rows of the resource."""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from typing import Any

import sqlalchemy as sa

from core.db import utcnow
from health.fhir.errors import InvalidRequest
from health.fhir.indexing import date_range, normalise, parse_reference
from health.fhir.models import (
    DateIndex,
    FhirResource,
    QuantityIndex,
    ReferenceIndex,
    StringIndex,
    TokenIndex,
)
from health.fhir.resource_types import RESOURCE_TYPES
from health.fhir.searchparams import SearchParam, lookup

MODIFIERS = {
    "token": {"", "not"},
    "uri": {"", "not", "below"},
    "string": {"", "exact", "contains"},
    "date": {""},
    "reference": {""} | RESOURCE_TYPES,
    "quantity": {""},
    "number": {""},
}
_PREFIX = re.compile(r"^(eq|ne|gt|lt|ge|le|sa|eb|ap)(?=[0-9-])")


def bad_parameter(message: str, name: str | None = None) -> InvalidRequest:
    """The error of a search parameter (or its value) we cannot use, naming it."""
    return InvalidRequest(message, expression=[name] if name else (), code="invalid")


def condition(
    resource_type: str, name: str, modifier: str, value: str, *, strict: bool, fenced: bool
) -> Any:
    """The condition of one parameter (None: unknown and not `strict`); `fenced`: a
    patient-scoped search, see `_exists`."""
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
            raise bad_parameter(f"Unknown search parameter {name!r} for {resource_type}.", name)
        return None
    if modifier not in MODIFIERS[param.kind]:
        raise bad_parameter(f"Modifier :{modifier} is not supported on {name!r}.", name)
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
        raise bad_parameter(f"{value!r} is not a FHIR date for {name!r}.", name)
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
        raise bad_parameter(f"{value!r} is not a number for {name!r}.", name) from None
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
