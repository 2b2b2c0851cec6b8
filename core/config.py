"""Configuration from the environment (see README, "Configuration")."""

from __future__ import annotations

import copy
import datetime as dt
import os
import secrets
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from core.errors import ConfigurationError

PROJECT_ROOT = Path(__file__).resolve().parent.parent
INSTANCE_DIR = PROJECT_ROOT / "instance"
DEFAULT_SQLITE_URL = f"sqlite:///{INSTANCE_DIR / 'custodia.db'}"

IDLE_TIMEOUT = dt.timedelta(minutes=15)
# Feature packages the app factory composes, in order (core.features): each has init_app.
FEATURES = ("custody", "health")
LOCATOR_RATE_LIMIT = "30/minute;300/day"
# Host names served when CUSTODIA_TRUSTED_HOSTS is not set (development and tests only).
DEV_TRUSTED_HOSTS = ("localhost", "127.0.0.1", "[::1]")
SHARED_RATELIMIT_STORES = ("redis://", "rediss://", "redis+unix://", "redis+sentinel://")
OUTAGE_RETRY_AFTER = 30  # seconds a client is asked to wait while the database is down
# PDF engine (core.pdf): rendered chunk PDFs are cached here by content hash, up to
# PDF_CACHE_MAX_BYTES (least recently used evicted). A document is cut into chunks of
# about PDF_CHUNK_BYTES of HTML (~10 pages of a health record); one chunk renders in a
# single pass in the calling process, more go to PDF_WORKERS pool processes.
PDF_CACHE_DIR = INSTANCE_DIR / "pdf-cache"
PDF_CACHE_MAX_BYTES = 512 * 1024 * 1024
PDF_CHUNK_BYTES = 30_000
# A document of this many chunks or more (~200 pages) lets the pool's processes go
# before the merge: their heaps and the merge's would otherwise add up (docs/exports.md).
PDF_RETIRE_POOL_CHUNKS = 20


def _dev_secret_key() -> str:
    """A per-checkout random key kept in instance/, so dev sessions survive restarts."""
    path = INSTANCE_DIR / "secret_key"
    try:
        return path.read_text().strip()
    except FileNotFoundError:
        INSTANCE_DIR.mkdir(parents=True, exist_ok=True)
        key = secrets.token_urlsafe(48)
        path.write_text(key)
        path.chmod(0o600)
        return key


def is_sqlite(url: str) -> bool:
    return url.startswith("sqlite")


def trusted_hosts(environ: Mapping[str, str], overrides: Mapping[str, Any]) -> list[str]:
    """TRUSTED_HOSTS (override) or CUSTODIA_TRUSTED_HOSTS (comma-separated; a leading dot
    admits subdomains). Absolute URLs are built from the request's host only once Flask
    has checked it against this list; any other `Host` is a 400."""
    if "TRUSTED_HOSTS" in overrides:
        return list(overrides["TRUSTED_HOSTS"] or [])
    names = environ.get("CUSTODIA_TRUSTED_HOSTS", "")
    return [name.strip().lower() for name in names.split(",") if name.strip()]


def ratelimit_storage(environ: Mapping[str, str], overrides: Mapping[str, Any]) -> str:
    """Where rate-limit counters live: RATELIMIT_STORAGE_URI, else REDIS_URL, else this
    worker's memory (development only: each worker would count on its own)."""
    uri = overrides.get("RATELIMIT_STORAGE_URI") or environ.get("RATELIMIT_STORAGE_URI")
    return str(uri or environ.get("REDIS_URL") or "memory://")


def production_problems(url: str, secret: str | None, hosts: list[str], store: str) -> list[str]:
    problems = []
    if not secret:
        problems.append("SECRET_KEY must be set")
    if is_sqlite(url):
        problems.append("DATABASE_URL must name a PostgreSQL database, not SQLite")
    if not hosts:
        problems.append("CUSTODIA_TRUSTED_HOSTS must name the host names clients use")
    if not store.startswith(SHARED_RATELIMIT_STORES):
        problems.append(
            "RATELIMIT_STORAGE_URI (or REDIS_URL) must name a shared store (redis://…) so "
            "that every worker counts the same rate limits"
        )
    return problems


# No pool_pre_ping: it costs a round trip on every checkout, and the API checks out
# a connection or two per request. core.db.ping_when_idle pings only a connection that
# has been idle a while, after which a database restart may have closed it. (FHIR
# searches are planned for their values: core.db.planned_for_values.)
POSTGRES_ENGINE_OPTIONS: dict[str, Any] = {}
# Every engine: a database error's text never carries the statement's parameters (they
# can be health data), whoever logs it (a traceback, a batch entry's warning).
ENGINE_OPTIONS: dict[str, Any] = {"hide_parameters": True}


