"""The FHIR REST API under /fhir (thin: parse, call one service, render).

Only this layer reads the request: each view determines the server's FHIR base
(`server_base`) once and passes it down to what renders absolute URLs (bundles'
fullUrls and links, transaction responses, Location headers, the CapabilityStatement)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import Blueprint, Flask, Response, request

from core.access import current_actor, public, requires
from core.web import csrf, register_error_renderer
from health.fhir import bundles, services
from health.fhir.capability import capability_statement
from health.fhir.compartments import compartment_search
from health.fhir.errors import FhirProblem, InvalidRequest
from health.fhir.everything import everything as patient_everything
from health.fhir.incoming import parse_body
from health.fhir.negotiation import check_fhir_version, not_modified, preferred_body
from health.fhir.outcome import (
    FHIR_JSON_UTF8,
    NotAcceptable,
    UnsupportedMediaType,
    outcome_response,
    problem_response,
)
from health.fhir.query import MAX_COUNT, as_of
from health.fhir.resource_types import RESOURCE_TYPES, whole_number
from health.fhir.store import Stored, instant
from health.fhir.subset import applied, for_read
from health.fhir.support import lenient
from health.fhir.systemsearch import system_search
from health.fhir.transaction import process
from health.permissions import HealthPermission

bp = Blueprint("fhir", __name__, url_prefix="/fhir")
ACCEPTED = ("application/fhir+json", "application/json", "*/*", "application/*", "")
FORMATS = ("json", "application/json", "application/fhir+json")
READ, WRITE = HealthPermission.READ, HealthPermission.WRITE


def negotiate_accept() -> None:
    """406 unless the client accepts JSON of FHIR R4 (`_format`, Accept, fhirVersion)."""
    wanted = request.args.get("_format")
    if wanted is not None and wanted not in FORMATS:
        raise NotAcceptable("Only JSON is served (_format=json).", code="not-supported")
    accept = request.headers.get("Accept", "")
    if accept and not any(item.split(";")[0].strip() in ACCEPTED for item in accept.split(",")):
        raise NotAcceptable("Only application/fhir+json is served.", code="not-supported")
    check_fhir_version(accept, request.headers.get("Content-Type", ""))


@bp.before_request
def _negotiate() -> None:
    negotiate_accept()
    if request.method in ("POST", "PUT") and not request.path.endswith("/_search"):
        kind = (request.mimetype or "").lower()
        if kind not in ("application/fhir+json", "application/json"):
            raise UnsupportedMediaType("Send application/fhir+json.", code="not-supported")


def server_base() -> str:
    """This server's FHIR base as the client reached it."""
    return request.url_root.rstrip("/") + "/fhir"


def respond(body: str | None, status: int = 200, stored: Stored | None = None) -> Response:
    response = Response(body or "", status=status, content_type=FHIR_JSON_UTF8)
    if stored is not None:
        response.headers["ETag"] = stored.etag
        response.headers["Last-Modified"] = bundles.http_date(stored)
    return response


def _body() -> Any:
    return parse_body(request.get_data())


def written(stored: Stored, status: int, base_url: str) -> Response:
    """The answer to a create, update or patch: its body as `Prefer: return=` asks."""
    done = "Created" if status == 201 else "Updated"
    message = f"{done} {stored.reference} (version {stored.version})."
    body = preferred_body(request.headers.getlist("Prefer"), stored, message)
    response = respond(body, status, stored)
    location = f"{base_url}/{stored.reference}/_history/{stored.version}"
    response.headers["Location"] = location
    return response


def read_response(stored: Stored, text: str | None) -> Response:
    """A read's answer (`text`: the resource as `_summary`/`_elements` shape it): 304
    (no body) when the conditional read's headers hold."""
    headers = request.headers
    if not_modified(stored, headers.get("If-None-Match"), headers.get("If-Modified-Since")):
        return respond(None, 304, stored)
    return respond(text, 200, stored)


# --- capabilities --------------------------------------------------------------------


@bp.get("/metadata")
@public
def metadata() -> Response:
    return respond(capability_statement(server_base()))


