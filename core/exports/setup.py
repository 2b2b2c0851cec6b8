"""How core's exports plug in (called by the app factory, like core's other pages)."""

from __future__ import annotations

import os

from core.exports import cli, views
from core.features import Link, Registry
from core.permissions import Permission

DEFAULTS = {
    # more parts than this: rendered by a background job (202 + Location)
    "EXPORT_INLINE_MAX_PARTS": int(os.environ.get("EXPORT_INLINE_MAX_PARTS", "20")),
    "EXPORT_JOB_TIMEOUT": int(os.environ.get("EXPORT_JOB_TIMEOUT", "1800")),  # seconds
    "EXPORT_LOCAL_WORKERS": int(os.environ.get("EXPORT_LOCAL_WORKERS", "1")),  # no Redis
}


def register(features: Registry) -> None:
    for key, value in DEFAULTS.items():
        features.app.config.setdefault(key, value)
    features.add_blueprint(views.bp)
    features.add_command(cli.exports_group)
    features.add_dashboard_link(Link("Exports", "exports.page", Permission.EXPORT_VIEW, 50))
    # in the navigation too: the records office's daily page, one click from anywhere
    features.add_nav_item(Link("Exports", "exports.page", Permission.EXPORT_VIEW, 600))
