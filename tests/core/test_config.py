"""Configuration from the environment, what production refuses, no database work at
start-up, and log lines that carry a request id but never a query string."""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator

import pytest
import sqlalchemy as sa

from core import create_app, logs
from core.config import DEFAULT_SQLITE_URL
from core.errors import ConfigurationError
from tests.conftest import PRODUCTION_ENV, TEST_SECRET

CLOSED_PORT_URL = "postgresql+psycopg://postgres@127.0.0.1:1/nowhere"
ENV_NAMES = (
    "CUSTODIA_ENV",
    "DATABASE_URL",
    "SECRET_KEY",
    "REDIS_URL",
    "RATELIMIT_STORAGE_URI",
    "CUSTODIA_TRUSTED_HOSTS",
    "CUSTODIA_PROXY_HOPS",
)


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    """A clean process environment for the variables the app reads."""
    for name in ENV_NAMES:
        monkeypatch.delenv(name, raising=False)
    return monkeypatch


@pytest.fixture
def connections() -> Iterator[list[str]]:
    """Every database connection any engine opens while the test runs."""
    opened: list[str] = []

    def on_connect(_dbapi: object, _record: object) -> None:
        opened.append("pool connect")

    def on_engine_connect(_conn: object) -> None:
        opened.append("engine connect")

    sa.event.listen(sa.engine.Engine, "connect", on_connect)
    sa.event.listen(sa.engine.Engine, "engine_connect", on_engine_connect)
    try:
        yield opened
    finally:
        sa.event.remove(sa.engine.Engine, "connect", on_connect)
        sa.event.remove(sa.engine.Engine, "engine_connect", on_engine_connect)


def test_configuration_comes_from_the_environment(env, connections):
    env.setenv("DATABASE_URL", CLOSED_PORT_URL)
    env.setenv("SECRET_KEY", TEST_SECRET)
    env.setenv("REDIS_URL", "redis://127.0.0.1:1/0")
    app = create_app()
    assert app.config["SQLALCHEMY_DATABASE_URI"] == CLOSED_PORT_URL
    assert app.config["SECRET_KEY"] == TEST_SECRET
    assert app.config["REDIS_URL"] == "redis://127.0.0.1:1/0"
    assert app.config["CUSTODIA_ENV"] == "development"
    assert connections == []


def test_searches_are_planned_for_their_values_other_statements_may_be_prepared(app):
    """psycopg prepares a statement on its 5th run (PostgreSQL may then pick a generic
    plan); inside planned_for_values nothing is prepared, so each run is planned for its
    values, and the connection prepares again afterwards."""
    from core.db import db, planned_for_values
    from tests.conftest import is_postgres

    if not is_postgres():
        pytest.skip("psycopg's prepared statements")
    prepared = sa.text("SELECT count(*) FROM pg_prepared_statements WHERE statement LIKE :q")

    def run(marker: str) -> int:
        for _ in range(8):
            db.session.execute(sa.text(f"SELECT 1 AS {marker} WHERE 1 = :one"), {"one": 1})
        return db.session.scalar(prepared, {"q": f"%{marker}%"})

    with planned_for_values(db.session):
        assert run("inside_the_block") == 0
    assert run("after_the_block") == 1


def test_default_database_is_the_embedded_sqlite_file(env):
    env.setenv("SECRET_KEY", TEST_SECRET)
    assert create_app().config["SQLALCHEMY_DATABASE_URI"] == DEFAULT_SQLITE_URL
    assert DEFAULT_SQLITE_URL.endswith("instance/custodia.db")


def test_production_refuses_a_missing_secret_key(env):
    env.setenv("CUSTODIA_ENV", "production")
    env.setenv("DATABASE_URL", CLOSED_PORT_URL)
    with pytest.raises(ConfigurationError, match="SECRET_KEY must be set"):
        create_app()


