"""Rate limits for the routes that answer without login (a feature's public page
and API, such as the detainee locator).

One Flask-Limiter per app (tests build several apps; a module-level limiter would share
its storage and switches between them). Counters live where `RATELIMIT_STORAGE_URI`
says: Redis, shared by every worker (production refuses to start without it,
core/config.py), or the worker's memory in development; if Redis stops answering the
limiter falls back to memory rather than failing the request. Limits are per client
address: behind a reverse proxy, set `CUSTODIA_PROXY_HOPS` (core/web.py, `ProxyFix`).
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


def limit_shared(app: Flask, scope: str, config_key: str, *blueprints: Blueprint) -> None:
    """Give `blueprints` one budget per client address, named `scope` (routes limited
    with the same scope, e.g. a page and its API, share it). The limit is read from
    `app.config[config_key]` per request, so an operator (or a test) can change it
    without a restart."""
    limiter: Limiter = app.extensions[EXTENSION]
    shared = limiter.shared_limit(lambda: str(current_app.config[config_key]), scope=scope)
    for blueprint in blueprints:
        shared(blueprint)
