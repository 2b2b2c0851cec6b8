"""core.exports: what every produced PDF leaves behind (record, file, one audit entry
with its SHA-256 in the hash chain), the purpose rule, the print view, and background
jobs on both paths (local threads; RQ on Redis database 14)."""

from __future__ import annotations

import hashlib
import time
import uuid
from collections.abc import Iterator
from types import SimpleNamespace

import pytest
import redis
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient
from rq import SimpleWorker

from core import audit
from core.audit_tags import CoreAuditTag
from core.audit_verify import verify_chain
from core.cli import main
from core.db import db, unit_of_work, utcnow
from core.exports import jobs
from core.exports.models import ExportFile, ExportJob, ExportRecord, JobStatus
from core.exports.stamp_id import read_export_id
from tests.conftest import IsolatedClient, drop_database, fresh_database
from tests.core.exports_support import pdf_text, probe_app
from tests.helpers import events, own_signal_handlers

REDIS_TEST_URL = "redis://127.0.0.1:6379/14"


@pytest.fixture(scope="module")
def app(database_url: str) -> Iterator[Flask]:
    """The suite's app plus the export probe feature (tests/core/export_probe.py)."""
    yield from probe_app(database_url)


def _url(booking, kind: str = "record", **args: object) -> str:
    query = "&".join(f"{k}={v}" for k, v in args.items())
    return f"/exports/probe/{booking.detainee_id}/{kind}.pdf" + (f"?{query}" if query else "")


@pytest.fixture
def booking(make):
    return make.booking()


def test_a_small_export_is_the_pdf_recorded_and_audited_once(client, make, booking):
    headers = make.headers("records")
    response = client.get(_url(booking), headers=headers)
    assert response.status_code == 200, response.text
    assert response.mimetype == "application/pdf"
    assert 'filename="probe-record-' in response.headers["Content-Disposition"]
    text = pdf_text(response.data)
    assert booking.detainee.family_name.upper() in text and "probe line 2" in text

    digest = hashlib.sha256(response.data).hexdigest()
    record = db.session.scalar(sa.select(ExportRecord).where(ExportRecord.sha256 == digest))
    assert record is not None and record.id == response.headers["X-Export-Id"]
    assert read_export_id(response.data) == record.id  # embedded before hashing
    assert (record.kind, record.subject_type, record.subject_id) == (
        "probe-record",
        "detainee",
        str(booking.detainee_id),
    )
    assert record.requested_by.startswith("user") or record.requested_by
    assert record.size == len(response.data) and record.pages >= 1
    assert db.session.get(ExportFile, record.id).data == response.data

    [entry] = events(CoreAuditTag.EXPORT_CREATE.value, subject_id=str(booking.detainee_id))
    assert entry.id == record.audit_event_id and entry.subject_type == "detainee"
    assert entry.detail == {
        "export_id": record.id,
        "kind": "probe-record",
        "sha256": digest,
        "purpose": None,
        "pages": record.pages,
    }
    audit.seal_all()
    db.session.expire_all()
    assert entry.seq is not None
    result = verify_chain()
    assert result.ok, result.describe()
    command = client.application.test_cli_runner().invoke(main, ["audit", "verify"])
    assert command.exit_code == 0 and "audit chain intact" in command.output


def test_the_detail_is_in_the_chain_hash(make, booking, client):
    """Editing an export's detail breaks the chain; on PostgreSQL the append-only
    trigger refuses the edit, sealed or not (a "sealing" UPDATE may not change it)."""
    client.get(_url(booking), headers=make.headers("records"))
    entry = events(CoreAuditTag.EXPORT_CREATE.value)[-1]
    forged = '{"sha256": "0"}'
    if db.engine.dialect.name == "postgresql":
        with pytest.raises(sa.exc.DBAPIError, match="append-only"), db.session.begin_nested():
            db.session.execute(
                sa.text("UPDATE audit_events SET detail = CAST(:d AS jsonb) WHERE id = :id"),
                {"d": forged, "id": entry.id},
            )
        return
    db.session.execute(
        sa.text("UPDATE audit_events SET detail = :d WHERE id = :id"),
        {"d": forged, "id": entry.id},
    )
    result = verify_chain()
    assert not result.ok and result.first_bad_id == entry.id


