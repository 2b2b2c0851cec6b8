"""Test set-up: a real database built by `alembic upgrade head`, one per xdist worker,
and per-test isolation by rolling back an outer transaction (services' commits only
release savepoints)."""

from __future__ import annotations

import os
import re
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.ctx import _cv_app
from flask.testing import FlaskClient
from hypothesis import HealthCheck, settings

from core import create_app
from core.db import db
from tests import helpers

TEST_SECRET = "test-secret-key-not-for-production-000000000000"
# What production requires besides a secret key and PostgreSQL (core/config.py): the
# host names it serves and a shared rate-limit store (Redis, database 15 for tests).
PRODUCTION_HOSTS = "records.custodia.test"
PRODUCTION_STORE = "redis://127.0.0.1:6379/15"
PRODUCTION_ENV = {
    "CUSTODIA_TRUSTED_HOSTS": PRODUCTION_HOSTS,
    "RATELIMIT_STORAGE_URI": PRODUCTION_STORE,
}
PRODUCTION_OVERRIDES = {
    "CUSTODIA_ENV": "production",
    "TRUSTED_HOSTS": [PRODUCTION_HOSTS],
    "RATELIMIT_STORAGE_URI": PRODUCTION_STORE,
}

# Fuzzers (tests/core/test_api_fuzz.py, tests/health/test_fhir_fuzz.py): few examples in
# the suite, a few hundred in `.ci/run`'s fuzz step (CUSTODIA_HYPOTHESIS_PROFILE=ci-fuzz).
# Derandomized, so a failure found once is found again from the same code; no example
# database is kept (nothing to commit, nothing that changes a later run).
settings.register_profile(
    "suite",
    max_examples=25,
    derandomize=True,
    database=None,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    print_blob=True,
)
settings.register_profile("ci-fuzz", settings.get_profile("suite"), max_examples=200)
# By hand, to look further: new examples each run (quote the printed seed to replay one).
settings.register_profile(
    "fuzz-explore", settings.get_profile("suite"), max_examples=2000, derandomize=False
)
settings.load_profile(os.environ.get("CUSTODIA_HYPOTHESIS_PROFILE", "suite"))


def _worker() -> str:
    return os.environ.get("PYTEST_XDIST_WORKER", "main")


def is_postgres() -> bool:
    return os.environ.get("TEST_DATABASE_URL", "").startswith("postgresql")


def fresh_postgres_database(url: str, suffix: str) -> str:
    """Create (or re-create) `<db>_<suffix>` next to the database in `url`."""
    base = sa.engine.make_url(url)
    name = re.sub(r"[^a-z0-9_]", "_", f"{base.database}_{suffix}".lower())
    admin = sa.create_engine(base.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return base.set(database=name).render_as_string(hide_password=False)


def fresh_database(suffix: str) -> str:
    """A new empty database named after `suffix`, this worker and this process (so that
    parallel workers and side-by-side runs never drop each other's databases)."""
    suffix = f"{suffix}_{_worker()}_{os.getpid()}"
    url = os.environ.get("TEST_DATABASE_URL")
    if url and url.startswith("postgresql"):
        return fresh_postgres_database(url, suffix)
    if url:
        raise pytest.UsageError("TEST_DATABASE_URL must be a postgresql+psycopg:// URL")
    folder = Path(tempfile.mkdtemp(prefix="custodia-test-"))
    return f"sqlite:///{folder / f'{suffix}.db'}"


def make_app(url: str, **overrides: object) -> Flask:
    return create_app(
        {
            "SQLALCHEMY_DATABASE_URI": url,
            "SECRET_KEY": TEST_SECRET,
            "TESTING": True,
            # The whole suite searches from one address: only tests/custody/test_locator.py
            # lowers it (for one address) to see the 429.
            "LOCATOR_RATE_LIMIT": "100000/minute",
            **overrides,
        }
    )


def drop_database(url: str) -> None:
    if url.startswith("sqlite:///"):
        folder = Path(url.removeprefix("sqlite:///")).parent
        if folder.name.startswith("custodia-test-"):
            shutil.rmtree(folder, ignore_errors=True)
        return
    if url.startswith("postgresql"):
        base = sa.engine.make_url(url)
        admin = sa.create_engine(base.set(database="postgres"), isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{base.database}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(scope="session")
def database_url() -> Iterator[str]:
    """One database per run and worker (runs side by side do not collide)."""
    url = fresh_database("run")
    yield url
    drop_database(url)


@pytest.fixture(scope="session")
def app(database_url: str) -> Iterator[Flask]:
    from core import migrate

    application = make_app(database_url)
    with application.app_context():
        migrate.upgrade("head")
        db.engine.dispose()
    yield application
    with application.app_context():
        db.engine.dispose()


@pytest.fixture(autouse=True)
def _db(request: pytest.FixtureRequest) -> Iterator[None]:
    """Per-test transaction, rolled back at the end (only for tests that use the app)."""
    if "app" not in request.fixturenames or "no_rollback" in request.keywords:
        yield
        return
    application: Flask = request.getfixturevalue("app")
    with application.app_context():
        engine = db.engine
        connection = engine.connect()
        outer = connection.begin()
        engines = db._app_engines[application]  # Flask-SQLAlchemy 3.1 keeps engines here
        engines[None] = connection  # type: ignore[assignment]
        db.session.remove()
        db.session.configure(join_transaction_mode="create_savepoint")
        try:
            yield
        finally:
            db.session.remove()
            if outer.is_active:
                outer.rollback()
            connection.close()
            engines[None] = engine


class IsolatedClient(FlaskClient):
    """Each request gets its own app context (so `g` and the session do not leak from the
    test's context into the request, as they never would in production); afterwards the
    test's session forgets cached rows so it sees what the request wrote."""

    def open(self, *args: Any, **kwargs: Any) -> Any:
        token = _cv_app.set(None)  # type: ignore[arg-type]
        kwargs.setdefault("buffered", True)  # streamed bodies are read inside the request
        try:
            response = super().open(*args, **kwargs)
        finally:
            _cv_app.reset(token)
        db.session.expire_all()
        return response


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    app.test_client_class = IsolatedClient
    return app.test_client()


@pytest.fixture
def make(app: Flask) -> helpers.Maker:
    """Build users, actors, tokens and reference data for a test."""
    return helpers.Maker(app)
