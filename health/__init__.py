"""Health: the FHIR R4 store and API (`/fhir`), the patient chart, sick call
(`health.sickcall`), and what custody reads of it.

`init_app` is health's one entry point into the app: the factory calls it when
"health" is in the FEATURES setting (core.features).
"""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Register the FHIR API, the `custodia fhir` commands, the chart pages and the
    sick-call pages (with their navigation items, dashboard links and panels), and the
    health-record export."""
    # Imported here, not at the top of the package: `import health.fhir.models`
    # (Alembic, the tests) must not load the API.
    from core.features import Link, registry
    from health import cli, fhir
    from health.chart import views as chart
    from health.chart.dashboard import CHART_PANEL
    from health.charting import views as charting
    from health.exports import views as exports
    from health.permissions import HealthPermission
    from health.sickcall import views as sickcall
    from health.sickcall.dashboard import SICK_CALL_PANEL

    fhir.init_app(app)  # /fhir: its own error bodies (OperationOutcome) and no CSRF
    features = registry(app)
    features.add_command(cli.fhir_group)
    features.add_blueprint(chart.bp)
    features.add_nav_item(Link("Patients", "chart.patients", HealthPermission.READ, 150))
    features.add_dashboard_link(Link("Find a patient", "chart.patients", HealthPermission.READ, 50))
    features.add_dashboard_panel(CHART_PANEL)
    features.add_blueprint(sickcall.bp)
    features.add_blueprint(charting.bp)  # the charting forms, /health/patients/…
    features.add_nav_item(Link("Sick call", "sickcall.index", HealthPermission.READ, 550))
    features.add_dashboard_link(
        Link("Record a sick-call request", "sickcall.new", HealthPermission.SICKCALL_REQUEST, 550)
    )
    features.add_dashboard_panel(SICK_CALL_PANEL)
    features.add_blueprint(exports.bp)  # /exports/patients/<id>/health-record.pdf
    features.add_export_kind(exports.KIND)
