"""Server-rendered pages of the core: health check, sign-in, dashboard, admin, audit."""

from __future__ import annotations

from flask import Flask


def register_views(app: Flask) -> None:
    from core.views import admin, audit, auth, health, home

    for module in (health, auth, home, admin, audit):
        app.register_blueprint(module.bp)
    from custody import register_pages as register_custody

    register_custody(app)
    from health.fhir import init_app as register_fhir

    register_fhir(app)