@pytest.mark.postgres
def test_the_trigger_refuses_a_seal_that_changes_the_detail(make):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("the append-only trigger exists on PostgreSQL only")
    event = audit.AuditEvent(
        occurred_at=utcnow(),
        actor="someone",
        tag="test:unsealed",
        outcome="success",
        changed_fields=[],
        detail={"a": 1},
    )
    db.session.add(event)
    db.session.flush()  # unsealed: only a seal that leaves the content alone may touch it
    entry_id = event.id
    with pytest.raises(sa.exc.DBAPIError, match="append-only"), db.session.begin_nested():
        db.session.execute(
            sa.text(
                "UPDATE audit_events SET seq = 999999, detail = CAST(:d AS jsonb) "
                "WHERE id = :id AND seq IS NULL"
            ),
            {"d": '{"a": 2}', "id": entry_id},
        )


def test_entries_without_detail_hash_as_before(make):
    """The canonical form of an entry without detail has no "detail" key."""
    with unit_of_work():
        entry_id = audit.record(actor=make.actor(), tag="test:nodetail", subject_type="t")
    row = db.session.get(audit.AuditEvent, entry_id)
    assert row.detail is None and '"detail"' not in audit.canonical(row, 1)


def test_a_health_export_needs_a_purpose_json_for_scripts(client, make, booking):
    headers = make.headers("clinician")
    for url in (_url(booking, "health"), _url(booking, "health", purpose="%20%20")):
        response = client.get(url, headers=headers)
        assert response.status_code == 400 and response.is_json
        assert "purpose is required" in response.json["message"]
    long = client.get(_url(booking, "health", purpose="x" * 201), headers=headers)
    assert long.status_code == 400 and "200 characters" in long.json["message"]
    assert not events(CoreAuditTag.EXPORT_CREATE.value)

    ok = client.get(_url(booking, "health", purpose="Court%20order%2012"), headers=headers)
    assert ok.status_code == 200 and ok.mimetype == "application/pdf"
    entry = events(CoreAuditTag.EXPORT_CREATE.value)[-1]
    assert entry.detail["purpose"] == "Court order 12"
    record = db.session.get(ExportRecord, entry.detail["export_id"])
    assert record.purpose == "Court order 12"


def test_a_health_export_without_purpose_is_a_page_for_a_session(client, make, booking):
    make.login(client, role="clinician")
    response = client.get(_url(booking, "health"))
    assert response.status_code == 400 and response.mimetype == "text/html"
    assert "purpose is required" in response.text


def test_the_print_view_is_audited_as_a_view_without_a_record(client, make, booking):
    response = client.get(_url(booking, format="html"), headers=make.headers("officer"))
    assert response.status_code == 200 and response.mimetype == "text/html"
    assert "probe line 1" in response.text
    [entry] = events(CoreAuditTag.EXPORT_PRINT_VIEW.value)
    assert entry.detail == {"kind": "probe-record", "purpose": None}
    assert not events(CoreAuditTag.EXPORT_CREATE.value)
    mine = sa.select(ExportRecord).where(ExportRecord.subject_id == str(booking.detainee_id))
    assert db.session.scalars(mine).first() is None


@pytest.mark.parametrize("role", ["admin", "auditor"])
def test_roles_without_the_permission_get_403(client, make, booking, role):
    response = client.get(_url(booking), headers=make.headers(role))
    assert response.status_code == 403 and response.is_json
    assert not events(CoreAuditTag.EXPORT_CREATE.value)


def test_an_invalid_token_on_exports_is_a_json_401(client, booking):
    response = client.get(_url(booking), headers={"Authorization": "Bearer nope"})
    assert response.status_code == 401 and response.is_json


