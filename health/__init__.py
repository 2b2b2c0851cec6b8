"""Health: the FHIR R4 store and API (`/fhir`), and what custody reads of it.

`init_app` is health's one entry point into the app: the factory calls it when
"health" is in the FEATURES setting (core.features).
"""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Register the FHIR API and the `custodia fhir` commands with the app."""
    # Imported here, not at the top of the package: `import health.fhir.models`
    # (Alembic, the tests) must not load the API.
    from core.features import registry
    from health import cli, fhir
    from health.charting import views as charting

    fhir.init_app(app)  # /fhir: its own error bodies (OperationOutcome) and no CSRF
    registry(app).add_command(cli.fhir_group)
    registry(app).add_blueprint(charting.bp)  # the charting forms, /health/patients/…
