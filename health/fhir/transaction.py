"""POST /fhir with a batch or transaction Bundle (and the importer's path in).

A client's Bundle holds at most FHIR_MAX_BUNDLE_ENTRIES entries (default 1000, stated in
the CapabilityStatement): a larger one is refused with a 413 before any entry is read.

Transaction: all or nothing, in one unit of work. Entries run DELETE, POST, PUT/PATCH
(`health.fhir.patching`), GET; conditional PUT/DELETE/PATCH (`health.fhir.conditional`),
fullUrls (`urn:uuid:…`) and conditional references (`Patient?identifier=…`)
are resolved first and rewritten wherever a resource holds a reference
(`health.fhir.entries`); a `urn:uuid:` reference naming no entry, or a fullUrl two
entries share, fails the transaction with a 400. Conditional writes lock their
condition first (`health.fhir.locks`). The writes go to the store in one `write_many`
(executemany per table). Any failure rolls everything back and answers with the failing
entry's OperationOutcome.

Batch: each write entry in a unit of work of its own, in the same order, but an entry
that refers to another one's fullUrl runs after it and gets its `Type/id`; when that
entry failed (or the references go round in a circle), the referring entry fails with a
400 and the others proceed. The GET entries run last, together in one unit of work.
Every write is checked by `health.fhir.guard` (restricted labels, facility scope).

Audit: the writes of a unit are one entry per patient (tag `health:fhir:transaction`);
each GET entry is audited by the read or search it runs, and nothing more (1,000 GET
entries: 1,000 read entries, committed and sealed together, under a second).
"""

from __future__ import annotations

import json
import logging
from typing import Any
from urllib.parse import parse_qsl

from core.access import authorize
from core.actor import Actor
from core.db import is_unavailable, unit_of_work
from core.errors import DomainError
from health.audit_tags import HealthAuditTag, HealthSubject
from health.fhir import bundles, guard, incoming, locks, services, store, writes
from health.fhir.conditional import entry_target
from health.fhir.entries import (
    CONDITIONAL,
    ORDER,
    Entry,
    batch_order,
    check_once,
    check_size,
    duplicate,
    duplicated,
    entries_of,
    entry_of,
    placeholders,
    raw_entries,
    rewrite,
    target,
)
from health.fhir.entry_writes import write_entries
from health.fhir.errors import FhirProblem, InvalidRequest, PreconditionFailed
from health.fhir.outcome import issue_for, issues_of, operation_outcome
from health.fhir.patching import operations_of, pending_patch
from health.fhir.store import Stored, instant
from health.fhir.subset import applied, for_read
from health.fhir.writes import Pending
from health.permissions import HealthPermission

log = logging.getLogger("custodia.fhir")
STATUS_TEXT = {200: "200 OK", 201: "201 Created", 204: "204 No Content"}


def _fail(entry: Entry, err: FhirProblem) -> FhirProblem:
    return err.within(entry.where)


def run_transaction(
    actor: Actor,
    bundle: dict[str, Any],
    *,
    base_url: str,
    interaction: HealthAuditTag = HealthAuditTag.TRANSACTION,
) -> list[dict[str, Any]]:
    """Responses per entry (in the bundle's order); raises on the first failure.
    `base_url`: the server's FHIR base, for the fullUrls of GET entries' searchsets."""
    return run_entries(actor, entries_of(bundle), base_url=base_url, interaction=interaction)


def run_entries(
    actor: Actor,
    entries: list[Entry],
    *,
    base_url: str,
    interaction: HealthAuditTag = HealthAuditTag.TRANSACTION,
    known: dict[str, str] | None = None,
) -> list[dict[str, Any]]:
    """Run `entries` as one transaction in the caller's unit of work (responses in their
    order). `known`: fullUrls of entries written before (a batch's) and their `Type/id`."""
    responses: dict[int, dict[str, Any]] = {}
    mapping: dict[str, str] = dict(known or {})
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
    locks.lock_conditions(_conditions(ordered))
    _assign_ids(actor, ordered, mapping, responses)
    prefetched = store.current_for_update(_put_keys(ordered, responses))
    for entry in ordered:
        if entry.index in responses:
            continue
        try:
            _prepare(actor, entry, mapping, resolve, pendings, responses, prefetched)
        except FhirProblem as err:
            raise _fail(entry, err) from None
    check_once([(e, p.resource_type, p.id) for e, p in pendings])
    guard.check_entries(actor, [(e.where, p) for e, p in pendings])  # labels and scope
    written = write_entries(pendings)  # a refused reference names its entry
    for (entry, _), stored in zip(pendings, written, strict=True):
        status = 201 if entry.method == "POST" or stored.version == 1 else 200
        responses[entry.index] = _response(stored, 204 if stored.is_deleted else status)
    touched = _stored(responses)
    reads = [e for e in ordered if e.method in ("GET", "HEAD")]
    if touched or not reads:  # a GET entry is audited by its own read or search
        services.audit_access(actor, interaction, touched, default=HealthSubject.BUNDLE)
    for entry in reads:
        try:
            responses[entry.index] = _get(actor, entry, base_url)
        except FhirProblem as err:
            raise _fail(entry, err) from None
    return [responses[e.index] for e in entries]


