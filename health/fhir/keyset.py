"""Keyset cursors for sorted search: a search sorted by one key (`_id`, `_lastUpdated`
or one indexed parameter, ascending or descending) pages by the key of the last (or
first) match and its id, so rows written between two page fetches neither shift the
pages nor make a match come twice or not at all. Several sort keys page by `_offset`.

The cursor travels in `_after` / `_before` as base64url of the JSON `[sort, value, id]`
(`sort` the `_sort` it was made for, e.g. `-date`). It is opaque to clients and checked
strictly: anything this module did not write for this sort is a 400 naming the
parameter. Matches without a value for a parameter sort come last in either direction
(NULLS LAST), in id order, so the cursor's value can be null.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import json
import math
import re
from typing import Any

import sqlalchemy as sa

from health.fhir.conditions import bad_parameter
from health.fhir.models import FhirResource

_ID = re.compile(r"[A-Za-z0-9\-.]{1,64}")
_CONTROL = re.compile(
    r"[\x00-\x08\x0b\x0c\x0e-\x1f]"
)  # what no FHIR string holds (NUL: PostgreSQL)
# what a parameter kind's sort value is (health.fhir.search.SORT_COLUMNS)
_NUMERIC_KINDS = frozenset({"quantity", "number"})


def keyed(sort: list[tuple[str, bool]]) -> bool:
    """Whether a search sorted by `sort` pages by keyset cursors (one sort key)."""
    return len(sort) == 1


def _sort_text(sort: list[tuple[str, bool]]) -> str:
    name, descending = sort[0]
    return f"-{name}" if descending else name


def encode(sort: list[tuple[str, bool]], value: Any, resource_id: str) -> str:
    """The cursor after (or before) the match `resource_id` whose sort value is `value`."""
    if isinstance(value, dt.datetime):
        value = value.astimezone(dt.UTC).isoformat()
    raw = json.dumps([_sort_text(sort), value, resource_id], separators=(",", ":"))
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode(sort: list[tuple[str, bool]], kind: str, cursor: str, name: str) -> tuple[Any, str]:
    """(value, id) of a cursor `encode` wrote for `sort`, whose key is of `kind`
    (`_id`, `_lastUpdated` or a parameter kind); a 400 naming `name` otherwise."""
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        made_for, value, resource_id = json.loads(
            base64.urlsafe_b64decode(padded.encode("ascii")).decode()
        )
        if made_for != _sort_text(sort) or not _is_id(resource_id):
            raise ValueError
        return _value(kind, value), resource_id
    except (ValueError, TypeError, OverflowError, UnicodeError, binascii.Error, RecursionError):
        raise bad_parameter(
            f"{name} is not a paging cursor of this search (_sort={_sort_text(sort)}).", name
        ) from None


def _is_id(value: Any) -> bool:
    return isinstance(value, str) and _ID.fullmatch(value) is not None


def _value(kind: str, value: Any) -> Any:
    """The sort value a cursor holds, of the type the key's column has; ValueError if not."""
    if kind == "_id":
        if not _is_id(value):
            raise ValueError
        return value
    if value is None and kind != "_lastUpdated":
        return None
    if kind in ("_lastUpdated", "date"):
        if not isinstance(value, str):
            raise ValueError
        instant = dt.datetime.fromisoformat(value)
        if instant.tzinfo is None:
            raise ValueError
        return instant.astimezone(dt.UTC)  # OverflowError at the ends of the calendar
    if kind in _NUMERIC_KINDS:
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise ValueError
        if not math.isfinite(value):
            raise ValueError
        return float(value)
    if not isinstance(value, str) or len(value) > 255 or _CONTROL.search(value):
        raise ValueError
    return value


def beyond(key: Any, descending: bool, value: Any, resource_id: str, before: bool) -> Any:
    """The rows after the cursor (value, id) in the order `key` (desc when `descending`,
    NULLS LAST), then id ascending; the rows before it when `before`."""
    id_past = FhirResource.id < resource_id if before else FhirResource.id > resource_id
    if value is None:  # the cursor is among the matches without a value (at the end)
        if before:
            return sa.or_(key.is_not(None), id_past)
        return sa.and_(key.is_(None), id_past)
    past = key < value if descending != before else key > value
    clause = sa.or_(past, sa.and_(key == value, id_past))
    return clause if before else sa.or_(clause, key.is_(None))


def order(key: Any, descending: bool, before: bool) -> list[Any]:
    """ORDER BY of a keyset page: the sort order, reversed to read a `before` page."""
    if before:
        return [
            key.asc().nulls_first() if descending else key.desc().nulls_first(),
            FhirResource.id.desc(),
        ]
    return [key.desc().nulls_last() if descending else key.asc().nulls_last(), FhirResource.id]
