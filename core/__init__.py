"""Custodia core: the app factory and the platform every feature stands on."""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

from flask import Flask

from core.config import PROJECT_ROOT, load_config


def create_app(overrides: Mapping[str, Any] | None = None) -> Flask:
    """Build the app. Reads the environment; never touches the database."""
    app = Flask(
        "custodia",
        root_path=str(PROJECT_ROOT),
        instance_path=str(PROJECT_ROOT / "instance"),
        template_folder="templates",
        static_folder="static",
    )
    app.config.update(load_config(os.environ, overrides))

    # The composition root: the web stack is imported here, not at the top, so that
    # importing a core module (core.db for Alembic, the models) does not load every
    # page. No import names a feature: they come from FEATURES (core.features).
    from core import features, views, web
    from core.api import init_api
    from core.db import db, ping_when_idle
    from core.exports import setup as exports

    db.init_app(app)
    with app.app_context():
        if db.engine.dialect.name != "sqlite":
            ping_when_idle(db.engine)
    web.init_app(app)
    registry = features.init_app(app, api=init_api(app))
    views.register(registry)  # core's own pages, API, navigation and dashboard first
    exports.register(registry)  # the exports page, jobs and `custodia exports`
    features.compose(app, app.config["FEATURES"])  # then each feature's
    return app
