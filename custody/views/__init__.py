"""Custody pages."""

from __future__ import annotations

from flask import Flask


def register(app: Flask) -> None:
    from core import ratelimit
    from custody.views import facilities, locator

    app.register_blueprint(facilities.bp)
    app.register_blueprint(facilities.admin_bp)
    app.register_blueprint(locator.bp)
    ratelimit.limit_locator(app, locator.bp)
