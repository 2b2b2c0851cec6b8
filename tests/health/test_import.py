"""The importer: all 25 Synthea bundles (once per module, in a database of their own)
and the official examples' create/read round trip."""

from __future__ import annotations

import json
import signal
from decimal import Decimal
from pathlib import Path

import pytest
import sqlalchemy as sa

from core import migrate
from core.actor import Actor
from core.cli import main
from core.db import db
from health.fhir import importer
from health.fhir.models import FhirResource, ReferenceIndex
from tests.conftest import drop_database, fresh_database, make_app
from tests.health.conftest import Fhir
from tests.helpers import fhir_samples, own_signal_handlers

SAMPLES = fhir_samples()
SYNTHEA = sorted((SAMPLES / "synthea-r4-bundles").glob("*.json"))
EXAMPLES = sorted((SAMPLES / "r4-official-examples").glob("*.json"))
EXPECTED = {
    "Observation": 1827, "Claim": 410, "Encounter": 340, "ExplanationOfBenefit": 340,
    "Immunization": 241, "Procedure": 169, "Condition": 105, "DiagnosticReport": 104,
    "MedicationRequest": 70, "CarePlan": 45, "Organization": 34, "Practitioner": 34,
    "Patient": 25, "AllergyIntolerance": 22, "Goal": 18, "ImagingStudy": 8,
}  # fmt: skip


@pytest.fixture(scope="module")
def synthea():
    url = fresh_database("synthea")
    application = make_app(url)
    with application.app_context():
        migrate.upgrade("head")
        result = application.test_cli_runner().invoke(main, ["fhir", "import", *map(str, SYNTHEA)])
        yield application, result
        db.session.remove()
        db.engine.dispose()
    drop_database(url)


def test_all_synthea_bundles_import_with_per_type_counts(synthea):
    _, result = synthea
    assert result.exit_code == 0, result.output
    assert "imported 3792 resources" in result.output
    counts = dict(
        db.session.execute(
            sa.select(FhirResource.resource_type, sa.func.count()).group_by(
                FhirResource.resource_type
            )
        ).all()
    )
    assert counts == EXPECTED


def test_synthea_references_are_resolved(synthea):
    _application, _ = synthea
    unresolved = db.session.scalar(
        sa.select(sa.func.count())
        .select_from(ReferenceIndex)
        .where(ReferenceIndex.url.like("urn:%"))
    )
    assert unresolved == 0
    text = db.session.scalars(sa.select(sa.cast(FhirResource.resource, sa.Text))).all()
    assert not any("urn:uuid:" in t for t in text)
    # every Observation's subject is a Patient that exists; Claims point at their patient
    dangling = db.session.scalar(
        sa.select(sa.func.count())
        .select_from(ReferenceIndex)
        .where(ReferenceIndex.target_type.is_not(None))
        .where(
            ~sa.exists().where(
                FhirResource.resource_type == ReferenceIndex.target_type,
                FhirResource.id == ReferenceIndex.target_id,
            )
        )
    )
    assert dangling == 0
    patients = db.session.scalar(
        sa.select(sa.func.count(sa.distinct(FhirResource.patient_id))).where(
            FhirResource.resource_type.in_(["Observation", "Claim", "ExplanationOfBenefit"])
        )
    )
    assert patients == 25


def test_synthea_patient_everything_over_http(synthea):
    from tests.helpers import Maker

    application, _ = synthea
    headers = Maker(application).headers("clinician")
    client = Fhir(application.test_client(), headers)
    pid = db.session.scalar(
        sa.select(FhirResource.id).where(FhirResource.resource_type == "Patient").limit(1)
    )
    body = client.get(f"Patient/{pid}/$everything?_count=1000").json
    kinds = {e["resource"]["resourceType"] for e in body["entry"]}
    assert {"Patient", "Encounter", "Observation", "Claim", "Organization", "Practitioner"} <= kinds
    search = client.get(f"Observation?patient={pid}&code=http://loinc.org|8302-2&date=ge1900").json
    assert search["total"] >= 1


def _comparable(document):
    document.pop("id", None)
    meta = document.pop("meta", {})
    meta = {k: v for k, v in meta.items() if k not in ("versionId", "lastUpdated")}
    if meta:
        document["meta"] = meta
    return document


def test_official_examples_round_trip(app, fhir, monkeypatch):
    # the examples refer to resources of other examples or none: integrity off here
    monkeypatch.setitem(app.config, "FHIR_ENFORCE_REFERENCES", False)
    created = 0
    for path in EXAMPLES:
        original = json.loads(path.read_text(), parse_float=Decimal)
        response = fhir.post(original["resourceType"], path.read_text())
        if path.name == "Questionnaire-qs1.json":  # the spec example R4B rejects
            assert response.status_code == 400
            continue
        assert response.status_code == 201, (path.name, response.text)
        read = fhir.get(response.headers["Location"].split("/fhir/", 1)[1])
        back = json.loads(read.text, parse_float=Decimal)
        assert _comparable(back) == _comparable(original), path.name
        created += 1
    assert created == 279


def test_import_with_jobs_loads_files_in_worker_processes():
    """--jobs 2: each file in a worker process, one transaction each; the output names
    every file in the order given, and a file that fails does not stop the others."""
    url = fresh_database("import_jobs")
    application = make_app(url)
    try:
        with application.app_context():
            migrate.upgrade("head")
            paths = [*map(str, SYNTHEA[:3]), str(EXAMPLES[0])]  # the last is not a Bundle
            result = application.test_cli_runner().invoke(
                main, ["fhir", "import", "--jobs", "2", *paths]
            )
            assert result.exit_code == 1, result.output
            named = [line.split(":", 1)[0] for line in result.output.splitlines()[:-1]]
            assert named == paths
            assert "FAILED 400" in result.output
            expected = sum(len(json.loads(Path(p).read_bytes())["entry"]) for p in paths[:3])
            assert f"imported {expected} resources" in result.output
            stored = db.session.scalar(sa.select(sa.func.count()).select_from(FhirResource))
            assert stored == expected
            db.session.remove()
            db.engine.dispose()
    finally:
        drop_database(url)


def test_an_import_worker_starts_with_the_default_signal_handlers():
    """A forked import worker must die on the pool's terminate(): with a handler it
    inherited (RQ's warm shutdown, a gunicorn worker's) it could die holding the task
    queue's lock, or not at all, and the import would wait for ever (seen once)."""
    with own_signal_handlers():
        signal.signal(signal.SIGTERM, lambda *_: None)
        signal.signal(signal.SIGINT, lambda *_: None)
        importer._start_worker(make_app("sqlite://"), Actor.system("test"))
        try:
            assert signal.getsignal(signal.SIGTERM) == signal.SIG_DFL
            assert signal.getsignal(signal.SIGINT) == signal.default_int_handler
        finally:
            importer._WORKER.pop("context").pop()
