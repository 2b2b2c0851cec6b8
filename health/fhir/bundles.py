"""Bundles out: searchset and history bundles assembled from stored JSON text (the
stored documents are spliced in, never parsed and re-serialised), with their paging
links. `base_url` is this server's FHIR base as the client reached it: the REST layer
determines it once per request and passes it in (the fullUrls and links are absolute)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from email.utils import format_datetime
from typing import Any
from urllib.parse import urlencode

from health.fhir.keyset import keyed
from health.fhir.query import Query
from health.fhir.search import SearchResult, includes_cut_warning
from health.fhir.store import Stored, instant
from health.fhir.subset import applied


def http_date(stored: Stored) -> str:
    return format_datetime(stored.last_updated, usegmt=True)


def _j(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"))


def link(base_url: str, path: str, params: Sequence[tuple[str, str]]) -> str:
    query = urlencode(list(params))
    return f"{base_url}/{path}" + (f"?{query}" if query else "")


def bundle(
    kind: str,
    entries: Sequence[str],
    *,
    total: int | None = None,
    links: Sequence[tuple[str, str]] = (),
) -> str:
    head: dict[str, Any] = {"resourceType": "Bundle", "type": kind}
    if total is not None:
        head["total"] = total
    if links:
        head["link"] = [{"relation": rel, "url": url} for rel, url in links]
    text = _j(head)[:-1]
    return text + ',"entry":[' + ",".join(entries) + "]}" if entries else text + "}"


def search_entry(base_url: str, stored: Stored, mode: str) -> str:
    return (
        f'{{"fullUrl":{_j(f"{base_url}/{stored.reference}")},"resource":{stored.text},'
        f'"search":{{"mode":"{mode}"}}}}'
    )


def history_entry(base_url: str, stored: Stored) -> str:
    request = {"method": stored.method, "url": stored.resource_type}
    if stored.method != "POST":
        request["url"] = stored.reference
    status = {"POST": "201 Created", "DELETE": "204 No Content"}.get(stored.method, "200 OK")
    response = {
        "status": status,
        "etag": stored.etag,
        "lastModified": instant(stored.last_updated),
    }
    resource = f',"resource":{stored.text}' if stored.text else ""
    return (
        f'{{"fullUrl":{_j(f"{base_url}/{stored.reference}")}{resource},'
        f'"request":{_j(request)},"response":{_j(response)}}}'
    )


def searchset(base_url: str, path: str, result: SearchResult) -> str:
    """A search's Bundle: its matches and includes, self / next / previous links that
    keep the parameters used (keyset cursors, `_offset` when sorted by several keys)."""
    query = result.query
    used = [(k, v) for k, v in query.used if k != "_count"] + [("_count", str(query.count))]
    links = [("self", link(base_url, path, [*used, *_cursor(query)]))]
    offset_paged = bool(query.sort) and not keyed(query.sort)
    if result.has_next and result.matches:
        if offset_paged:
            nxt = [("_offset", str(query.offset + query.count))]
        else:
            nxt = [("_after", result.cursors[1] if result.cursors else result.matches[-1].id)]
        links.append(("next", link(base_url, path, [*used, *nxt])))
    if result.has_previous and (result.matches or offset_paged):
        if offset_paged:
            prev = [("_offset", str(max(query.offset - query.count, 0)))]
        else:
            prev = [("_before", result.cursors[0] if result.cursors else result.matches[0].id)]
        links.append(("previous", link(base_url, path, [*used, *prev])))
    entries = [search_entry(base_url, m, "match") for m in applied(result.matches, query.subset)]
    entries += [
        search_entry(base_url, m, "include") for m in applied(result.included, query.subset)
    ]
    issues = [dropped_warning(name, why) for name, why in query.dropped]
    if result.includes_cut:
        issues.append(includes_cut_warning())
    if issues:
        outcome = {"resourceType": "OperationOutcome", "issue": issues}
        entries.append(f'{{"resource":{_j(outcome)},"search":{{"mode":"outcome"}}}}')
    return bundle("searchset", entries, total=result.total, links=links)


def outcome_entry(issues: Sequence[dict[str, Any]]) -> str:
    """A searchset entry (`search.mode` outcome) holding an OperationOutcome of `issues`."""
    outcome = {"resourceType": "OperationOutcome", "issue": list(issues)}
    return f'{{"resource":{_j(outcome)},"search":{{"mode":"outcome"}}}}'


def dropped_warning(name: str, why: str) -> dict[str, Any]:
    """The issue naming a parameter `Prefer: handling=lenient` dropped."""
    return {
        "severity": "warning",
        "code": "not-supported",
        "diagnostics": f"The parameter {name!r} was not applied (handling=lenient): {why}",
        "expression": [name],
    }


def _cursor(query: Query) -> list[tuple[str, str]]:
    cursor = [("_offset", str(query.offset))] if query.sort and query.offset else []
    if query.before is not None:
        return [*cursor, ("_before", query.before)]
    if query.after is not None:
        return [*cursor, ("_after", query.after)]
    return cursor


def offset_links(
    base_url: str,
    path: str,
    keep: list[tuple[str, str]],
    count: int,
    offset: int,
    shown: int,
    total: int,
) -> list[tuple[str, str]]:
    """self, and next / previous when there are more, for offset paging."""
    links = [("self", link(base_url, path, [*keep, ("_offset", str(offset))]))]
    if offset + shown < total:
        links.append(("next", link(base_url, path, [*keep, ("_offset", str(offset + count))])))
    if offset > 0:
        previous = str(max(offset - count, 0))
        links.append(("previous", link(base_url, path, [*keep, ("_offset", previous)])))
    return links