def _assign_ids(
    actor: Actor, ordered: list[Entry], mapping: dict[str, str], responses: dict[int, Any]
) -> None:
    """First pass: an id for every POST (its `ifNoneExist` match, answered at once, or a
    new one) and PUT, mapped from its fullUrl. Two entries that would create on the same
    condition are a 400 (the second would duplicate the first)."""
    creating: dict[str, int] = {}
    for entry in ordered:
        try:
            rtype, rid, query = target(entry)
            if rid is None and query and entry.method in CONDITIONAL:
                rid = entry_target(actor, entry.method, rtype, query, entry.resource)
                if rid is None:  # a conditional delete that matches nothing
                    responses[entry.index] = {"status": "204 No Content"}
                    continue
                entry.url = f"{rtype}/{rid}"
            if entry.method == "POST" and entry.if_none_exist:
                found = services.conditional_match(actor, rtype, entry.if_none_exist)
                if found is not None:
                    responses[entry.index] = _response(found, 200)
                    if entry.full_url:
                        mapping[entry.full_url] = found.reference
                    continue
                condition = locks.normalised(rtype, entry.if_none_exist)
                if condition in creating:
                    raise InvalidRequest(
                        f"Bundle.entry[{creating[condition]}] already creates on the "
                        f"condition {entry.if_none_exist!r}.",
                        expression=[f"{entry.where}.request.ifNoneExist"],
                    )
                creating[condition] = entry.index
            if entry.method == "POST":
                rid = writes.new_id()
            if entry.method in ("POST", "PUT") and entry.full_url and rid:
                mapping[entry.full_url] = f"{rtype}/{rid}"
        except FhirProblem as err:
            raise _fail(entry, err) from None


def _conditions(entries: list[Entry]) -> list[tuple[str, str]]:
    """(type, condition) of every conditional create, update, patch and delete, to lock
    before any is matched."""
    found = []
    for entry in entries:
        try:
            rtype, rid, query = target(entry)
        except FhirProblem:
            continue  # reported in the first pass
        if entry.method == "POST" and entry.if_none_exist:
            found.append((rtype, entry.if_none_exist))
        elif entry.method in CONDITIONAL and rid is None and query:
            found.append((rtype, query))
    return found


def _put_keys(entries: list[Entry], responses: dict[int, dict[str, Any]]) -> list[tuple[str, str]]:
    """(type, id) of every PUT or PATCH whose URL names both, read in one query."""
    keys = []
    for entry in entries:
        if entry.method in ("PUT", "PATCH") and entry.index not in responses:
            try:
                rtype, rid, _query = target(entry)
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
    rtype, rid, _query = target(entry)
    if entry.method in CONDITIONAL and rid is None:
        raise InvalidRequest(f"{entry.method} needs Type/id or Type?search-parameters.")
    if entry.method in ("POST", "PUT"):
        if not isinstance(entry.resource, dict):
            raise InvalidRequest(
                "POST and PUT entries need a resource.", expression=[f"{entry.where}.resource"]
            )
        rewrite(entry, mapping, resolve)
    if entry.method == "POST":
        authorize(actor, HealthPermission.WRITE, subject_type=rtype)
        pending = incoming.pending_create(rtype, entry.resource)
        pending.id = mapping.get(entry.full_url or "", f"/{pending.id}").split("/")[-1]
    elif entry.method == "PUT" and rid is not None:
        authorize(actor, HealthPermission.WRITE, subject_type=rtype, subject_id=rid)
        entry.resource.setdefault("id", rid)
        pending = incoming.pending_update(rtype, rid, entry.resource, entry.if_match, prefetched)
    elif entry.method == "PATCH" and rid is not None:
        authorize(actor, HealthPermission.WRITE, subject_type=rtype, subject_id=rid)
        if (current := prefetched.get((rtype, rid))) is not None:  # before any 412
            guard.check_write(actor, Pending(rtype, rid, None, "PATCH", current))
        operations = operations_of(entry.resource, entry.where)
        pending = pending_patch(rtype, rid, operations, entry.if_match, prefetched)
    elif entry.method == "DELETE" and rid is not None:
        authorize(actor, HealthPermission.WRITE, subject_type=rtype, subject_id=rid)
        deletion = incoming.pending_delete(rtype, rid)
        if deletion is None:
            responses[entry.index] = {"status": "204 No Content"}
            return
        pending = deletion
    else:
        return
    pendings.append((entry, pending))


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
    rtype, rid, query = target(entry)
    params = parse_qsl(query or "", keep_blank_values=True)
    if rid is not None:
        subset = for_read(rtype, params)
        stored = services.read(actor=actor, resource_type=rtype, resource_id=rid)
        text = applied([stored], subset)[0].text
        return {"status": "200 OK", "etag": stored.etag, "_resource": text}
    result = services.search(actor=actor, resource_type=rtype, params=params)
    matches = applied(result.matches, result.query.subset)
    entries = [bundles.search_entry(base_url, m, "match") for m in matches]
    searchset = bundles.bundle("searchset", entries, total=result.total)
    return {"status": "200 OK", "_resource": searchset}


