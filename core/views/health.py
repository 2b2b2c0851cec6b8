"""GET /healthz: liveness plus a database round trip, without login."""

from __future__ import annotations

import logging
from typing import Any

import sqlalchemy as sa
from flask import Blueprint, current_app, jsonify

from core.access import public
from core.db import db

bp = Blueprint("health", __name__)
log = logging.getLogger("custodia.health")


@bp.get("/healthz")
@public
def healthz() -> Any:
    try:
        db.session.execute(sa.text("SELECT 1"))
    except sa.exc.SQLAlchemyError:
        log.warning("health check: database unreachable")
        db.session.rollback()
        retry = str(current_app.config["OUTAGE_RETRY_AFTER"])
        return jsonify(status="degraded", database="unreachable"), 503, {"Retry-After": retry}
    return jsonify(status="ok", database="ok")
