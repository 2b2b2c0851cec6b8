"""The FHIR REST interactions beyond read, write and search (thin, as `rest` is): PATCH,
conditional update and delete, `$validate`, and `$everything` called with POST.

A blueprint of its own under /fhir, beside `rest`'s: it negotiates as `rest` does
(`rest.negotiate_accept`: JSON, FHIR R4) and answers every FHIR error with an
OperationOutcome."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Flask, Response, request

from core.access import current_actor, requires
from core.web import csrf
from health.fhir import conditional, patching
from health.fhir.errors import FhirProblem
from health.fhir.incoming import parse_body
from health.fhir.operations import parameters_of, validate_resource
from health.fhir.outcome import UnsupportedMediaType, problem_response
from health.fhir.rest import (
    deleted,
    everything_response,
    negotiate_accept,
    respond,
    server_base,
    written,
)
from health.permissions import HealthPermission

bp = Blueprint("fhir_interactions", __name__, url_prefix="/fhir")
READ, WRITE = HealthPermission.READ, HealthPermission.WRITE
FHIR_BODIES = ("application/fhir+json", "application/json")
PATCH_BODIES = (patching.JSON_PATCH, patching.MERGE_PATCH, *FHIR_BODIES)
FORM = "application/x-www-form-urlencoded"


def _takes(*kinds: str) -> None:
    if (request.mimetype or "").lower() not in kinds:
        raise UnsupportedMediaType(f"Send {' or '.join(kinds)}.", code="not-supported")


@bp.before_request
def _negotiate() -> None:
    negotiate_accept()
    if request.method == "PATCH":
        _takes(*PATCH_BODIES)
    elif request.method == "POST" and request.path.endswith("/$everything"):
        if request.content_length or request.mimetype:  # no body: no parameters (fhirpy)
            _takes(FORM, *FHIR_BODIES)
    elif request.method in ("POST", "PUT"):
        _takes(*FHIR_BODIES)


def _body() -> Any:
    return parse_body(request.get_data())


def _condition() -> str:
    """The query string of a conditional update or delete (without `_format`)."""
    return "&".join(
        part
        for part in request.query_string.decode("utf-8", "replace").split("&")
        if part and not part.startswith("_format=")
    )


@bp.patch("/<resource_type>/<resource_id>")
@requires(WRITE)
def patch(resource_type: str, resource_id: str) -> Response:
    operations = _body()
    patching.check_kind((request.mimetype or "").lower(), operations)
    stored = patching.patch(
        actor=current_actor(),
        resource_type=resource_type,
        resource_id=resource_id,
        operations=operations,
        if_match=request.headers.get("If-Match"),
    )
    return written(stored, 200, server_base())


@bp.put("/<resource_type>")
@requires(WRITE)
def conditional_update(resource_type: str) -> Response:
    stored, created = conditional.update(
        actor=current_actor(),
        resource_type=resource_type,
        condition=_condition(),
        document=_body(),
        if_match=request.headers.get("If-Match"),
    )
    return written(stored, 201 if created else 200, server_base())


@bp.delete("/<resource_type>")
@requires(WRITE)
def conditional_delete(resource_type: str) -> Response:
    stored = conditional.delete(
        actor=current_actor(), resource_type=resource_type, condition=_condition()
    )
    return deleted(stored)


@bp.post("/Patient/<resource_id>/$everything")
@requires(READ)
def everything(resource_id: str) -> Response:
    if request.mimetype == FORM:
        params = list(request.form.items(multi=True))
    elif not request.get_data():
        params = []
    else:
        params = parameters_of(_body())
    args = {**dict(params), **request.args.to_dict()}
    return everything_response(resource_id, args)


@bp.post("/<resource_type>/$validate")
@requires(READ)
def validate_type(resource_type: str) -> Response:
    return respond(
        validate_resource(actor=current_actor(), resource_type=resource_type, body=_body())
    )


@bp.post("/<resource_type>/<resource_id>/$validate")
@requires(READ)
def validate_instance(resource_type: str, resource_id: str) -> Response:
    outcome = validate_resource(
        actor=current_actor(), resource_type=resource_type, body=_body(), resource_id=resource_id
    )
    return respond(outcome)


@bp.errorhandler(FhirProblem)
def _problem(err: FhirProblem) -> Response:
    return problem_response(err)


def init_app(app: Flask) -> None:
    csrf.exempt(bp)
    app.register_blueprint(bp)