# --- instance level ------------------------------------------------------------------


@bp.get("/<resource_type>/<resource_id>")
@requires(READ)
def read(resource_type: str, resource_id: str) -> Response:
    subset = for_read(resource_type, list(request.args.items(multi=True)))
    stored = services.read(
        actor=current_actor(), resource_type=resource_type, resource_id=resource_id
    )
    return read_response(stored, applied([stored], subset)[0].text)


@bp.get("/<resource_type>/<resource_id>/_history/<version>")
@requires(READ)
def vread(resource_type: str, resource_id: str, version: str) -> Response:
    subset = for_read(resource_type, list(request.args.items(multi=True)))
    stored = services.vread(
        actor=current_actor(),
        resource_type=resource_type,
        resource_id=resource_id,
        version=version,
    )
    return read_response(stored, applied([stored], subset)[0].text)


@bp.put("/<resource_type>/<resource_id>")
@requires(WRITE)
def update(resource_type: str, resource_id: str) -> Response:
    stored, created = services.update(
        actor=current_actor(),
        resource_type=resource_type,
        resource_id=resource_id,
        document=_body(),
        if_match=request.headers.get("If-Match"),
    )
    return written(stored, 201 if created else 200, server_base())


@bp.delete("/<resource_type>/<resource_id>")
@requires(WRITE)
def delete(resource_type: str, resource_id: str) -> Response:
    stored = services.delete(
        actor=current_actor(), resource_type=resource_type, resource_id=resource_id
    )
    return deleted(stored)


def deleted(stored: Stored | None) -> Response:
    """204, with the tombstone's ETag when something was deleted."""
    response = respond(None, 204)
    if stored is not None:
        response.headers["ETag"] = stored.etag
    return response


# --- type level ----------------------------------------------------------------------


@bp.post("/<resource_type>")
@requires(WRITE)
def create(resource_type: str) -> Response:
    stored, created = services.create(
        actor=current_actor(),
        resource_type=resource_type,
        document=_body(),
        if_none_exist=request.headers.get("If-None-Exist"),
    )
    return written(stored, 201 if created else 200, server_base())


def _search(resource_type: str, params: list[tuple[str, str]]) -> Response:
    strict = not lenient(", ".join(request.headers.getlist("Prefer")))
    result = services.search(
        actor=current_actor(), resource_type=resource_type, params=params, strict=strict
    )
    return respond(bundles.searchset(server_base(), resource_type, result))


@bp.get("/<resource_type>")
@requires(READ)
def search_type(resource_type: str) -> Response:
    return _search(resource_type, list(request.args.items(multi=True)))


@bp.post("/<resource_type>/_search")
@requires(READ)
def search_post(resource_type: str) -> Response:
    kind = (request.mimetype or "").lower()
    if kind not in ("application/x-www-form-urlencoded", ""):
        raise UnsupportedMediaType("POST _search takes application/x-www-form-urlencoded.")
    params = list(request.args.items(multi=True)) + list(request.form.items(multi=True))
    return _search(resource_type, params)


# a compartment's type: a resource type (so `/Patient/{id}/_history` stays history)
COMPARTMENT_TYPE = "any(" + ", ".join(sorted(RESOURCE_TYPES)) + "):resource_type"


@bp.get(f"/Patient/<resource_id>/<{COMPARTMENT_TYPE}>")
@requires(READ)
def search_compartment(resource_id: str, resource_type: str) -> Response:
    result = compartment_search(
        actor=current_actor(),
        patient_id=resource_id,
        resource_type=resource_type,
        params=list(request.args.items(multi=True)),
        strict=not lenient(request.headers.get("Prefer", "")),
    )
    path = f"Patient/{resource_id}/{resource_type}"
    return respond(bundles.searchset(server_base(), path, result))


