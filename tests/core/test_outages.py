"""Outages: while the database cannot be reached every surface answers 503 with
`Retry-After` in its own body (JSON, OperationOutcome, a page, /healthz degraded), the
session and token checks before the view included; the app recovers by itself; and a
write that committed just before the connection was lost is answered as committed."""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import Flask
from sqlalchemy.orm import Session

from core import migrate
from core.actor import Actor
from core.audit import AuditEvent
from core.auth import create_token
from core.db import db, is_unavailable
from core.users import UserIn, create_user
from custody.people.models import Detainee
from health.fhir.models import FhirResource
from tests.conftest import drop_database, fresh_database, is_postgres, make_app
from tests.helpers import PASSWORD, csrf_token

CLOSED_PORT_URL = "postgresql+psycopg://postgres@127.0.0.1:1/x"
UNOPENABLE_SQLITE_URL = "sqlite:////nonexistent-custodia-directory/custodia.db"
FAKE_TOKEN = "cst_" + "q" * 43
FHIR = "application/fhir+json"
PERSON = {
    "a_number": "200000001",
    "family_name": "Outageperson",
    "given_name": "Sam",
    "date_of_birth": "1990-02-03",
    "country_of_birth": "MX",
    "sex": "female",
    "languages": ["es"],
}


def _http_lines(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.name == "custodia.http" and r.levelno >= logging.WARNING]


def _assert_unavailable(response, kind: str) -> None:
    assert response.status_code == 503, response.text
    assert response.headers["Retry-After"] == "30"
    if kind == "api":
        assert response.mimetype == "application/json"
        assert response.json["message"].startswith("The service is unavailable for a moment.")
        assert response.headers["X-Request-ID"] in response.json["message"]
    elif kind == "fhir":
        assert response.mimetype == FHIR
        [issue] = response.json["issue"]
        assert response.json["resourceType"] == "OperationOutcome"
        assert issue["code"] == "transient" and issue["severity"] == "error"
    else:
        assert response.mimetype == "text/html"
        assert "<h1>Service unavailable</h1>" in response.text
        assert response.headers["X-Request-ID"] in response.text


# --- a database that cannot be reached at all ----------------------------------------


@pytest.mark.parametrize("url", [CLOSED_PORT_URL, UNOPENABLE_SQLITE_URL])
def test_every_surface_answers_503_while_the_database_is_unreachable(url, caplog):
    client = make_app(url).test_client()
    bearer = {"Authorization": f"Bearer {FAKE_TOKEN}"}
    with caplog.at_level(logging.INFO):
        api = client.get("/api/v1/facilities", headers=bearer)
        fhir = client.get("/fhir/Patient?family=Outageperson", headers={**bearer, "Accept": FHIR})
        login = client.get("/login")  # the page itself needs no database...
        page = client.post(  # ...signing in does
            "/login",
            data={
                "username": "outage.user",
                "password": PASSWORD,
                "csrf_token": csrf_token(login.text),
            },
        )
        health = client.get("/healthz")
    _assert_unavailable(api, "api")
    _assert_unavailable(fhir, "fhir")
    _assert_unavailable(page, "page")
    assert health.status_code == 503 and health.headers["Retry-After"] == "30"
    assert health.json == {"status": "degraded", "database": "unreachable"}
    # one line per failed request, naming the error's class only: no traceback, no
    # statement, no parameters (the user name, the search's family name)
    warnings = _http_lines(caplog)
    assert [r.getMessage() for r in warnings] == [
        "database unavailable (OperationalError): answered 503"
    ] * 3
    assert all(r.exc_info is None for r in warnings)
    assert "outage.user" not in caplog.text and "Outageperson" not in caplog.text


def test_session_and_token_checks_before_the_view_answer_503(client, make):
    """The signed-in page session (its user and session version) and the bearer token
    are loaded before any view: an outage there is a 503 too, not a 500 and not a
    sign-in page."""
    user = make.login(client)
    token = make.token(user=user)
    outage = make_app(CLOSED_PORT_URL).test_client()
    cookie = client.get_cookie("custodia_session")
    outage.set_cookie(cookie.key, cookie.value, domain=cookie.domain, secure=cookie.secure)
    _assert_unavailable(outage.get("/dashboard"), "page")
    fresh = "cst_" + "z" * 43  # not in any worker's token cache: looked up, and fails
    _assert_unavailable(
        outage.get("/api/v1/facilities", headers={"Authorization": f"Bearer {fresh}"}), "api"
    )
    _assert_unavailable(
        outage.get("/fhir/Patient", headers={"Authorization": f"Bearer {token}"}), "fhir"
    )


def test_a_fhir_batch_during_an_outage_is_one_503_not_a_500_per_entry(client, make):
    user = make.user("clinician")
    token = make.token(user=user)
    client.get("/fhir/metadata", headers={"Authorization": f"Bearer {token}"})
    outage = make_app(CLOSED_PORT_URL).test_client()
    entry = {
        "resource": {"resourceType": "Patient", "gender": "female"},
        "request": {"method": "POST", "url": "Patient"},
    }
    batch = {"resourceType": "Bundle", "type": "batch", "entry": [entry, entry]}
    response = outage.post("/fhir", json=batch, headers={"Authorization": f"Bearer {token}"})
    _assert_unavailable(response, "fhir")


