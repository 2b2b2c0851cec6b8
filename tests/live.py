"""A real HTTP server for tests that need parallel clients (races, fhirpy): an app on
its own fresh database migrated to head, what the test needs built in it, served by a
threaded server on a loopback port, and all of it dropped afterwards."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from werkzeug.serving import make_server

from core import migrate
from core.db import db
from tests.conftest import drop_database, fresh_database, make_app


@contextmanager
def serve(name: str, world: Callable[[], dict[str, Any]]) -> Iterator[dict[str, Any]]:
    """`{"app", "base" (http://127.0.0.1:PORT), **world()}`; `world` runs in the app's
    context once the schema is at head."""
    url = fresh_database(name)
    app = make_app(url)
    with app.app_context():
        migrate.upgrade("head")
        built = world()
    http = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=http.serve_forever, daemon=True)
    thread.start()
    try:
        yield {"app": app, "base": f"http://127.0.0.1:{http.server_port}", **built}
    finally:
        http.shutdown()
        http.server_close()
        with app.app_context():
            db.session.remove()
            db.engine.dispose()
        drop_database(url)
