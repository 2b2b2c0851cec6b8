"""FHIR R4 store and REST API (`/fhir`). The only package that imports fhir.resources."""

from __future__ import annotations

from health.fhir.rest import init_app

__all__ = ["init_app"]
