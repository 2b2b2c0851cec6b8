"""POST /fhir with a batch or transaction Bundle (and the importer's path in).

Transaction: all or nothing, in one unit of work. Entries run in the order DELETE,
POST, PUT, GET; `urn:uuid:` fullUrls and conditional references (`Patient?identifier=…`)
are resolved first and rewritten in every resource of the bundle; the writes go to the
store in one `write_many` (executemany per table). Any failure rolls everything back
and answers with the failing entry's OperationOutcome. Batch: each entry on its own.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from core.access import authorize
from core.actor import Actor
from core.db import unit_of_work
from health.audit_tags import HealthAuditTag, HealthSubject
from health.fhir import bundles, incoming, scope, services, store, writes
from health.fhir.errors import FhirProblem, InvalidRequest, PreconditionFailed
from health.fhir.outcome import issue_for, issues_of, operation_outcome
from health.fhir.resource_types import RESOURCE_TYPES
from health.fhir.store import Stored, instant
from health.fhir.writes import Pending
from health.permissions import HealthPermission

log = logging.getLogger("custodia.fhir")
ORDER = {"DELETE": 0, "POST": 1, "PUT": 2, "GET": 3, "HEAD": 3}
STATUS_TEXT = {200: "200 OK", 201: "201 Created", 204: "204 No Content"}


@dataclass
class Entry:
    index: int
    method: str
    url: str
    full_url: str | None
    resource: Any
    if_none_exist: str | None
    if_match: str | None


def _entries(bundle: dict[str, Any]) -> list[Entry]:
    out = []
    for index, raw in enumerate(bundle.get("entry") or []):
        where = f"Bundle.entry[{index}]"
        request = raw.get("request") if isinstance(raw, dict) else None
        if not isinstance(request, dict) or request.get("method") not in ORDER:
            raise InvalidRequest(
                "Each entry needs request.method and request.url.",
                expression=[f"{where}.request"],
            )
        url = str(request.get("url") or "").strip("/")
        out.append(
            Entry(
                index,
                request["method"],
                url,
                raw.get("fullUrl"),
                raw.get("resource"),
                request.get("ifNoneExist"),
                request.get("ifMatch"),
            )
        )
    return out


def _target(entry: Entry) -> tuple[str, str | None, str | None]:
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
        f"Cannot resolve request.url {entry.url!r}.",
        expression=[f"Bundle.entry[{entry.index}].request.url"],
    )


def _rewrite(value: Any, mapping: dict[str, str], resolve: Any) -> Any:
    if isinstance(value, dict):
        for key, item in value.items():
            if key == "reference" and isinstance(item, str):
                if item in mapping:
                    value[key] = mapping[item]
                elif "?" in item and not item.startswith(("http:", "https:", "urn:")):
                    value[key] = resolve(item)
            else:
                _rewrite(item, mapping, resolve)
    elif isinstance(value, list):
        for item in value:
            _rewrite(item, mapping, resolve)
    return value


def _fail(entry: Entry, err: FhirProblem) -> FhirProblem:
    return err.within(f"Bundle.entry[{entry.index}]")


def run_transaction(
    actor: Actor,
    bundle: dict[str, Any],
    *,
    base_url: str,
    interaction: HealthAuditTag = HealthAuditTag.TRANSACTION,
) -> list[dict[str, Any]]:
    """Responses per entry (in the bundle's order); raises on the first failure.
    `base_url`: the server's FHIR base, for the fullUrls of GET entries' searchsets."""
    entries = _entries(bundle)
    responses: dict[int, dict[str, Any]] = {}
    mapping: dict[str, str] = {}
    cache: dict[str, str] = {}
    pendings: list[tuple[Entry, Pending]] = []

    def resolve(reference: str) -> str:
        if reference not in cache:
            rtype, _, query = reference.partition("?")
            found = services.conditional_match(actor, rtype, query)
            if found is None:
                raise PreconditionFailed(
                    f"The conditional reference {reference!r} matches nothing."
                )
            cache[reference] = found.reference
        return cache[reference]

    ordered = sorted(entries, key=lambda e: (ORDER[e.method], e.index))
    for entry in ordered:  # first pass: ids for every POST and PUT
        try:
            rtype, rid, _query = _target(entry)
            if entry.method == "POST":
                found = (
                    services.conditional_match(actor, rtype, entry.if_none_exist)
                    if entry.if_none_exist
                    else None
                )
                if found is not None:
                    responses[entry.index] = _response(found, 200)
                    if entry.full_url:
                        mapping[entry.full_url] = found.reference
                    continue
                rid = writes.new_id()
            if entry.method in ("POST", "PUT") and entry.full_url and rid:
                mapping[entry.full_url] = f"{rtype}/{rid}"
        except FhirProblem as err:
            raise _fail(entry, err) from None
    prefetched = store.current_for_update(_put_keys(ordered, responses))
    for entry in ordered:
        if entry.index in responses:
            continue
        try:
            _prepare(actor, entry, mapping, resolve, pendings, responses, prefetched)
        except FhirProblem as err:
            raise _fail(entry, err) from None
    scope.check_pending(actor, *(p for _, p in pendings))  # facility scope, every entry
    written = writes.write_many([p for _, p in pendings])
    for (entry, _), stored in zip(pendings, written, strict=True):
        status = 201 if entry.method == "POST" or stored.version == 1 else 200
        responses[entry.index] = _response(stored, 204 if stored.is_deleted else status)
    services.audit_access(actor, interaction, _stored(responses), default=HealthSubject.BUNDLE)
    for entry in ordered:
        if entry.method in ("GET", "HEAD"):
            try:
                responses[entry.index] = _get(actor, entry, base_url)
            except FhirProblem as err:
                raise _fail(entry, err) from None
    return [responses[e.index] for e in entries]


def _put_keys(entries: list[Entry], responses: dict[int, dict[str, Any]]) -> list[tuple[str, str]]:
    """(type, id) of every PUT whose URL names both, to check existence in one query."""
    keys = []
    for entry in entries:
        if entry.method == "PUT" and entry.index not in responses:
            try:
                rtype, rid, _query = _target(entry)
            except FhirProblem:
                continue  # reported when the entry is prepared
            if rid is not None:
                keys.append((rtype, rid))
    return keys


def _prepare(
    actor: Actor,
    entry: Entry,
    mapping: dict[str, str],
    resolve: Any,
    pendings: list[tuple[Entry, Pending]],
    responses: dict[int, dict[str, Any]],
    prefetched: dict[tuple[str, str], Stored],
) -> None:
    rtype, rid, _query = _target(entry)
    where = f"Bundle.entry[{entry.index}].resource"
    if entry.method in ("POST", "PUT"):
        if not isinstance(entry.resource, dict):
            raise InvalidRequest("POST and PUT entries need a resource.", expression=[where])
        _rewrite(entry.resource, mapping, resolve)
    if entry.method == "POST":
        authorize(actor, HealthPermission.WRITE, subject_type=rtype)
        pending = incoming.pending_create(rtype, entry.resource)
        pending.id = mapping.get(entry.full_url or "", f"/{pending.id}").split("/")[-1]
        pendings.append((entry, pending))
    elif entry.method == "PUT":
        authorize(actor, HealthPermission.WRITE, subject_type=rtype, subject_id=rid)
        if rid is None:
            raise InvalidRequest("PUT needs Type/id (conditional update is not supported).")
        entry.resource.setdefault("id", rid)
        pending = incoming.pending_update(rtype, rid, entry.resource, entry.if_match, prefetched)
        pendings.append((entry, pending))
    elif entry.method == "DELETE":
        authorize(actor, HealthPermission.WRITE, subject_type=rtype, subject_id=rid)
        if rid is None:
            raise InvalidRequest("DELETE needs Type/id (conditional delete is not supported).")
        deletion = incoming.pending_delete(rtype, rid)
        if deletion is None:
            responses[entry.index] = {"status": "204 No Content"}
        else:
            pendings.append((entry, deletion))


def _stored(responses: dict[int, dict[str, Any]]) -> list[Stored]:
    return [r["_stored"] for r in responses.values() if "_stored" in r]


def _response(stored: Stored, status: int) -> dict[str, Any]:
    return {
        "status": STATUS_TEXT.get(status, str(status)),
        "location": f"{stored.reference}/_history/{stored.version}",
        "etag": stored.etag,
        "lastModified": instant(stored.last_updated),
        "_stored": stored,
    }


def _get(actor: Actor, entry: Entry, base_url: str) -> dict[str, Any]:
    rtype, rid, query = _target(entry)
    if rid is not None:
        stored = services.read(actor=actor, resource_type=rtype, resource_id=rid)
        return {"status": "200 OK", "etag": stored.etag, "_resource": stored.text}
    params = parse_qsl(query or "", keep_blank_values=True)
    result = services.search(actor=actor, resource_type=rtype, params=params)
    entries = [bundles.search_entry(base_url, m, "match") for m in result.matches]
    searchset = bundles.bundle("searchset", entries, total=result.total)
    return {"status": "200 OK", "_resource": searchset}


def _error_response(err: FhirProblem) -> dict[str, Any]:
    return {"status": str(err.status), "outcome": operation_outcome(issues_of(err))}


def run_batch(actor: Actor, bundle: dict[str, Any], *, base_url: str) -> list[dict[str, Any]]:
    out = []
    for raw in bundle.get("entry") or []:
        single = {"resourceType": "Bundle", "type": "transaction", "entry": [raw]}
        try:
            with unit_of_work():
                out.extend(run_transaction(actor, single, base_url=base_url))
        except FhirProblem as err:
            out.append(_error_response(err))
        except Exception as err:  # a Forbidden or a database conflict ends only this entry
            log.warning("batch entry failed", exc_info=True)
            status = getattr(err, "status", 500)
            message = getattr(err, "message", "The entry failed.")
            out.append(
                {"status": str(status), "outcome": operation_outcome([issue_for(status, message)])}
            )
    return out


def process(*, actor: Actor, bundle: Any, base_url: str) -> str:
    """A batch-response or transaction-response Bundle, as JSON text (`base_url`: the
    server's FHIR base the client reached, for absolute URLs in the responses)."""
    authorize(actor, HealthPermission.READ, subject_type=HealthSubject.BUNDLE)
    if not isinstance(bundle, dict) or bundle.get("resourceType") != "Bundle":
        raise InvalidRequest("POST /fhir takes a Bundle.", expression=["Bundle"])
    kind = bundle.get("type")
    if kind == "transaction":
        with unit_of_work():
            responses = run_transaction(actor, bundle, base_url=base_url)
    elif kind == "batch":
        responses = run_batch(actor, bundle, base_url=base_url)
    else:
        raise InvalidRequest(
            "Bundle.type must be batch or transaction.", expression=["Bundle.type"]
        )
    return render(f"{kind}-response", responses)


def render(kind: str, responses: list[dict[str, Any]]) -> str:
    parts = []
    for response in responses:
        resource = response.get("_resource")
        clean = {k: v for k, v in response.items() if not k.startswith("_")}
        body = json.dumps({"response": clean}, separators=(",", ":"))
        if resource:
            body = '{"resource":' + resource + "," + body[1:]
        parts.append(body)
    return f'{{"resourceType":"Bundle","type":"{kind}","entry":[' + ",".join(parts) + "]}"
