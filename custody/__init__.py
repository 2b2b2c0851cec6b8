"""Custody: intake and booking, classification, housing, restrictive housing, rule sets
and compliance clocks, and the public locator. One package per area (see
docs/architecture.md)."""

from __future__ import annotations

from flask import Flask


def register_pages(app: Flask) -> None:
    from core import ratelimit
    from custody.bookings import views as bookings
    from custody.facilities import views as facilities
    from custody.housing import views as housing
    from custody.locator import views as locator
    from custody.restrictive import views as restrictive
    from custody.rules import views as rules

    for module in (facilities, rules):
        app.register_blueprint(module.bp)
        app.register_blueprint(module.admin_bp)
    for module in (bookings, housing, restrictive, locator):
        app.register_blueprint(module.bp)
    ratelimit.limit_locator(app, locator.bp)
    from custody.restrictive import subscribers

    subscribers.register()