@bp.get("")
@bp.get("/")
@requires(READ)
def search_system() -> Response:
    page = system_search(
        actor=current_actor(),
        params=list(request.args.items(multi=True)),
        strict=not lenient(request.headers.get("Prefer", "")),
    )
    base_url = server_base()
    keep = [*page.used, ("_count", str(page.count))]
    shown, total = len(page.matches), page.total
    links = bundles.offset_links(base_url, "", keep, page.count, page.offset, shown, total)
    entries = [bundles.search_entry(base_url, item, "match") for item in page.matches]
    if page.dropped:
        issues = [bundles.dropped_warning(name, why) for name, why in page.dropped]
        entries.append(bundles.outcome_entry(issues))
    return respond(bundles.bundle("searchset", entries, total=total, links=links))


# --- history -------------------------------------------------------------------------


def _paging(default_count: str, args: Mapping[str, str] | None = None) -> tuple[int, int]:
    """(`_count` capped at MAX_COUNT, `_offset`) of an offset-paged interaction."""
    args = request.args if args is None else args
    count = whole_number(args.get("_count", default_count))
    offset = whole_number(args.get("_offset", "0"))
    if count is None or offset is None:
        raise InvalidRequest("_count and _offset are whole numbers.", expression=["_count"])
    return min(count, MAX_COUNT), offset


def _history(path: str, resource_type: str | None, resource_id: str | None) -> Response:
    args = request.args
    count, offset = _paging("20")
    items, total, at = services.history(
        actor=current_actor(),
        resource_type=resource_type,
        resource_id=resource_id,
        since=as_of(args.get("_since")),
        at=as_of(args.get("_at")),
        count=count,
        offset=offset,
    )
    keep = [("_count", str(count)), ("_at", instant(at))]
    if args.get("_since"):
        keep.insert(0, ("_since", args["_since"]))
    base_url = server_base()
    links = bundles.offset_links(base_url, path, keep, count, offset, len(items), total)
    entries = [bundles.history_entry(base_url, item) for item in items]
    return respond(bundles.bundle("history", entries, total=total, links=links))


@bp.get("/_history")
@requires(READ)
def history_system() -> Response:
    return _history("_history", None, None)


@bp.get("/<resource_type>/_history")
@requires(READ)
def history_type(resource_type: str) -> Response:
    return _history(f"{resource_type}/_history", resource_type, None)


@bp.get("/<resource_type>/<resource_id>/_history")
@requires(READ)
def history_instance(resource_type: str, resource_id: str) -> Response:
    return _history(f"{resource_type}/{resource_id}/_history", resource_type, resource_id)


@bp.post("")
@bp.post("/")
@requires(READ)
def transaction() -> Response:
    return respond(process(actor=current_actor(), bundle=_body(), base_url=server_base()))


@bp.get("/Patient/<resource_id>/$everything")
@requires(READ)
def everything(resource_id: str) -> Response:
    return everything_response(resource_id, request.args)


def everything_response(resource_id: str, args: Mapping[str, str]) -> Response:
    """Patient/$everything with these parameters (a GET's query, a POST's form or
    Parameters)."""
    count, offset = _paging("50", args)
    items, total = patient_everything(
        actor=current_actor(),
        patient_id=resource_id,
        start=as_of(args.get("start"), name="start"),
        end=as_of(args.get("end"), end=True, name="end"),
        since=as_of(args.get("_since"), name="_since"),
        types=[t for t in args.get("_type", "").split(",") if t],
        count=count,
        offset=offset,
    )
    path = f"Patient/{resource_id}/$everything"
    keep = [(k, args[k]) for k in ("start", "end", "_since", "_type") if args.get(k)]
    keep.append(("_count", str(count)))
    base_url = server_base()
    links = bundles.offset_links(base_url, path, keep, count, offset, len(items), total)
    entries = [bundles.search_entry(base_url, item, "match") for item in items]
    return respond(bundles.bundle("searchset", entries, total=total, links=links))


@bp.errorhandler(FhirProblem)
def _problem(err: FhirProblem) -> Response:
    """The domain errors of the store, search and services: status and OperationOutcome."""
    return problem_response(err)


def init_app(app: Flask) -> None:
    csrf.exempt(bp)
    app.register_blueprint(bp)
    register_error_renderer("/fhir", outcome_response)