def load_config(environ: Mapping[str, str], overrides: Mapping[str, Any] | None) -> dict[str, Any]:
    overrides = dict(overrides or {})
    env = overrides.get("CUSTODIA_ENV", environ.get("CUSTODIA_ENV", "development"))
    production = env == "production"
    url = overrides.get("SQLALCHEMY_DATABASE_URI") or environ.get("DATABASE_URL")
    url = url or DEFAULT_SQLITE_URL
    secret = overrides.get("SECRET_KEY") or environ.get("SECRET_KEY")
    hosts = trusted_hosts(environ, overrides)
    store = ratelimit_storage(environ, overrides)
    if production:
        problems = production_problems(url, secret, hosts, store)
        if problems:
            raise ConfigurationError(
                "CUSTODIA_ENV=production refuses to start: " + "; ".join(problems) + "."
            )
    config: dict[str, Any] = {
        "CUSTODIA_ENV": env,
        "FEATURES": FEATURES,
        "SECRET_KEY": secret or _dev_secret_key(),
        "SQLALCHEMY_DATABASE_URI": url,
        "SQLALCHEMY_ENGINE_OPTIONS": {
            **ENGINE_OPTIONS,
            **({} if is_sqlite(url) else copy.deepcopy(POSTGRES_ENGINE_OPTIONS)),
        },
        "REDIS_URL": environ.get("REDIS_URL"),
        # "inline": seal the audit chain right after each commit; "background": a
        # thread per worker seals what is pending a few ms later (busy servers).
        "AUDIT_SEALING": environ.get("AUDIT_SEALING", "inline"),
        "SESSION_COOKIE_SECURE": True,
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_NAME": "custodia_session",
        "REMEMBER_COOKIE_SECURE": True,
        "REMEMBER_COOKIE_HTTPONLY": True,
        "PERMANENT_SESSION_LIFETIME": IDLE_TIMEOUT,
        "IDLE_TIMEOUT": IDLE_TIMEOUT,
        "WTF_CSRF_TIME_LIMIT": None,
        "API_TITLE": "Custodia API",
        "API_VERSION": "v1",
        "OPENAPI_VERSION": "3.0.3",
        "OPENAPI_URL_PREFIX": "/api/v1",
        "OPENAPI_JSON_PATH": "openapi.json",
        "LOCKOUT_THRESHOLD": 5,
        "LOCKOUT_WINDOW": dt.timedelta(minutes=15),
        "TOKEN_DEFAULT_DAYS": 30,
        # A worker trusts a bearer token it saw valid this many seconds ago (0: ask the
        # database on every request); revocations reach other workers within it.
        "TOKEN_CACHE_SECONDS": float(environ.get("TOKEN_CACHE_SECONDS", "5")),
        "MAX_CONTENT_LENGTH": 16 * 1024 * 1024,
        "FHIR_BASE": environ.get("FHIR_BASE", "https://custodia.dev/fhir"),
        # The most entries a client's batch or transaction Bundle may hold (413 above it).
        "FHIR_MAX_BUNDLE_ENTRIES": int(environ.get("FHIR_MAX_BUNDLE_ENTRIES", "1000")),
        # Public locator: per client address, page and API together (core/ratelimit.py).
        "LOCATOR_RATE_LIMIT": environ.get("LOCATOR_RATE_LIMIT", LOCATOR_RATE_LIMIT),
        "RATELIMIT_STORAGE_URI": store,
        "TRUSTED_HOSTS": hosts or list(DEV_TRUSTED_HOSTS),
        # Reverse proxies in front of the app whose X-Forwarded-For/-Proto/-Host/-Port
        # are believed (ProxyFix); 0: none, the headers are ignored.
        "PROXY_HOPS": int(environ.get("CUSTODIA_PROXY_HOPS") or 0),
        "OUTAGE_RETRY_AFTER": OUTAGE_RETRY_AFTER,
        "RATELIMIT_HEADERS_ENABLED": True,
        "BABEL_DEFAULT_LOCALE": "en",
        "PDF_CACHE_DIR": environ.get("PDF_CACHE_DIR", str(PDF_CACHE_DIR)),
        "PDF_CACHE_MAX_BYTES": int(environ.get("PDF_CACHE_MAX_BYTES", PDF_CACHE_MAX_BYTES)),
        "PDF_CHUNK_BYTES": int(environ.get("PDF_CHUNK_BYTES", PDF_CHUNK_BYTES)),
        "PDF_RETIRE_POOL_CHUNKS": int(
            environ.get("PDF_RETIRE_POOL_CHUNKS", PDF_RETIRE_POOL_CHUNKS)
        ),
        "PDF_WORKERS": int(environ.get("PDF_WORKERS") or min(2, os.cpu_count() or 1)),
    }
    config.update(overrides)
    if config["AUDIT_SEALING"] not in ("inline", "background"):
        raise ConfigurationError("AUDIT_SEALING must be inline or background.")
    return config
