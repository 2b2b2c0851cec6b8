"""`custodia exports verify FILE`: 0 for a PDF this system produced, unaltered; 1
(ALTERED) when its export id is known but its bytes changed; 2 for anything else."""

from __future__ import annotations

import hashlib
import io
from collections.abc import Iterator

import pikepdf
import pytest
from flask import Flask

from core.audit import AuditEvent
from core.db import db
from core.exports.models import ExportRecord
from tests.core.exports_support import probe_app
from tests.helpers import own_signal_handlers


@pytest.fixture(scope="module")
def app(database_url: str) -> Iterator[Flask]:
    """The suite's app plus the export probe feature (tests/core/export_probe.py)."""
    yield from probe_app(database_url)


@pytest.fixture
def export(client, make, tmp_path):
    """A real health export (with a purpose) written to a file."""
    booking = make.booking()
    user = make.user("clinician")
    response = client.get(
        f"/exports/probe/{booking.detainee_id}/health.pdf?purpose=Continuity%20of%20care",
        headers=make.headers(user=user),
    )
    assert response.status_code == 200, response.text
    path = tmp_path / "export.pdf"
    path.write_bytes(response.data)
    record = db.session.get(ExportRecord, response.headers["X-Export-Id"])
    return path, record, user, booking


def _verify(app, path):
    return app.test_cli_runner().invoke(args=["exports", "verify", str(path)])


def test_an_unaltered_export_is_recognised(app, export):
    path, record, user, booking = export
    result = _verify(app, path)
    assert result.exit_code == 0, result.output
    assert "unaltered" in result.output
    assert user.username in result.output  # by whom
    assert booking.detainee.family_name.upper() in result.output  # for whom
    assert "Continuity of care" in result.output and "probe-health" in result.output
    assert record.id in result.output


def _one_byte_changed(data: bytes) -> bytes:
    """Flip one byte inside the first stream's data (the file's structure stays)."""
    start = data.index(b"stream", data.index(b"stream") + 1) + len(b"stream\n") + 5
    return data[:start] + bytes([data[start] ^ 0x01]) + data[start + 1 :]


def test_one_altered_byte_is_altered(app, export):
    path, record, _user, _booking = export
    path.write_bytes(_one_byte_changed(path.read_bytes()))
    result = _verify(app, path)
    assert result.exit_code == 1, result.output
    assert "ALTERED" in result.output and record.id in result.output


def test_a_record_that_disagrees_with_its_audit_entry_is_altered(app, export):
    """Someone rewrote the export record's SHA-256 to match a forged file: the audit
    entry (hash-chained) still names the original."""
    path, record, _user, _booking = export
    forged = _one_byte_changed(path.read_bytes())
    path.write_bytes(forged)
    record.sha256 = hashlib.sha256(forged).hexdigest()
    db.session.flush()
    result = _verify(app, path)
    assert result.exit_code == 1, result.output
    assert "does not match its audit entry" in result.output
    entry = db.session.get(AuditEvent, record.audit_event_id)
    assert entry.detail["sha256"] != record.sha256


def test_a_pdf_from_elsewhere_is_not_ours(app, tmp_path):
    pdf = pikepdf.new()
    pdf.add_blank_page()
    pdf.docinfo["/CustodiaExportId"] = "0" * 32  # claims an id no export has
    out = io.BytesIO()
    pdf.save(out)
    path = tmp_path / "other.pdf"
    path.write_bytes(out.getvalue())
    result = _verify(app, path)
    assert result.exit_code == 2 and "not produced by this system" in result.output


def test_a_file_that_is_no_pdf_is_not_ours(app, tmp_path):
    path = tmp_path / "notes.txt"
    path.write_text("just some text\n")
    result = _verify(app, path)
    assert result.exit_code == 2 and "not produced by this system" in result.output


def test_the_worker_needs_redis(app):
    app.config["REDIS_URL"] = None
    with own_signal_handlers():  # the RQ worker installs its own
        result = app.test_cli_runner().invoke(args=["exports", "worker", "--burst"])
    assert result.exit_code != 0 and "REDIS_URL is not set" in result.output
