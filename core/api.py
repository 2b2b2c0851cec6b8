"""The JSON API under /api/v1, documented by flask-smorest from marshmallow schemas.

Every error the API gives is declared in its OpenAPI document with the one error body,
`ErrorOut` (`ErrorResponses` adds them to each operation), so a client and the
schemathesis conformance test (tests/core/test_api_fuzz.py) can hold the API to it."""

from __future__ import annotations

from typing import Any

from apispec import BasePlugin
from flask import Flask
from flask_smorest import Api, Blueprint
from marshmallow import Schema, fields

from core.web import csrf

PUBLIC_ENDPOINTS = frozenset({"static", "api-docs.openapi_json"})
WRITES = frozenset({"post", "put", "patch", "delete"})


class RuleBrokenOut(Schema):
    rule = fields.String(required=True)
    message = fields.String(required=True)
    overridable = fields.Boolean(required=True)


class ErrorOut(Schema):
    """Every API error: a human message; on 422 the invalid fields and why; on 409 what
    the request conflicts with, where that helps the client."""

    message = fields.String(required=True)
    errors = fields.Dict(
        keys=fields.String(),
        values=fields.Raw(
            metadata={
                "description": "messages, or per item/sub-field for nested input",
                "oneOf": [{"type": "array", "items": {"type": "string"}}, {"type": "object"}],
            }
        ),
        metadata={"description": "422: field name → why it is not valid"},
    )
    field = fields.String(metadata={"description": "409: the field that conflicts"})
    rule = fields.String(metadata={"description": "409: the rule the request breaks"})
    rules = fields.List(fields.Nested(RuleBrokenOut), metadata={"description": "409: all of them"})
    existing_id = fields.String(metadata={"description": "409: the record already there"})
    duplicates = fields.List(
        fields.String(), metadata={"description": "409: ids of people who may be this one"}
    )


def _error(description: str, headers: dict[str, str] | None = None) -> dict[str, Any]:
    """A response with the one error body; `headers` it always carries (name → what)."""
    response: dict[str, Any] = {
        "description": description,
        "content": {"application/json": {"schema": "ErrorOut"}},
    }
    if headers:
        response["headers"] = {
            name: {"description": text, "required": True, "schema": {"type": "string"}}
            for name, text in headers.items()
        }
    return response


ERROR_RESPONSES: dict[str, dict[str, Any]] = {
    "400": _error("The body is not acceptable JSON (e.g. nested too deep)"),
    "401": _error("No valid bearer token", {"WWW-Authenticate": 'Bearer realm="custodia"'}),
    "403": _error("The token's user may not do this (role or facility scope)"),
    "404": _error("No such record, or not one this user may know about"),
    "409": _error("Conflicts with the current state (`field`, `rule`, `existing_id`)"),
    "413": _error("The body is larger than the limit"),
    "422": _error("Some fields are not valid (`errors` names them)"),
    "429": _error("Too many requests from this address; retry later"),
    "503": _error("The database is unavailable; retry later", {"Retry-After": "seconds"}),
}
METHOD_NOT_ALLOWED = _error(
    "The path exists but not with this method", {"Allow": "the methods the path takes"}
)


def errors_for(method: str, operation: dict[str, Any], path: str) -> list[str]:
    """The error statuses an operation can give: the platform's (`core.web`) by what the
    operation is: with a token or public, with a path id, a write."""
    statuses = ["503"]
    if operation.get("security") == []:  # public: rate-limited instead of a token
        statuses.append("429")
    else:
        statuses += ["401", "403"]
    if "{" in path:
        statuses.append("404")
    if method in WRITES:
        statuses += ["400", "409", "413", "422"]
    return statuses


class ErrorResponses(BasePlugin):
    """Declare on every operation the errors `errors_for` says it can give, unless the
    view documents its own (`@blueprint.alt_response`)."""

    def operation_helper(
        self, path: str | None = None, operations: dict[str, Any] | None = None, **kwargs: Any
    ) -> None:
        for method, operation in (operations or {}).items():
            responses = operation.setdefault("responses", {})
            for status in errors_for(method, operation, path or ""):
                responses.setdefault(status, status_response(status))


def status_response(status: str) -> str:
    """The name of the shared component response for an error status."""
    return f"Error{status}"


class CustodiaApi(Api):
    """flask-smorest's Api, minus its app-wide error handler (core.web has ours) and its
    catch-all `default` response (each operation lists the errors it really gives)."""

    ERROR_SCHEMA = ErrorOut
    DEFAULT_ERROR_RESPONSE_NAME = None

    def _register_error_handlers(self) -> None:
        return None


SPEC_KWARGS = {
    "info": {
        "description": "Custodia custody and reference-data API. Bearer tokens. Every error "
        "is a JSON `ErrorOut`; a method a path does not take is a 405 with `Allow`."
    },
    "components": {"securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}}},
    "security": [{"bearer": []}],
    "extra_plugins": [ErrorResponses()],
}


def register_api_blueprint(api: Api, blueprint: Blueprint) -> None:
    """Mount an API blueprint under /api/v1 (bearer tokens, so no CSRF)."""
    csrf.exempt(blueprint)
    api.register_blueprint(blueprint, url_prefix="/api/v1" + (blueprint.url_prefix or ""))


def init_api(app: Flask) -> Api:
    """The app's API; core and each feature mount their blueprints on it
    (`core.features.Registry.add_api_blueprint`)."""
    api = CustodiaApi(app, spec_kwargs=SPEC_KWARGS)
    for status, response in ERROR_RESPONSES.items():
        api.spec.components.response(status_response(status), response)
    api.spec.components.response("Error405", METHOD_NOT_ALLOWED)
    return api
