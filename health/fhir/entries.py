"""The entries of a batch or transaction Bundle coming in: what each asks (method, URL,
fullUrl, resource, conditions), the resource it targets, and the references between
them.

References: every `reference` of a resource, at any depth (extensions, contained
resources, backbone elements), that names another entry's fullUrl is rewritten to that
entry's `Type/id`; a conditional one (`Patient?identifier=…`) to its single match; a
`urn:uuid:` or `urn:oid:` reference that names no entry of the bundle is refused (such a
placeholder means nothing once stored)."""

from __future__ import annotations

import heapq
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from flask import current_app, has_app_context

from health.fhir.errors import InvalidRequest, TooCostly
from health.fhir.resource_types import RESOURCE_TYPES

DEFAULT_MAX_ENTRIES = 1000
ORDER = {"DELETE": 0, "POST": 1, "PUT": 2, "PATCH": 2, "GET": 3, "HEAD": 3}
CONDITIONAL = ("PUT", "DELETE", "PATCH")  # with request.url Type?params
PLACEHOLDERS = ("urn:uuid:", "urn:oid:")


@dataclass
class Entry:
    index: int
    method: str
    url: str
    full_url: str | None
    resource: Any
    if_none_exist: str | None
    if_match: str | None

    @property
    def where(self) -> str:
        return f"Bundle.entry[{self.index}]"


def entry_of(index: int, raw: Any) -> Entry:
    """One entry (InvalidRequest naming it when it asks nothing we can do)."""
    where = f"Bundle.entry[{index}]"
    request = raw.get("request") if isinstance(raw, dict) else None
    if not isinstance(request, dict) or request.get("method") not in ORDER:
        raise InvalidRequest(
            "Each entry needs request.method (one of "
            + ", ".join(ORDER)
            + f"; not {request.get('method') if isinstance(request, dict) else None!r}) "
            "and request.url.",
            expression=[f"{where}.request"],
        )
    full_url = raw.get("fullUrl")
    if full_url is not None and not isinstance(full_url, str):
        raise InvalidRequest("fullUrl must be a string.", expression=[f"{where}.fullUrl"])
    for name in ("url", "ifNoneExist", "ifMatch"):
        if request.get(name) is not None and not isinstance(request[name], str):
            raise InvalidRequest(
                f"request.{name} must be a string.", expression=[f"{where}.request.{name}"]
            )
    return Entry(
        index,
        request["method"],
        str(request.get("url") or "").strip("/"),
        full_url or None,
        raw.get("resource"),
        request.get("ifNoneExist"),
        request.get("ifMatch"),
    )


def raw_entries(bundle: dict[str, Any]) -> list[Any]:
    found = bundle.get("entry") or []
    if not isinstance(found, list):
        raise InvalidRequest("Bundle.entry must be an array.", expression=["Bundle.entry"])
    return found


def max_entries() -> int:
    """The most entries a client's batch or transaction Bundle may hold (config
    FHIR_MAX_BUNDLE_ENTRIES)."""
    if not has_app_context():
        return DEFAULT_MAX_ENTRIES
    return int(current_app.config.get("FHIR_MAX_BUNDLE_ENTRIES", DEFAULT_MAX_ENTRIES))


def check_size(bundle: dict[str, Any]) -> None:
    """TooCostly (413) when the Bundle holds more entries than the cap: checked before
    any entry is looked at."""
    count, cap = len(raw_entries(bundle)), max_entries()
    if count > cap:
        raise TooCostly(
            f"This server takes at most {cap} entries in a batch or transaction Bundle; "
            f"this one has {count}.",
            expression=["Bundle.entry"],
        )


def entries_of(bundle: dict[str, Any]) -> list[Entry]:
    """Every entry of a transaction; InvalidRequest on the first malformed one or on a
    fullUrl that two entries share (a reference to it would be ambiguous)."""
    entries = [entry_of(index, raw) for index, raw in enumerate(raw_entries(bundle))]
    shared = duplicated(entries)
    for entry in entries:
        if entry.full_url in shared:
            raise duplicate(entry)
    return entries


def duplicated(entries: list[Entry]) -> set[str]:
    counts = Counter(e.full_url for e in entries if e.full_url)
    return {url for url, n in counts.items() if n > 1}


