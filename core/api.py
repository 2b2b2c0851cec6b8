"""The JSON API under /api/v1, documented by flask-smorest from marshmallow schemas."""

from __future__ import annotations

from flask import Flask
from flask_smorest import Api, Blueprint
from marshmallow import Schema, fields

from core.web import csrf

PUBLIC_ENDPOINTS = frozenset({"static", "api-docs.openapi_json"})


class ErrorOut(Schema):
    """Every API error: a human message; on 422 the invalid fields and why."""

    message = fields.String(required=True)
    errors = fields.Dict(keys=fields.String(), values=fields.List(fields.String()))


class CustodiaApi(Api):
    """flask-smorest's Api, minus its app-wide error handler (core.web has ours)."""

    ERROR_SCHEMA = ErrorOut

    def _register_error_handlers(self) -> None:
        return None


SPEC_KWARGS = {
    "info": {"description": "Custodia custody and reference-data API. Bearer tokens."},
    "components": {"securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}}},
    "security": [{"bearer": []}],
}


def register_api_blueprint(api: Api, blueprint: Blueprint) -> None:
    """Mount an API blueprint under /api/v1 (bearer tokens, so no CSRF)."""
    csrf.exempt(blueprint)
    api.register_blueprint(blueprint, url_prefix="/api/v1" + (blueprint.url_prefix or ""))


def init_api(app: Flask) -> Api:
    """The app's API; core and each feature mount their blueprints on it
    (`core.features.Registry.add_api_blueprint`)."""
    return CustodiaApi(app, spec_kwargs=SPEC_KWARGS)