def test_a_scoped_user_cannot_export_another_facilitys_person(client, make, booking):
    elsewhere = make.facility()
    response = client.get(_url(booking), headers=make.headers("records", facility_id=elsewhere.id))
    assert response.status_code == 403
    assert not events(CoreAuditTag.EXPORT_CREATE.value)


def test_a_large_export_waits_for_a_job_the_requester_alone_sees(client, make, booking, app):
    """In the rolled-back test transaction no worker could see the job: hand it to the
    worker by hand (`run_job`, as RQ and the thread pool do)."""
    enqueued: list[str] = []
    app.config["EXPORT_INLINE_MAX_PARTS"] = 3
    original, jobs.enqueue = jobs.enqueue, enqueued.append
    try:
        headers = make.headers("records")
        response = client.get(_url(booking, parts=5), headers=headers)
    finally:
        jobs.enqueue = original
        app.config["EXPORT_INLINE_MAX_PARTS"] = 20
    assert response.status_code == 202 and response.is_json
    location = response.headers["Location"]
    assert location == f"/exports/jobs/{enqueued[0]}"
    assert response.json["status"] == "queued" and response.json["total"] == 5
    assert client.get(location, headers=make.headers("records")).status_code == 404  # not theirs

    jobs.run_job(enqueued[0])
    done = client.get(location, headers=headers)
    assert done.status_code == 303 and done.headers["Location"].endswith("/file")
    pdf = client.get(done.headers["Location"], headers=headers)
    assert pdf.status_code == 200 and "probe line 5" in pdf_text(pdf.data)
    job = db.session.get(ExportJob, enqueued[0])
    # progress counts the renderer's chunks (total: its own count once it starts)
    assert (job.status, job.document) == ("done", None) and job.done == job.total >= 1
    entry = events(CoreAuditTag.EXPORT_CREATE.value)[-1]
    assert entry.detail["sha256"] == hashlib.sha256(pdf.data).hexdigest()
    assert entry.actor == job.requested_by and entry.request_id == job.request_id


def test_an_unreachable_queue_fails_the_job_not_the_request(client, make, booking, app):
    app.config.update(EXPORT_INLINE_MAX_PARTS=3, REDIS_URL="redis://127.0.0.1:1/0")
    try:
        headers = make.headers("records")
        response = client.get(_url(booking, parts=5), headers=headers)
    finally:
        app.config.update(EXPORT_INLINE_MAX_PARTS=20, REDIS_URL=None)
    assert response.status_code == 409 and "queue is unavailable" in response.json["message"]
    job = client.get(f"/exports/jobs/{response.json['id']}", headers=headers)
    assert job.status_code == 409 and job.json["status"] == "failed"


def test_a_failed_job_says_so_and_is_never_a_500(client, make):
    user = make.user("records")
    headers = make.headers(user=user)
    job = ExportJob(
        id=uuid.uuid4().hex,
        kind="probe-record",
        subject_type="detainee",
        subject_id="1",
        person="DOE, Jane (A123-456-789)",
        requested_by_id=user.id,
        requested_by=user.username,
        requester_role="records",
        document=b"not a packed document",
        total=3,
    )
    with unit_of_work() as session:
        session.add(job)
    jobs.run_job(job.id)
    response = client.get(f"/exports/jobs/{job.id}", headers=headers)
    assert response.status_code == 409 and response.json["status"] == "failed"
    assert "could not be produced" in response.json["message"]
    file = client.get(f"/exports/jobs/{job.id}/file", headers=headers)
    assert file.status_code == 409


# --- real background workers: committed data (no per-test rollback) ------------------


def _unbooked(make) -> SimpleNamespace:
    """A person never booked (no health record to build)."""
    return SimpleNamespace(detainee_id=make.detainee().id)


@pytest.fixture
def own_app() -> Iterator[Flask]:
    """The job tests commit for real (a worker thread or process cannot see the test's
    rolled-back transaction): they get a database of their own, dropped afterwards, so
    nothing they commit reaches other tests' counts."""
    url = fresh_database("exportjobs")
    try:
        yield from probe_app(url)
    finally:
        drop_database(url)