def duplicate(entry: Entry) -> InvalidRequest:
    return InvalidRequest(
        f"fullUrl {entry.full_url!r} appears in more than one entry of the Bundle.",
        expression=[f"{entry.where}.fullUrl"],
    )


def check_once(written: list[tuple[Entry, str, str]]) -> None:
    """InvalidRequest when two entries write the same resource ((entry, type, id) of
    every write): R4 lets a resource appear once in a transaction."""
    seen: dict[tuple[str, str], Entry] = {}
    for entry, rtype, rid in written:
        first = seen.setdefault((rtype, rid), entry)
        if first is not entry:
            raise InvalidRequest(
                f"{first.where} and {entry.where} both write {rtype}/{rid}; a resource "
                "may appear only once in a transaction.",
                expression=[f"{entry.where}.request.url"],
            )


def target(entry: Entry) -> tuple[str, str | None, str | None]:
    """(type, id, query) from request.url such as 'Patient', 'Patient/1', 'Patient?x=y'."""
    path, _, query = entry.url.partition("?")
    if "://" in path:
        path = urlsplit(path).path
    parts = [p for p in path.split("/") if p]
    if len(parts) >= 2 and parts[-2] in RESOURCE_TYPES:
        return parts[-2], parts[-1], query or None
    if parts and parts[-1] in RESOURCE_TYPES:
        return parts[-1], None, query or None
    raise InvalidRequest(
        f"Cannot resolve request.url {entry.url!r}.", expression=[f"{entry.where}.request.url"]
    )


def _references(value: Any, path: str) -> Iterator[tuple[dict[str, Any], str]]:
    """(the element holding it, its path) of every string `reference`, at any depth."""
    if isinstance(value, dict):
        for key, item in value.items():
            if key == "reference" and isinstance(item, str):
                yield value, f"{path}.reference"
            else:
                yield from _references(item, f"{path}.{key}")
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _references(item, f"{path}[{index}]")


def placeholders(resource: Any) -> set[str]:
    """The `urn:uuid:` / `urn:oid:` references a resource holds."""
    return {
        element["reference"]
        for element, _ in _references(resource, "")
        if element["reference"].startswith(PLACEHOLDERS)
    }


def rewrite(entry: Entry, mapping: dict[str, str], resolve: Callable[[str], str]) -> dict[str, Any]:
    """The entry's resource with its references rewritten (in place): fullUrls of the
    bundle's entries through `mapping`, conditional references through `resolve`;
    InvalidRequest for a placeholder that names no entry."""
    resource: dict[str, Any] = entry.resource
    for element, path in _references(resource, f"{entry.where}.resource"):
        reference = element["reference"]
        if reference in mapping:
            element["reference"] = mapping[reference]
        elif reference.startswith(PLACEHOLDERS):
            raise InvalidRequest(
                f"The reference {reference!r} names no entry of this Bundle "
                "(a urn:uuid: or urn:oid: reference must be the fullUrl of an entry "
                "created in the same Bundle).",
                expression=[path],
            )
        elif "?" in reference and not reference.startswith(("http:", "https:", "urn:")):
            element["reference"] = resolve(reference)
    return resource


def batch_order(entries: list[Entry], by_url: dict[str, int]) -> tuple[list[Entry], list[Entry]]:
    """(the entries in the order DELETE, POST, PUT, GET, each after the entries whose
    fullUrl it refers to (`by_url`: fullUrl -> entry index); the entries left out because
    their references go round in a circle or wait on such a circle)."""
    at = {e.index: e for e in entries}
    waits = {e.index: {by_url[u] for u in placeholders(e.resource) if u in by_url} for e in entries}
    dependants: dict[int, list[int]] = defaultdict(list)
    for index, targets in waits.items():
        targets.discard(index)
        for other in targets:
            dependants[other].append(index)
    ready = [(ORDER[e.method], e.index) for e in entries if not waits[e.index]]
    heapq.heapify(ready)
    ordered = []
    while ready:
        _, index = heapq.heappop(ready)
        ordered.append(at[index])
        for other in dependants[index]:
            waits[other].discard(index)
            if not waits[other]:
                heapq.heappush(ready, (ORDER[at[other].method], other))
    return ordered, [at[index] for index, targets in waits.items() if targets]
