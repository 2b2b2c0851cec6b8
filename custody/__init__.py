"""Custody: facilities and housing, intake, movement, legal access, the public locator.

`init_app` is custody's one entry point into the app: the factory calls it when
"custody" is in the FEATURES setting (core.features).
"""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Register custody's pages, API, locator, command, navigation, dashboard panel and
    facility directory with the app's feature registry."""
    # Imported here, not at the top of the package: `import custody.models` (Alembic,
    # health, the tests) must not load every page and API module.
    from core.features import Link, RateLimit, registry
    from custody import api, api_bookings, api_locator, api_restrictive, api_rules, cli
    from custody.dashboard import FACILITIES_PANEL
    from custody.directory import CustodyFacilities
    from custody.permissions import CustodyPermission as P
    from custody.views import bookings, facilities, locator, restrictive, rules

    features = registry(app)
    # The locator page and API share one budget per client address.
    locator_limit = RateLimit(scope="locator", config_key="LOCATOR_RATE_LIMIT")
    for module in (facilities, rules):
        features.add_blueprint(module.bp)
        features.add_blueprint(module.admin_bp)
    features.add_blueprint(bookings.bp)
    features.add_blueprint(restrictive.bp)
    features.add_blueprint(locator.bp, rate_limit=locator_limit)
    for module in (api, api_bookings, api_restrictive, api_rules):
        for blueprint in module.blueprints:
            features.add_api_blueprint(blueprint)
    for blueprint in api_locator.blueprints:
        features.add_public_api_blueprint(blueprint, rate_limit=locator_limit)
    features.add_command(cli.seed_demo)
    features.add_nav_item(Link("People", "bookings.detainees", P.DETAINEE_READ, 200))
    features.add_nav_item(Link("Facilities", "facilities.index", P.FACILITY_READ, 300))
    features.add_nav_item(Link("Rule sets", "rules.index", P.FACILITY_READ, 400))
    features.add_dashboard_link(
        Link("Manage facilities", "facilities.index", P.FACILITY_MANAGE, 200)
    )
    features.add_dashboard_link(Link("Facilities", "facilities.index", P.FACILITY_READ, 300))
    features.add_dashboard_panel(FACILITIES_PANEL)
    features.set_facility_directory(CustodyFacilities())