def test_only_a_lost_or_unreachable_database_counts_as_unavailable(app, make):
    """Real errors from a real database: a refused statement or a constraint is not an
    outage (they stay a 500 and a 409); a refused connection and an exhausted pool are."""
    with pytest.raises(sa.exc.DBAPIError) as bad, db.session.begin_nested():  # SQLite: Operational
        db.session.execute(sa.text("SELECT no_such_column FROM users"))
    facility = make.facility()
    with pytest.raises(sa.exc.IntegrityError) as duplicate, db.session.begin_nested():
        db.session.execute(
            sa.insert(type(facility)).values(
                code=facility.code, name="Twin", address_line="x", city="y"
            )
        )
    unreachable = sa.create_engine(CLOSED_PORT_URL)
    with pytest.raises(sa.exc.OperationalError) as refused:
        unreachable.connect()
    tiny = sa.create_engine(
        app.config["SQLALCHEMY_DATABASE_URI"], pool_size=1, max_overflow=0, pool_timeout=0.1
    )
    with tiny.connect(), pytest.raises(sa.exc.TimeoutError) as exhausted:
        tiny.connect()
    tiny.dispose()
    assert not is_unavailable(bad.value) and not is_unavailable(duplicate.value)
    assert is_unavailable(refused.value) and is_unavailable(exhausted.value)


# --- a database lost while the app runs -----------------------------------------------


class Live:
    """An app on a database of its own (no per-test rollback: commits are real), with
    an officer and a clinician who hold tokens."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.app: Flask = make_app(url)
        self.name = sa.engine.make_url(url).database or ""
        with self.app.app_context():
            migrate.upgrade("head")
            system = Actor.system("test")
            for role in ("officer", "clinician"):
                data = UserIn(
                    username=f"outage.{role}", full_name="O", role=role, password=PASSWORD
                )
                create_user(actor=system, data=data)
            self.officer = self._bearer("outage.officer")
            self.clinician = {**self._bearer("outage.clinician"), "Accept": FHIR}
            db.session.remove()
            db.engine.dispose()

    @staticmethod
    def _bearer(username: str) -> dict[str, str]:
        token = create_token(actor=Actor.system("test"), username=username, expires_days=1)
        return {"Authorization": f"Bearer {token}"}

    def admin(self, *statements: str) -> None:
        """Run statements on the server's `postgres` database (not through the app)."""
        admin = sa.create_engine(
            sa.engine.make_url(self.url).set(database="postgres"), isolation_level="AUTOCOMMIT"
        )
        with admin.connect() as conn:
            for statement in statements:
                conn.execute(sa.text(statement.format(db=self.name)))
        admin.dispose()

    def terminate(self) -> None:
        """End every server process of the app's database (its pooled connections die),
        waiting until they are gone (termination is a signal, not a wait)."""
        self.admin(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
            " WHERE datname = '{db}' AND pid <> pg_backend_pid()"
        )
        for _ in range(100):
            if not self.admin_scalar(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = '{db}'"
            ):
                return
            time.sleep(0.05)
        pytest.fail("the database's connections did not end")

    def admin_scalar(self, statement: str) -> object:
        admin = sa.create_engine(sa.engine.make_url(self.url).set(database="postgres"))
        with admin.connect() as conn:
            value = conn.scalar(sa.text(statement.format(db=self.name)))
        admin.dispose()
        return value

    def take_down(self) -> None:
        """The database stops answering: nothing connected, no new connection accepted
        (PostgreSQL: connections refused; SQLite: the file's folder is gone)."""
        if is_postgres():
            self.admin('ALTER DATABASE "{db}" ALLOW_CONNECTIONS false')
            self.terminate()
            return
        folder = self._sqlite_folder()
        folder.rename(folder.with_name(folder.name + "-away"))
        with self.app.app_context():
            db.engine.dispose()  # pooled connections: closed once handed back

    def bring_back(self) -> None:
        if is_postgres():
            self.admin('ALTER DATABASE "{db}" ALLOW_CONNECTIONS true')
        else:
            folder = self._sqlite_folder()
            away = folder.with_name(folder.name + "-away")
            if away.exists():
                away.rename(folder)
        with self.app.app_context():
            db.engine.dispose()

    def _sqlite_folder(self) -> Path:
        return Path(self.url.removeprefix("sqlite:///")).parent

    def sign_in(self, client) -> None:
        page = client.get("/login")
        response = client.post(
            "/login",
            data={
                "username": "outage.officer",
                "password": PASSWORD,
                "csrf_token": csrf_token(page.text),
            },
        )
        assert response.status_code == 302, response.text


@pytest.fixture(scope="module")
def live() -> Iterator[Live]:
    url = fresh_database("outage")
    running = Live(url)
    yield running
    running.bring_back()
    with running.app.app_context():
        db.engine.dispose()
    drop_database(url)


