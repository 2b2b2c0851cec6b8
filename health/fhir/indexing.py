"""From a resource to its search-index rows (one dict per row, ready for executemany)."""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

from health.fhir.localrefs import is_ours
from health.fhir.resource_types import RESOURCE_TYPES
from health.fhir.searchparams import SearchParam, params_for

MIN_TIME = dt.datetime(1, 1, 1, tzinfo=dt.UTC)
MAX_TIME = dt.datetime(9999, 12, 31, 23, 59, 59, 999999, tzinfo=dt.UTC)
CONFIDENTIALITY = "http://terminology.hl7.org/CodeSystem/v3-Confidentiality"
ACT_CODE = "http://terminology.hl7.org/CodeSystem/v3-ActCode"
# meta.security labels that restrict a resource to HEALTH_RESTRICTED_READ.
RESTRICTED_LABELS = frozenset(
    {(CONFIDENTIALITY, "R"), (CONFIDENTIALITY, "V"), (ACT_CODE, "PSY"), (ACT_CODE, "PSYTHPN")}
)
_DATE = re.compile(
    r"^(\d{4})(?:-(\d{2})(?:-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2})(\.\d+)?)?"
    r"(Z|[+-]\d{2}:\d{2})?)?)?)?$"
)
LIMIT = 255


def values_at(document: Any, path: str) -> Iterator[Any]:
    current = [document]
    for part in path.split("."):
        found = []
        for item in current:
            if isinstance(item, dict) and part in item:
                value = item[part]
                found.extend(value if isinstance(value, list) else [value])
        current = found
    yield from current


def normalise(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).lower()[:LIMIT]


