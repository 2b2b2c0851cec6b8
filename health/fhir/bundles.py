"""Bundles out: searchset and history bundles assembled from stored JSON text (the
stored documents are spliced in, never parsed and re-serialised)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from email.utils import format_datetime
from typing import Any
from urllib.parse import urlencode

from flask import has_request_context, request

from health.fhir.store import Stored, instant


def base_url() -> str:
    """This server's FHIR base as the client reached it ("" outside a request)."""
    return request.url_root.rstrip("/") + "/fhir" if has_request_context() else ""


def http_date(stored: Stored) -> str:
    return format_datetime(stored.last_updated, usegmt=True)


def _j(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"))


def link(base: str, path: str, params: Sequence[tuple[str, str]]) -> str:
    query = urlencode(list(params))
    return f"{base}/{path}" + (f"?{query}" if query else "")


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


def search_entry(base: str, stored: Stored, mode: str) -> str:
    return (
        f'{{"fullUrl":{_j(f"{base}/{stored.reference}")},"resource":{stored.text},'
        f'"search":{{"mode":"{mode}"}}}}'
    )


def history_entry(base: str, stored: Stored) -> str:
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
        f'{{"fullUrl":{_j(f"{base}/{stored.reference}")}{resource},'
        f'"request":{_j(request)},"response":{_j(response)}}}'
    )