def _error_response(err: FhirProblem) -> dict[str, Any]:
    return {"status": str(err.status), "outcome": operation_outcome(issues_of(err))}


def run_batch(actor: Actor, bundle: dict[str, Any], *, base_url: str) -> list[dict[str, Any]]:
    """Responses per entry (in the bundle's order), each entry in its own unit of work;
    an entry referring to another's fullUrl runs after it (see the module's text)."""
    raws = raw_entries(bundle)
    out: dict[int, dict[str, Any]] = {}
    entries: list[Entry] = []
    for index, raw in enumerate(raws):
        try:
            entries.append(entry_of(index, raw))
        except FhirProblem as err:
            out[index] = _error_response(err)
    shared = duplicated(entries)
    for entry in entries:
        if entry.full_url in shared:
            out[entry.index] = _error_response(duplicate(entry))
    live = [e for e in entries if e.index not in out]
    by_url = {e.full_url: e.index for e in live if e.full_url and e.method in ("POST", "PUT")}
    written: dict[str, str] = {}  # fullUrl -> Type/id of the entries that succeeded
    reads = [e for e in live if e.method in ("GET", "HEAD")]
    changes = [e for e in live if e.method not in ("GET", "HEAD")]
    ordered, circling = batch_order(changes, by_url)
    for entry in circling:
        message = "Its references to other entries go round in a circle: use a transaction."
        out[entry.index] = _invalid(entry, message)
    for entry in ordered:
        others = (
            u for u in placeholders(entry.resource) if by_url.get(u, entry.index) != entry.index
        )
        failed = sorted(u for u in others if u not in written)
        if failed:
            where = f"Bundle.entry[{by_url[failed[0]]}]"
            out[entry.index] = _invalid(
                entry, f"It refers to {failed[0]!r} ({where}), which failed."
            )
            continue
        out[entry.index] = _run_one(actor, entry, base_url, written)
        stored = out[entry.index].get("_stored")
        if entry.full_url and stored is not None:
            written[entry.full_url] = stored.reference
    _read_all(actor, reads, base_url, out)
    return [out[index] for index in range(len(raws))]


def _invalid(entry: Entry, message: str) -> dict[str, Any]:
    err = InvalidRequest(message, expression=[f"{entry.where}.resource"])
    return _error_response(_fail(entry, err))


def _read_all(
    actor: Actor, reads: list[Entry], base_url: str, out: dict[int, dict[str, Any]]
) -> None:
    """The batch's GET entries, after its writes, in one unit of work: each read or
    search writes its own audit entries into it, committed (and sealed) once. A refused
    or failed read answers its entry; a database error fails the request (nothing read
    is handed out unaudited)."""
    with unit_of_work():
        for entry in reads:
            try:
                out[entry.index] = _get(actor, entry, base_url)
            except FhirProblem as err:
                out[entry.index] = _error_response(_fail(entry, err))
            except DomainError as err:  # Forbidden: the denial is already audited
                outcome = operation_outcome([issue_for(err.status, err.message)])
                out[entry.index] = {"status": str(err.status), "outcome": outcome}


def _run_one(actor: Actor, entry: Entry, base_url: str, known: dict[str, str]) -> dict[str, Any]:
    """One write entry of a batch, in a unit of work of its own."""
    try:
        with unit_of_work():
            return run_entries(actor, [entry], base_url=base_url, known=known)[0]
    except FhirProblem as err:
        return _error_response(err)
    except Exception as err:  # a Forbidden or a database conflict ends only this entry
        if is_unavailable(err):
            raise  # an outage ends the whole batch: 503, not one 500 per entry
        log.warning("batch entry failed", exc_info=True)
        status = getattr(err, "status", 500)
        message = getattr(err, "message", "The entry failed.")
        return {"status": str(status), "outcome": operation_outcome([issue_for(status, message)])}


def process(*, actor: Actor, bundle: Any, base_url: str) -> str:
    """A batch-response or transaction-response Bundle, as JSON text (`base_url`: the
    server's FHIR base the client reached, for absolute URLs in the responses)."""
    authorize(actor, HealthPermission.READ, subject_type=HealthSubject.BUNDLE)
    if not isinstance(bundle, dict) or bundle.get("resourceType") != "Bundle":
        raise InvalidRequest("POST /fhir takes a Bundle.", expression=["Bundle"])
    check_size(bundle)
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
