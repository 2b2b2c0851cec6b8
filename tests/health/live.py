"""A real HTTP server for FHIR clients (fhirpy, parallel urllib requests): its own fresh
database migrated to head, one user of `role` and their bearer token."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from flask import Flask
from werkzeug.serving import make_server

from core import migrate
from core.actor import Actor
from core.auth import create_token
from core.db import db
from core.users import UserIn, create_user
from tests.conftest import drop_database, fresh_database, make_app


@dataclass(frozen=True)
class LiveFhir:
    app: Flask
    base: str  # http://127.0.0.1:PORT/fhir
    token: str


@contextmanager
def serve_fhir(name: str, role: str = "clinician") -> Iterator[LiveFhir]:
    url = fresh_database(name)
    app = make_app(url)
    with app.app_context():
        migrate.upgrade("head")
        system = Actor.system("test")
        username = f"{name.replace('_', '-')}-{role.replace('_', '-')}"
        create_user(
            actor=system,
            data=UserIn(
                username=username,
                full_name="Live Clinician",
                role=role,
                password="a-long-test-password-41",
            ),
        )
        token = create_token(actor=system, username=username, expires_days=1)
    http = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=http.serve_forever, daemon=True)
    thread.start()
    try:
        yield LiveFhir(app, f"http://127.0.0.1:{http.server_port}/fhir", token)
    finally:
        http.shutdown()
        http.server_close()
        with app.app_context():
            db.session.remove()
            db.engine.dispose()
        drop_database(url)