def date_range(text: str) -> tuple[dt.datetime, dt.datetime] | None:
    """A FHIR date/dateTime/instant (possibly partial) as the instants it covers; a
    value without a time zone is taken as UTC."""
    match = _DATE.match(text.strip())
    if not match:
        return None
    year, month, day, hour, minute, second, fraction, zone = match.groups()
    tz = dt.UTC
    if zone and zone != "Z":
        sign = 1 if zone[0] == "+" else -1
        tz = dt.timezone(sign * dt.timedelta(hours=int(zone[1:3]), minutes=int(zone[4:6])))
    try:
        if month is None:
            low = dt.datetime(int(year), 1, 1, tzinfo=tz)
            high = dt.datetime(int(year) + 1, 1, 1, tzinfo=tz) if int(year) < 9999 else None
        elif day is None:
            low = dt.datetime(int(year), int(month), 1, tzinfo=tz)
            nxt = (int(year) + int(month) // 12, int(month) % 12 + 1)
            high = dt.datetime(nxt[0], nxt[1], 1, tzinfo=tz) if nxt[0] <= 9999 else None
        elif hour is None:
            low = dt.datetime(int(year), int(month), int(day), tzinfo=tz)
            high = low + dt.timedelta(days=1)
        else:
            micro = int((fraction or ".0")[1:].ljust(6, "0")[:6])
            low = dt.datetime(
                int(year),
                int(month),
                int(day),
                int(hour),
                int(minute),
                int(second or 0),
                micro,
                tzinfo=tz,
            )
            step = dt.timedelta(microseconds=1) if fraction else dt.timedelta(seconds=1)
            if second is None:
                step = dt.timedelta(minutes=1)
            high = low + step
    except (ValueError, OverflowError):
        return None
    low = low.astimezone(dt.UTC)
    high = (high - dt.timedelta(microseconds=1)).astimezone(dt.UTC) if high else MAX_TIME
    return low, high


def parse_reference(text: str) -> tuple[str | None, str | None, str | None]:
    """'Patient/1', '<our base>/Patient/1/_history/2' -> ('Patient', '1', None); another
    server's URL and anything else -> (None, None, url)."""
    if text.startswith("#"):
        return None, None, None
    if "://" in text and not is_ours(text):  # another server's: a URL, never ours
        return None, None, text[:LIMIT]
    parts = text.split("/")
    if len(parts) >= 4 and parts[-2] == "_history":
        parts = parts[:-2]
    if len(parts) >= 2 and parts[-2] in RESOURCE_TYPES and "?" not in parts[-1] and parts[-1]:
        return parts[-2], parts[-1][:64], None
    return None, None, text[:LIMIT]


def _tokens(value: Any) -> Iterator[tuple[str | None, str]]:
    if isinstance(value, bool):
        yield None, "true" if value else "false"
    elif isinstance(value, str):
        yield None, value[:LIMIT]
    elif isinstance(value, dict):
        if "coding" in value:
            for coding in value["coding"]:
                yield from _tokens(coding)
        elif "value" in value and isinstance(value["value"], str):  # Identifier, ContactPoint
            yield _str(value.get("system")), value["value"][:LIMIT]
        elif "code" in value and isinstance(value["code"], str):  # Coding
            yield _str(value.get("system")), value["code"][:LIMIT]


def _str(value: Any) -> str | None:
    return value[:LIMIT] if isinstance(value, str) else None


def _strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for key in (
            "text",
            "family",
            "given",
            "prefix",
            "suffix",
            "line",
            "city",
            "district",
            "state",
            "postalCode",
            "country",
        ):
            item = value.get(key)
            for text in item if isinstance(item, list) else [item]:
                if isinstance(text, str):
                    yield text


def _dates(value: Any) -> Iterator[tuple[dt.datetime, dt.datetime]]:
    if isinstance(value, str):
        found = date_range(value)
        if found:
            yield found
    elif isinstance(value, dict) and ("start" in value or "end" in value):
        start = date_range(value["start"]) if "start" in value else None
        end = date_range(value["end"]) if "end" in value else None
        yield (start[0] if start else MIN_TIME), (end[1] if end else MAX_TIME)


def rows_for(
    resource_type: str, resource_id: str, document: dict[str, Any]
) -> dict[str, list[dict[str, Any]]]:
    """Index rows by kind ('token', 'string', 'date', 'reference', 'quantity')."""
    rows: dict[str, list[dict[str, Any]]] = {}
    key = {"resource_type": resource_type, "resource_id": resource_id}
    for param in params_for(resource_type).values():
        for path in param.paths:
            for value in values_at(document, path):
                for table, row in _rows(param, value):
                    rows.setdefault(table, []).append({**key, "param": param.name, **row})
    for table, items in rows.items():  # the same value reached twice is indexed once
        unique = {tuple(sorted(r.items())): r for r in items}
        rows[table] = list(unique.values())
    return rows


def _rows(param: SearchParam, value: Any) -> Iterator[tuple[str, dict[str, Any]]]:
    kind = param.kind
    if kind in ("token", "uri"):
        for system, code in _tokens(value):
            yield "token", {"system": system, "code": code}
    elif kind == "string":
        for text in _strings(value):
            yield "string", {"value": normalise(text), "exact": text[:LIMIT]}
    elif kind == "date":
        for low, high in _dates(value):
            yield "date", {"low": low, "high": high}
    elif kind == "reference":
        if isinstance(value, dict) and isinstance(value.get("reference"), str):
            target_type, target_id, url = parse_reference(value["reference"])
            if param.target and target_type != param.target:
                return
            if target_type or url:
                yield "reference", {"target_type": target_type, "target_id": target_id, "url": url}
    elif kind in ("quantity", "number"):
        number = value.get("value") if isinstance(value, dict) else value
        if isinstance(number, (int, float, Decimal)) and not isinstance(number, bool):
            system = _str(value.get("system")) if isinstance(value, dict) else None
            unit = value.get("code") or value.get("unit") if isinstance(value, dict) else None
            yield "quantity", {"value": float(number), "system": system, "code": _str(unit)}


def patient_of(resource_type: str, resource_id: str, document: dict[str, Any]) -> str | None:
    """The patient whose compartment the resource is in (the `patient` parameter)."""
    if resource_type == "Patient":
        return resource_id
    param = params_for(resource_type).get("patient")
    if param is None:
        return None
    for path in param.paths:
        for value in values_at(document, path):
            if isinstance(value, dict) and isinstance(value.get("reference"), str):
                target_type, target_id, _ = parse_reference(value["reference"])
                if target_type == "Patient":
                    return target_id
    return None


def is_restricted(document: dict[str, Any]) -> bool:
    labels = (document.get("meta") or {}).get("security") or []
    return any(
        isinstance(label, dict) and (label.get("system"), label.get("code")) in RESTRICTED_LABELS
        for label in labels
    )