@pytest.mark.parametrize("url", ["sqlite:///tmp/custodia.db", "sqlite://", None])
def test_production_refuses_sqlite(env, url):
    env.setenv("CUSTODIA_ENV", "production")
    env.setenv("SECRET_KEY", TEST_SECRET)
    if url is not None:
        env.setenv("DATABASE_URL", url)
    with pytest.raises(ConfigurationError, match="not SQLite") as caught:
        create_app()
    assert "DATABASE_URL" in str(caught.value)


def test_production_names_every_problem_at_once(env):
    env.setenv("CUSTODIA_ENV", "production")
    with pytest.raises(ConfigurationError) as caught:
        create_app()
    message = str(caught.value)
    for problem in ("SECRET_KEY", "SQLite", "CUSTODIA_TRUSTED_HOSTS", "RATELIMIT_STORAGE_URI"):
        assert problem in message


def _production(env: pytest.MonkeyPatch, **variables: str) -> None:
    env.setenv("CUSTODIA_ENV", "production")
    env.setenv("SECRET_KEY", TEST_SECRET)
    env.setenv("DATABASE_URL", CLOSED_PORT_URL)
    for name, value in {**PRODUCTION_ENV, **variables}.items():
        env.setenv(name, value)


def test_production_starts_with_a_key_and_postgresql_without_connecting(env, connections):
    _production(env)
    app = create_app()
    assert app.config["CUSTODIA_ENV"] == "production"
    assert app.config["SESSION_COOKIE_SECURE"] is True
    assert app.config["TRUSTED_HOSTS"] == [PRODUCTION_ENV["CUSTODIA_TRUSTED_HOSTS"]]
    assert app.config["RATELIMIT_STORAGE_URI"] == PRODUCTION_ENV["RATELIMIT_STORAGE_URI"]
    with app.test_request_context("/login"):
        pass
    assert connections == []


@pytest.mark.parametrize("store", ["", "memory://", "memcached://127.0.0.1:11211"])
def test_production_refuses_a_rate_limit_store_of_its_own(env, store):
    """Per-worker counters would let each gunicorn worker grant the locator's budget
    again: production needs one store every worker shares."""
    _production(env, RATELIMIT_STORAGE_URI=store)
    with pytest.raises(ConfigurationError) as caught:
        create_app()
    assert "RATELIMIT_STORAGE_URI (or REDIS_URL) must name a shared store" in str(caught.value)
    assert "TRUSTED_HOSTS" not in str(caught.value)  # only what is wrong is named


def test_production_takes_redis_url_as_the_shared_store(env):
    _production(env, RATELIMIT_STORAGE_URI="", REDIS_URL="redis://127.0.0.1:6379/15")
    assert create_app().config["RATELIMIT_STORAGE_URI"] == "redis://127.0.0.1:6379/15"


def test_production_refuses_to_trust_every_host(env):
    _production(env, CUSTODIA_TRUSTED_HOSTS=" , ")
    with pytest.raises(ConfigurationError, match="CUSTODIA_TRUSTED_HOSTS must name"):
        create_app()


def test_trusted_hosts_and_proxy_hops_come_from_the_environment(env):
    env.setenv("CUSTODIA_TRUSTED_HOSTS", "Records.Example.test, .custodia.test")
    env.setenv("CUSTODIA_PROXY_HOPS", "1")
    app = create_app({"SQLALCHEMY_DATABASE_URI": CLOSED_PORT_URL, "SECRET_KEY": TEST_SECRET})
    assert app.config["TRUSTED_HOSTS"] == ["records.example.test", ".custodia.test"]
    assert app.config["PROXY_HOPS"] == 1


def test_development_trusts_only_local_names_by_default(env):
    app = create_app({"SQLALCHEMY_DATABASE_URI": CLOSED_PORT_URL, "SECRET_KEY": TEST_SECRET})
    assert app.config["TRUSTED_HOSTS"] == ["localhost", "127.0.0.1", "[::1]"]
    assert app.config["PROXY_HOPS"] == 0
    assert app.config["RATELIMIT_STORAGE_URI"] == "memory://"


