"""FHIR R4 store and REST API (`/fhir`). The only package that imports fhir.resources."""

from __future__ import annotations

from flask import Flask

from health.fhir import api, rest


def init_app(app: Flask) -> None:
    """Both blueprints under /fhir: `rest` (read, write, search, history, transactions)
    and `api` (patch, conditional update and delete, operations called with POST)."""
    rest.init_app(app)
    api.init_app(app)


__all__ = ["init_app"]
