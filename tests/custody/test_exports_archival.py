"""Issue 15, points 2 and 3 across every export: each PDF passes the PDF/A-3b and
PDF/UA-1 checks we can run here (`core.pdf.conformance`), in one pass and merged from
chunks; `custodia exports verify` recognises it; and the health record's embedded FHIR
Bundle loads into a fresh database through `custodia fhir import`, as a receiving
facility would load it."""

from __future__ import annotations

import io
import json

import pikepdf
import pytest
import sqlalchemy as sa

from core import migrate
from core.db import db
from core.pdf.conformance import check_pdf
from health.fhir.link import patient_id_of
from health.fhir.models import FhirResource
from tests.conftest import drop_database, fresh_database, make_app
from tests.custody.test_exports_transfer import PURPOSE, _build

KINDS = ["custody-record", "legal-access", "health-record", "packet", "medical-summary"]


@pytest.fixture
def world(make):
    built = _build(make)
    built["patient_id"] = patient_id_of(built["person"].a_number)
    return built


def _url(world, kind: str) -> str:
    booking_id, transfer_id = world["transfer"].booking_id, world["transfer"].id
    return {
        "custody-record": f"/exports/bookings/{booking_id}/custody-record.pdf",
        "legal-access": f"/exports/bookings/{booking_id}/legal-access.pdf",
        "health-record": f"/exports/patients/{world['patient_id']}/health-record.pdf{PURPOSE}",
        "packet": f"/exports/transfers/{transfer_id}/packet.pdf{PURPOSE}",
        "medical-summary": f"/exports/transfers/{transfer_id}/medical-summary.pdf{PURPOSE}",
    }[kind]


def _conformant(data: bytes) -> None:
    report = check_pdf(data)
    failed = [f"{c.rule}: {c.description} ({c.detail})" for c in report.failures]
    assert report.passed_for("PDF/A-3") and report.passed_for("PDF/UA-1"), failed
    assert report.passed and report.ua_identified


@pytest.mark.parametrize("kind", KINDS)
def test_every_export_is_archival_tagged_and_verifiable(app, client, make, world, kind, tmp_path):
    make.login(client, role="records")
    response = client.get(_url(world, kind))
    assert response.status_code == 200, response.text[:300]
    assert response.mimetype == "application/pdf"
    _conformant(response.data)
    path = tmp_path / f"{kind}.pdf"
    path.write_bytes(response.data)
    verified = app.test_cli_runner().invoke(args=["exports", "verify", str(path)])
    assert verified.exit_code == 0, verified.output
    assert "unaltered" in verified.output.lower()


def test_a_record_merged_from_chunks_is_still_archival_and_tagged(app, client, make, world):
    """Small chunks force the parallel path: the merged file keeps PDF/A and its tags."""
    saved = app.config["PDF_CHUNK_BYTES"]
    app.config["PDF_CHUNK_BYTES"] = 1_500
    try:
        make.login(client, role="records")
        response = client.get(_url(world, "custody-record"))
    finally:
        app.config["PDF_CHUNK_BYTES"] = saved
    assert response.status_code == 200
    _conformant(response.data)
    with pikepdf.open(io.BytesIO(response.data)) as pdf:
        assert len(pdf.pages) >= 2


def test_the_health_record_loads_into_a_fresh_database_from_its_pdf(client, make, world, tmp_path):
    make.login(client, role="records")
    response = client.get(_url(world, "health-record"))
    assert response.status_code == 200
    path = tmp_path / "health-record.pdf"
    path.write_bytes(response.data)
    with pikepdf.open(path) as pdf:
        bundle = json.loads(pdf.attachments["fhir-bundle.json"].get_file().read_bytes())
    expected = {(e["resource"]["resourceType"], e["resource"]["id"]) for e in bundle["entry"]}
    assert ("Patient", world["patient_id"]) in expected
    assert any(kind == "Composition" for kind, _ in expected)  # the transfer summary

    url = fresh_database("pdfimport")
    receiving = make_app(url)
    try:
        with receiving.app_context():
            migrate.upgrade("head")
            result = receiving.test_cli_runner().invoke(args=["fhir", "import", str(path)])
            assert result.exit_code == 0, result.output
            assert "health-record.pdf#fhir-bundle.json" in result.output
            loaded = set(
                db.session.execute(
                    sa.select(FhirResource.resource_type, FhirResource.id).where(
                        FhirResource.is_deleted.is_(False)
                    )
                ).all()
            )
            assert expected <= {tuple(row) for row in loaded}
            db.session.remove()
            db.engine.dispose()
    finally:
        drop_database(url)