def test_create_app_does_not_touch_a_sqlite_database(env, connections, tmp_path):
    path = tmp_path / "never-created.db"
    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{path}", "SECRET_KEY": TEST_SECRET})
    assert app.url_map.bind("localhost").match("/healthz")
    assert not path.exists()
    assert connections == []


# --- logs ----------------------------------------------------------------------------


def _lines(caplog: pytest.LogCaptureFixture) -> list[str]:
    """Access-log records as the app's own handler formats them."""
    formatter = logging.Formatter(logs.FORMAT)
    return [formatter.format(r) for r in caplog.records if r.name == "custodia.http"]


def test_request_id_in_the_access_log_line_and_the_response(client, make, caplog):
    headers = make.headers()
    with caplog.at_level(logging.INFO, logger="custodia.http"):
        response = client.get("/api/v1/facilities", headers=headers)
    request_id = response.headers["X-Request-ID"]
    assert len(request_id) >= 8
    [line] = [x for x in _lines(caplog) if "GET /api/v1/facilities 200" in x]
    assert f"[{request_id}]" in line


def test_a_valid_incoming_request_id_is_reused(client, caplog):
    with caplog.at_level(logging.INFO, logger="custodia.http"):
        response = client.get("/healthz", headers={"X-Request-ID": "lb-7f3a9c21.0001"})
    assert response.headers["X-Request-ID"] == "lb-7f3a9c21.0001"
    assert any("[lb-7f3a9c21.0001]" in line for line in _lines(caplog))


@pytest.mark.parametrize("incoming", ["short", "has spaces in it", "x" * 65, "bad\u00e9chars!"])
def test_an_invalid_incoming_request_id_is_replaced(client, incoming):
    response = client.get("/healthz", headers={"X-Request-ID": incoming})
    assert response.headers["X-Request-ID"] not in ("", "-", incoming)


def test_query_strings_are_not_logged(client, make, caplog):
    # the marker has letters a request id (hex) never contains
    headers = make.headers()
    with caplog.at_level(logging.DEBUG):
        response = client.get("/api/v1/facilities?secret=qwz", headers=headers)
        client.get("/login?next=/dashboard&token=qwz")
    assert response.status_code == 200
    lines = _lines(caplog)
    assert any("GET /api/v1/facilities 200" in line for line in lines)
    assert "qwz" not in caplog.text
    assert not any("qwz" in line for line in lines)


def test_werkzeug_request_lines_lose_their_query_string(app, caplog):
    with caplog.at_level(logging.INFO, logger="werkzeug"):
        logging.getLogger("werkzeug").warning(
            '%s - - [%s] "%s" %s -',
            "127.0.0.1",
            "01/Jan/2026 00:00:00",
            "GET /api/v1/detainees?a_number=123456789 HTTP/1.1",
            200,
        )
    assert "GET /api/v1/detainees HTTP/1.1" in caplog.text
    assert "123456789" not in caplog.text


def test_a_connection_that_died_while_idle_is_replaced_not_handed_out(app):
    """No round trip per checkout (no pool_pre_ping), yet a database restart or a killed
    backend does not fail the next request: an idle connection is pinged first."""
    from core.db import db, ping_when_idle
    from tests.conftest import is_postgres

    if not is_postgres():
        pytest.skip("SQLite has no server connection to lose")
    engine = sa.create_engine(app.config["SQLALCHEMY_DATABASE_URI"], pool_size=1, max_overflow=0)
    ping_when_idle(engine, idle_seconds=0.2)
    try:
        with engine.connect() as conn:
            victim = conn.scalar(sa.text("SELECT pg_backend_pid()"))
        with engine.connect() as conn:  # used again at once: not pinged, same backend
            assert conn.scalar(sa.text("SELECT pg_backend_pid()")) == victim
        assert db.session.scalar(sa.text("SELECT pg_terminate_backend(:p)"), {"p": victim})
        time.sleep(0.3)
        with engine.connect() as conn:  # idle: pinged, found dead, replaced
            assert conn.scalar(sa.text("SELECT pg_backend_pid()")) != victim
    finally:
        engine.dispose()
