"""Custody pages."""

from __future__ import annotations

from flask import Flask


def register(app: Flask) -> None:
    from custody.views import facilities, rules

    for module in (facilities, rules):
        app.register_blueprint(module.bp)
        app.register_blueprint(module.admin_bp)