@contextmanager
def lost_after_commit(live: Live, table: str) -> Iterator[dict[str, bool]]:
    """Take the database down the moment the first transaction that writes to `table`
    has committed, before the response is built; bring it back afterwards."""
    state = {"wrote": False, "lost": False}

    def before_execute(_conn, _cursor, statement, _params, _context, _many) -> None:
        if statement.lstrip().upper().startswith(f"INSERT INTO {table.upper()} "):
            state["wrote"] = True

    def after_commit(_session: Session) -> None:
        if state["wrote"] and not state["lost"]:
            state["lost"] = True
            live.take_down()

    sa.event.listen(sa.engine.Engine, "before_cursor_execute", before_execute)
    sa.event.listen(Session, "after_commit", after_commit)
    try:
        yield state
    finally:
        sa.event.remove(Session, "after_commit", after_commit)
        sa.event.remove(sa.engine.Engine, "before_cursor_execute", before_execute)
        live.bring_back()


def test_a_write_committed_just_before_the_database_is_lost_is_answered_201(live, caplog):
    client = live.app.test_client()
    with lost_after_commit(live, "detainees") as state, caplog.at_level(logging.INFO):
        created = client.post("/api/v1/detainees", json=PERSON, headers=live.officer)
        after = client.get("/api/v1/facilities", headers=live.officer)
    assert state["lost"]
    _assert_unavailable(after, "api")  # the database really was gone after the commit
    assert created.status_code == 201, created.text
    body = created.json
    assert (body["a_number"], body["family_name"]) == ("200000001", "Outageperson")
    assert body["possible_duplicates"] == [] and body["alerts"] == []
    assert "audit sealing deferred" in caplog.text  # sealing waits; the write stands
    with live.app.app_context():
        person = db.session.get(Detainee, body["id"])
        assert person is not None and person.given_name == "Sam"
        entry = db.session.scalar(
            sa.select(AuditEvent).where(
                AuditEvent.tag == "custody:detainee:create",
                AuditEvent.subject_id == str(body["id"]),
            )
        )
        assert entry is not None and entry.actor == "outage.officer"
        db.session.remove()


def test_a_fhir_create_committed_just_before_the_database_is_lost_is_answered_201(live):
    client = live.app.test_client()
    patient = {
        "resourceType": "Patient",
        "name": [{"family": "Outagepatient", "given": ["Kim"]}],
        "birthDate": "1991-05-06",
    }
    headers = {**live.clinician, "Content-Type": FHIR}
    with lost_after_commit(live, "fhir_resources") as state:
        created = client.post("/fhir/Patient", json=patient, headers=headers)
    assert state["lost"]
    assert created.status_code == 201, created.text
    pid = created.json["id"]
    assert created.json["name"] == patient["name"] and created.json["meta"]["versionId"] == "1"
    assert created.headers["Location"] == f"http://localhost/fhir/Patient/{pid}/_history/1"
    with live.app.app_context():
        stored = db.session.get(FhirResource, ("Patient", pid))
        assert stored is not None and stored.resource["name"][0]["family"] == "Outagepatient"
        db.session.remove()


@pytest.fixture
def postgres_live(live: Live) -> Live:
    if not is_postgres():
        pytest.skip("SQLite has no server connections to terminate")
    return live


def test_connections_terminated_mid_way_give_503_then_the_app_recovers(postgres_live):
    live = postgres_live
    api, fhir, page = live.app.test_client(), live.app.test_client(), live.app.test_client()
    live.sign_in(page)
    calls = {
        "api": lambda: api.get("/api/v1/facilities", headers=live.officer),
        "fhir": lambda: fhir.get("/fhir/Patient?family=Nobody", headers=live.clinician),
        "page": lambda: page.get("/dashboard"),  # the session's user is loaded first
    }
    for kind, call in calls.items():
        assert call().status_code == 200
        live.terminate()  # every pooled connection is now dead; the next use fails
        _assert_unavailable(call(), kind)
        assert call().status_code == 200, kind  # a new connection, no restart needed


def test_a_database_refusing_connections_gives_503_until_it_is_back(postgres_live):
    live = postgres_live
    client, page = live.app.test_client(), live.app.test_client()
    live.sign_in(page)
    live.take_down()
    try:
        for _ in range(2):
            _assert_unavailable(client.get("/api/v1/facilities", headers=live.officer), "api")
            _assert_unavailable(client.get("/fhir/Patient", headers=live.clinician), "fhir")
            _assert_unavailable(page.get("/dashboard"), "page")
            assert client.get("/healthz").json["status"] == "degraded"
    finally:
        live.bring_back()
    assert client.get("/healthz").json == {"status": "ok", "database": "ok"}
    assert page.get("/dashboard").status_code == 200


def test_database_errors_never_carry_the_statements_parameters(app):
    """Whoever logs a database error (a traceback, a batch entry's warning), its text
    holds the statement but not the values sent with it, which can be health data."""
    with pytest.raises(sa.exc.DBAPIError) as caught, db.session.begin_nested():
        db.session.execute(sa.text("SELECT :note FROM no_such_table"), {"note": "Qxqzdiagnosis"})
    assert "no_such_table" in str(caught.value)
    assert "Qxqzdiagnosis" not in str(caught.value) and "hidden" in str(caught.value)
