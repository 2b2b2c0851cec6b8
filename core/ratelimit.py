"""Rate limits for the routes that answer without login (the public locator).

One Flask-Limiter per app (tests build several apps; a module-level limiter would share
its storage and switches between them). Counters live in Redis when `REDIS_URL` is set,
so every worker shares them, otherwise in the worker's memory; if Redis stops answering
the limiter falls back to memory rather than failing the request. Limits are per client
address: behind a reverse proxy, have it set the address Flask sees (`ProxyFix`).
"""

from __future__ import annotations

from flask import Blueprint, Flask, current_app
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address

EXTENSION = "custodia_limiter"


def init_app(app: Flask) -> Limiter:
    app.config.setdefault("RATELIMIT_IN_MEMORY_FALLBACK_ENABLED", True)
    limiter = Limiter(get_remote_address, key_prefix="custodia")
    limiter.init_app(app)
    app.extensions[EXTENSION] = limiter
    return limiter


def _locator_limit() -> str:
    """Read per request, so an operator (or a test) can change it without a restart."""
    return str(current_app.config["LOCATOR_RATE_LIMIT"])


def limit_locator(app: Flask, *blueprints: Blueprint) -> None:
    """The locator page and API share one budget per client address."""
    limiter: Limiter = app.extensions[EXTENSION]
    shared = limiter.shared_limit(_locator_limit, scope="locator")
    for blueprint in blueprints:
        shared(blueprint)
