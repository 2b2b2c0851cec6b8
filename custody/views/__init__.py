"""Custody pages."""

from __future__ import annotations

from flask import Flask


def register(app: Flask) -> None:
    from core import ratelimit
    from custody.views import bookings, facilities, locator, restrictive, rules

    for module in (facilities, rules):
        app.register_blueprint(module.bp)
        app.register_blueprint(module.admin_bp)
    app.register_blueprint(bookings.bp)
    app.register_blueprint(restrictive.bp)
    app.register_blueprint(locator.bp)
    ratelimit.limit_locator(app, locator.bp)
