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

    from core import web
    from core.db import db, ping_when_idle

    db.init_app(app)
    with app.app_context():
        if db.engine.dialect.name != "sqlite":
            ping_when_idle(db.engine)
    web.init_app(app)
    return app
