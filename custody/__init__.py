"""Custody: facilities and housing, intake and booking, classification, restrictive
housing, releases, the legal-access log, detention-standards rule sets and their clocks,
the public locator. One package per area
(`custody/<area>/{models,services,views,api,forms,schemas}.py`).

`init_app` is custody's one entry point into the app: the factory calls it when
"custody" is in the FEATURES setting (core.features).
"""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Register custody's pages, API, locator, command, navigation, dashboard panel,
    facility directory and event subscribers with the app's feature registry."""
    # The composition root imports here, not at the top of the package: importing one
    # area (Alembic's env, health's tests) must not load every page and API module.
    from core.features import Link, RateLimit, registry
    from custody import formats
    from custody.bookings import api as bookings_api
    from custody.bookings import views as bookings
    from custody.bookings.whereabouts import CustodyWhereabouts
    from custody.compliance import api as compliance_api
    from custody.compliance import views as compliance
    from custody.compliance.dashboard import CLINICAL_PANEL, COMPLIANCE_PANEL
    from custody.counsel import api as counsel_api
    from custody.exports import views as exports
    from custody.facilities import api as facilities_api
    from custody.facilities import views as facilities
    from custody.facilities.dashboard import FACILITIES_PANEL
    from custody.facilities.directory import CustodyFacilities
    from custody.housing import api as housing_api
    from custody.housing import views as housing
    from custody.legal import api as legal_api
    from custody.legal import subscribers as legal_subscribers
    from custody.legal import views as legal
    from custody.locator import api as locator_api
    from custody.locator import views as locator
    from custody.people import api as people_api
    from custody.permissions import CustodyPermission as P
    from custody.releases import api as releases_api
    from custody.releases import views as releases
    from custody.restrictive import api as restrictive_api
    from custody.restrictive import subscribers as restrictive_subscribers
    from custody.restrictive import views as restrictive
    from custody.rules import api as rules_api
    from custody.rules import subscribers as rules_subscribers
    from custody.rules import views as rules
    from custody.seed import cli
    from custody.transfers import api as transfers_api
    from custody.transfers import exports as transfer_exports
    from custody.transfers import views as transfers
    from custody.transfers.dashboard import TRANSFERS_PANEL
    from custody.work import WORK_PANEL

    features = registry(app)
    # The locator page and API share one budget per client address.
    locator_limit = RateLimit(scope="locator", config_key="LOCATOR_RATE_LIMIT")
    for module in (facilities, rules):
        features.add_blueprint(module.bp)
        features.add_blueprint(module.admin_bp)
    for module in (bookings, housing, restrictive, releases, legal, compliance, transfers):
        features.add_blueprint(module.bp)
    transfer_exports.register(features)
    features.add_blueprint(locator.bp, rate_limit=locator_limit)
    exports.register(features)  # the custody record and legal-access log (issue 15)
    apis = (
        facilities_api,
        people_api,
        bookings_api,
        housing_api,
        restrictive_api,
        releases_api,
        rules_api,
        legal_api,
        compliance_api,
        counsel_api,
        transfers_api,
    )
    for api in apis:
        for blueprint in api.blueprints:
            features.add_api_blueprint(blueprint)
    for blueprint in locator_api.blueprints:
        features.add_public_api_blueprint(blueprint, rate_limit=locator_limit)
    features.add_command(cli.seed_demo)
    features.add_nav_item(Link("People", "bookings.detainees", P.DETAINEE_READ, 200))
    features.add_nav_item(Link("Facilities", "facilities.index", P.FACILITY_READ, 300))
    features.add_nav_item(Link("Transfers", "transfers.index", P.DETAINEE_READ, 350))
    features.add_nav_item(Link("Rule sets", "rules.index", P.FACILITY_READ, 400))
    features.add_nav_item(Link("Legal access", "legal.index", P.LEGAL_READ, 350))
    features.add_nav_item(
        Link("Consular notification", "legal.consular_countries", P.CONSULAR_MANAGE, 450)
    )
    features.add_dashboard_link(
        Link("Manage facilities", "facilities.index", P.FACILITY_MANAGE, 200)
    )
    features.add_dashboard_link(Link("Facilities", "facilities.index", P.FACILITY_READ, 300))
    features.add_dashboard_panel(FACILITIES_PANEL)
    features.add_dashboard_panel(WORK_PANEL)
    features.add_dashboard_panel(COMPLIANCE_PANEL)
    features.add_dashboard_panel(CLINICAL_PANEL)
    features.add_dashboard_panel(TRANSFERS_PANEL)
    features.set_facility_directory(CustodyFacilities())
    features.set_whereabouts(CustodyWhereabouts())
    formats.register(app)  # template filters: a_number, facility_time, language_name …
    rules_subscribers.register()  # first: a release stops clocks before a placement ends
    restrictive_subscribers.register()
    legal_subscribers.register()