@pytest.fixture
def own_client(own_app: Flask) -> FlaskClient:
    own_app.test_client_class = IsolatedClient
    return own_app.test_client()


def _wait_done(client, location: str, headers: dict, seconds: float = 90) -> object:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        response = client.get(location, headers=headers)
        if response.status_code != 202:
            return response
        assert response.json["done"] <= response.json["total"]
        time.sleep(0.2)
    raise AssertionError("the export job did not finish")


@pytest.mark.no_rollback
def test_the_local_worker_renders_in_the_background(own_app, own_client):
    app, client = own_app, own_client
    from tests.helpers import Maker

    app.config["EXPORT_INLINE_MAX_PARTS"] = 3
    try:
        with app.app_context():
            make = Maker(app)
            booking = _unbooked(make)
            headers = make.headers("records")
            response = client.get(_url(booking, parts=6), headers=headers)
            assert response.status_code == 202, response.text
            done = _wait_done(client, response.headers["Location"], headers)
            assert done.status_code == 303, done.text
            pdf = client.get(done.headers["Location"], headers=headers)
            assert "probe line 6" in pdf_text(pdf.data)
            job_id = response.headers["Location"].rsplit("/", 1)[-1]
            db.session.expire_all()
            job = db.session.get(ExportJob, job_id)
            assert job.status == JobStatus.DONE.value and job.done == job.total >= 1
            assert verify_chain().ok
            db.session.remove()
    finally:
        app.config["EXPORT_INLINE_MAX_PARTS"] = 20


def _redis() -> redis.Redis:
    connection = redis.Redis.from_url(REDIS_TEST_URL)
    try:
        connection.ping()
    except redis.exceptions.ConnectionError:
        pytest.skip("no Redis on 127.0.0.1:6379")
    return connection


@pytest.mark.no_rollback
def test_with_redis_an_rq_worker_renders_it(own_app, own_client):
    app, client = own_app, own_client
    from tests.helpers import Maker

    connection = _redis()
    connection.flushdb()
    app.config.update(EXPORT_INLINE_MAX_PARTS=3, REDIS_URL=REDIS_TEST_URL)
    try:
        with app.app_context():
            make = Maker(app)
            booking = _unbooked(make)
            headers = make.headers("records")
            response = client.get(_url(booking, parts=4), headers=headers)
            assert response.status_code == 202, response.text
            location = response.headers["Location"]
            assert client.get(location, headers=headers).json["status"] == "queued"
            assert jobs.queue(REDIS_TEST_URL).count == 1
            with own_signal_handlers():  # RQ installs its own
                SimpleWorker([jobs.QUEUE], connection=connection).work(burst=True)
            done = client.get(location, headers=headers)
            assert done.status_code == 303, done.text
            pdf = client.get(done.headers["Location"], headers=headers)
            assert "probe line 4" in pdf_text(pdf.data)
            db.session.remove()
    finally:
        app.config.update(EXPORT_INLINE_MAX_PARTS=20, REDIS_URL=None)
        connection.flushdb()


def test_a_running_job_answers_202_with_its_progress(client, make):
    user = make.user("records")
    headers = make.headers(user=user)
    job = ExportJob(
        id=uuid.uuid4().hex,
        kind="probe-record",
        subject_type="detainee",
        subject_id="1",
        person="DOE, Jane (A123-456-789)",
        requested_by_id=user.id,
        requested_by=user.username,
        status=JobStatus.RUNNING.value,
        total=7,
    )
    with unit_of_work() as session:
        session.add(job)
    jobs._progress(job.id, 2, 7)
    response = client.get(f"/exports/jobs/{job.id}", headers=headers)
    assert response.status_code == 202
    assert response.headers["Location"] == f"/exports/jobs/{job.id}"
    assert (response.json["status"], response.json["done"], response.json["total"]) == (
        "running",
        2,
        7,
    )
    make.login(client, user=user)
    page = client.get(f"/exports/jobs/{job.id}")
    assert page.status_code == 202 and "2 of 7 parts rendered" in page.text
    assert page.headers["Refresh"] == "3"
