"""FHIR R4 store and REST API (`/fhir`). The only package that imports fhir.resources."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    from health.fhir import rest

    rest.init_app(app)
