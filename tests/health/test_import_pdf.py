"""`custodia fhir import FILE.pdf`: the FHIR Bundle attached to an export is loaded like
a Bundle file (ids kept, audited); a PDF without one, or a broken one, fails clearly.
The PDFs are made here by real WeasyPrint (PDF/A-3b, tagged, the Bundle attached as the
exports attach it); the lead adds the round trip through the real health-record export.
"""

from __future__ import annotations

import base64
import gc
import json
import warnings
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
import weasyprint

from core.audit import AuditEvent
from core.cli import main
from core.db import db
from health.audit_tags import HealthAuditTag
from health.fhir.models import FhirResource

BASE = "https://custodia.example/fhir"
PATIENT = {
    "resourceType": "Patient",
    "id": "pdf-pat-1",
    "name": [{"family": "Pdfperson", "given": ["Robin"]}],
    "gender": "other",
    "birthDate": "1988-02-03",
}
ENCOUNTER = {
    "resourceType": "Encounter",
    "id": "pdf-enc-1",
    "status": "finished",
    "class": {"system": "http://terminology.hl7.org/CodeSystem/v3-ActCode", "code": "AMB"},
    "subject": {"reference": "Patient/pdf-pat-1"},
    "period": {"start": "2026-11-30T09:00:00Z", "end": "2026-11-30T09:20:00Z"},
}
OBSERVATION = {
    "resourceType": "Observation",
    "id": "pdf-obs-1",
    "status": "final",
    "code": {"coding": [{"system": "http://loinc.org", "code": "8867-4"}], "text": "HR"},
    "subject": {"reference": "Patient/pdf-pat-1"},
    "encounter": {"reference": "Encounter/pdf-enc-1"},
    "effectiveDateTime": "2026-11-30T09:05:00Z",
    "valueQuantity": {"value": 64, "unit": "/min", "system": "http://unitsofmeasure.org"},
}
BUNDLE = {
    "resourceType": "Bundle",
    "type": "collection",
    "entry": [
        {"fullUrl": f"{BASE}/{r['resourceType']}/{r['id']}", "resource": r}
        for r in (PATIENT, ENCOUNTER, OBSERVATION)
    ],
}
HTML = """<!doctype html><html lang="en"><head><title>Health record</title></head>
<body><h1>Health record</h1><p>Synthetic patient PDFPERSON, Robin.</p></body></html>"""


def _attachment(name: str, document: Any, mime: str) -> weasyprint.Attachment:
    encoded = base64.b64encode(json.dumps(document).encode()).decode()
    return weasyprint.Attachment(
        url=f"data:{mime};base64,{encoded}",
        name=name,
        description="FHIR R4 Bundle (collection) this record was made from",
        relationship="Source",
    )


def _pdf(*attachments: weasyprint.Attachment) -> bytes:
    """As the exports write it: PDF/A-3b, tagged. (WeasyPrint 70 leaves its sRGB profile
    file open for PDF/A; that one ResourceWarning is silenced here.)"""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ResourceWarning)
        data = weasyprint.HTML(string=HTML).write_pdf(
            pdf_variant="pdf/a-3b", pdf_tags=True, attachments=list(attachments)
        )
        gc.collect()
    return data


def _import(app, *paths: Path) -> Any:
    return app.test_cli_runner().invoke(main, ["fhir", "import", *map(str, paths)])


def _stored() -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(FhirResource)) or 0


def test_bundle_attached_to_a_pdf_is_imported_with_its_ids(app, fhir, tmp_path):
    export = tmp_path / "health-record.pdf"
    export.write_bytes(
        _pdf(
            _attachment("notes.json", {"note": "not FHIR"}, "application/json"),
            _attachment("fhir-bundle.json", BUNDLE, "application/fhir+json"),
        )
    )
    result = _import(app, export)
    assert result.exit_code == 0, result.output
    assert f"{export}#fhir-bundle.json: collection, 3 resources" in result.output
    assert "notes.json" not in result.output  # attachments that are no Bundle: ignored
    assert "imported 3 resources" in result.output

    patient = fhir.get("Patient/pdf-pat-1")
    assert patient.status_code == 200, patient.text
    assert patient.json["name"] == PATIENT["name"]
    encounter = fhir.get("Encounter/pdf-enc-1").json
    assert encounter["subject"] == {"reference": "Patient/pdf-pat-1"}
    found = fhir.get("Observation?patient=pdf-pat-1&encounter=Encounter/pdf-enc-1").json
    assert [e["resource"]["id"] for e in found["entry"]] == ["pdf-obs-1"]
    assert found["entry"][0]["resource"]["valueQuantity"]["value"] == 64

    audited = db.session.scalars(
        sa.select(AuditEvent).where(AuditEvent.tag == HealthAuditTag.IMPORT)
    ).all()
    assert [(e.subject_type, e.subject_id, e.outcome) for e in audited] == [
        ("Patient", "pdf-pat-1", "success")
    ]


def test_pdf_and_json_files_in_one_run_are_reported_in_order(app, tmp_path):
    export, extra = tmp_path / "packet.pdf", tmp_path / "extra.json"
    export.write_bytes(_pdf(_attachment("fhir-bundle.json", BUNDLE, "application/fhir+json")))
    other = {**PATIENT, "id": "pdf-pat-2"}
    extra.write_text(json.dumps({**BUNDLE, "entry": [{"resource": other}]}))
    result = _import(app, export, extra)
    assert result.exit_code == 0, result.output
    named = [line.split(": ", 1)[0] for line in result.output.splitlines()[:-1]]
    assert named == [f"{export}#fhir-bundle.json", str(extra)]
    assert _stored() == 4


def test_pdf_without_a_bundle_fails_clearly(app, tmp_path):
    plain = tmp_path / "custody-record.pdf"
    plain.write_bytes(_pdf(_attachment("notes.json", {"note": "x"}, "application/json")))
    result = _import(app, plain)
    assert result.exit_code == 1
    assert f"{plain}: FAILED 400 {plain}: no FHIR Bundle attached." in result.output
    assert _stored() == 0


@pytest.mark.parametrize(
    "data",
    [b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog", b"%PDF-1.7\n\x00\xff" * 3],
    ids=["truncated", "garbage"],
)
def test_corrupt_pdf_fails_clearly(app, tmp_path, data):
    broken = tmp_path / "broken.pdf"
    broken.write_bytes(data)
    result = _import(app, broken)
    assert result.exit_code == 1
    assert f"{broken}: FAILED 400 {broken}: " in result.output
    assert "not a readable PDF" in result.output, result.output
    assert _stored() == 0


def test_invalid_attached_bundle_fails_that_attachment_only(app, tmp_path):
    bad = {**BUNDLE, "entry": [{"resource": {**PATIENT, "gender": 7}}]}
    export = tmp_path / "two.pdf"
    export.write_bytes(
        _pdf(
            _attachment("a-bad.json", bad, "application/fhir+json"),
            _attachment("fhir-bundle.json", BUNDLE, "application/fhir+json"),
        )
    )
    result = _import(app, export)
    assert result.exit_code == 1
    assert f"{export}#a-bad.json: FAILED 400" in result.output
    assert f"{export}#fhir-bundle.json: collection, 3 resources" in result.output
    assert _stored() == 3
