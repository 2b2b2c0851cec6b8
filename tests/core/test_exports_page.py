"""The exports page: request (kind, A-number, purpose), progress, download, and the
history of the actor's own exports."""

from __future__ import annotations

import re
from collections.abc import Iterator
from urllib.parse import parse_qs, urlsplit

import pytest
import sqlalchemy as sa
from flask import Flask

from core.db import db
from core.exports import jobs
from core.exports.models import ExportRecord
from core.i18n import a_number, local_time
from tests.core.exports_support import pdf_text, probe_app
from tests.helpers import csrf_token


@pytest.fixture(scope="module")
def app(database_url: str) -> Iterator[Flask]:
    """The suite's app plus the export probe feature (tests/core/export_probe.py)."""
    yield from probe_app(database_url)


@pytest.fixture
def held(make):
    return make.booking()


@pytest.fixture
def enqueued(monkeypatch):
    """Jobs handed to a list, not a worker: the rolled-back test transaction is
    invisible to other threads; the test runs them with `jobs.run_job`."""
    found: list[str] = []
    monkeypatch.setattr(jobs, "enqueue", found.append)
    return found


def _request(client, **data):
    page = client.get("/exports/")
    return client.post("/exports/", data={"csrf_token": csrf_token(page.text), **data})


def test_the_page_offers_the_kinds_the_actor_may_export(client, make):
    make.login(client, role="records")
    page = client.get("/exports/")
    assert page.status_code == 200
    assert "Probe record" in page.text and "Probe health record" in page.text
    assert "You have not exported anything yet." in page.text

    client.post("/logout", data={"csrf_token": csrf_token(page.text)})
    make.login(client, role="officer")
    officer = client.get("/exports/")
    assert "Probe record" in officer.text and "Probe health record" not in officer.text


@pytest.mark.parametrize("role", ["admin", "auditor"])
def test_admin_and_auditor_get_403(client, make, role):
    make.login(client, role=role)
    assert client.get("/exports/").status_code == 403


def test_records_dashboard_links_to_the_exports_page(client, make):
    make.login(client, role="records")
    dashboard = client.get("/dashboard")
    assert 'href="/exports/"' in dashboard.text


def test_an_unknown_a_number_is_shown_next_to_the_field(client, make):
    make.login(client, role="records")
    response = _request(client, kind="probe-record", a_number="A999-999-999", purpose="")
    assert response.status_code == 422
    assert re.search(r'id="a_number-error"[^>]*>No person has this A-number', response.text)


def test_a_health_export_asks_for_a_purpose(client, make, held):
    make.login(client, role="records")
    response = _request(
        client, kind="probe-health", a_number=a_number(held.detainee.a_number), purpose=" "
    )
    assert response.status_code == 422
    assert re.search(r'id="purpose-error"[^>]*>A purpose is required', response.text)


def test_request_progress_download_and_history(client, make, held, enqueued):
    user = make.login(client, role="records")
    response = _request(
        client,
        kind="probe-health",
        a_number=a_number(held.detainee.a_number),
        purpose="Requested by counsel",
    )
    assert response.status_code == 303
    target = urlsplit(response.headers["Location"])
    assert target.path == f"/exports/probe/{held.detainee_id}/health.pdf"
    assert parse_qs(target.query) == {"background": ["1"], "purpose": ["Requested by counsel"]}

    started = client.get(response.headers["Location"])
    assert started.status_code == 303 and started.headers["Location"].startswith("/exports/")
    [job_id] = enqueued
    waiting = client.get(started.headers["Location"])
    assert "waiting for a worker" in waiting.text and waiting.headers["Refresh"] == "3"
    assert f'href="/exports/jobs/{job_id}"' in waiting.text

    jobs.run_job(job_id)
    page = client.get("/exports/")
    assert "Refresh" not in page.headers and "waiting for a worker" not in page.text
    person = f"{held.detainee.family_name.upper()}, Alex ({a_number(held.detainee.a_number)})"
    assert "Probe health record" in page.text and person in page.text
    assert "Requested by counsel" in page.text
    [download] = re.findall(r'href="(/exports/files/[0-9a-f]{32})"', page.text)
    record = db.session.scalar(sa.select(ExportRecord).where(ExportRecord.id == download[-32:]))
    assert record.facility_id == held.facility_id  # where the person is held
    assert local_time(record.created_at, held.facility.time_zone) in page.text
    pdf = client.get(download)
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    assert held.detainee.family_name.upper() in pdf_text(pdf.data)
    sha_short = re.search(r'<abbr title="([0-9a-f]{64})">([0-9a-f]{12})…', page.text)
    assert sha_short and sha_short.group(1).startswith(sha_short.group(2))

    # another records user sees neither the export nor its file
    client.post("/logout", data={"csrf_token": csrf_token(page.text)})
    make.login(client, role="records")
    other = client.get("/exports/")
    assert person not in other.text
    assert client.get(download).status_code == 404
    assert client.get(f"/exports/jobs/{job_id}").status_code == 404
    assert user.username not in other.text
