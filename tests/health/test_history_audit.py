"""History at every level is audited per patient whose data the page shows, so an
auditor filtering the log by patient finds type- and system-level history reads too."""

from __future__ import annotations

import csv
import io

import pytest

from tests.health.conftest import observation, patient
from tests.helpers import events

HISTORY = "health:fhir:history"


@pytest.fixture
def charts(fhir):
    ada = fhir.create(patient())["id"]
    bo = fhir.create(patient())["id"]
    org = fhir.create({"resourceType": "Organization", "name": "Synthetic Clinic"})["id"]
    first = fhir.create(observation(ada))["id"]
    fhir.create(observation(bo))
    return {"ada": ada, "bo": bo, "org": org, "first": first}


def _subjects(since: int) -> set[tuple[str, str]]:
    return {(e.subject_type, e.subject_id) for e in events(HISTORY)[since:]}


def test_type_history_names_each_patient_shown(fhir, charts):
    before = len(events(HISTORY))
    body = fhir.get("Observation/_history").json
    assert body["total"] == 2
    assert _subjects(before) == {("Patient", charts["ada"]), ("Patient", charts["bo"])}
    [ada_entry] = [e for e in events(HISTORY)[before:] if e.subject_id == charts["ada"]]
    assert ada_entry.changed_fields == [f"Observation/{charts['first']}"]


def test_system_history_names_patients_and_resources_outside_any_compartment(fhir, charts):
    before = len(events(HISTORY))
    assert fhir.get("_history").json["total"] == 5
    assert _subjects(before) == {
        ("Patient", charts["ada"]),
        ("Patient", charts["bo"]),
        ("Organization", charts["org"]),
    }


def test_a_page_names_only_the_patients_on_it(fhir, charts):
    before = len(events(HISTORY))
    fhir.get("Observation/_history?_count=1")  # newest first: Bo's observation
    assert _subjects(before) == {("Patient", charts["bo"])}


def test_each_version_names_its_own_patient_and_a_deletion_its_last(fhir, charts):
    """An observation moved from Ada to Bo showed Ada's data in version 1."""
    ada, bo, first = charts["ada"], charts["bo"], charts["first"]
    moved = fhir.put(f"Observation/{first}", observation(bo, id=first))
    assert moved.status_code == 200
    assert fhir.delete(f"Observation/{first}").status_code == 204
    for path in (f"Observation/{first}/_history", "Observation/_history"):
        before = len(events(HISTORY))
        fhir.get(path)
        refs = {e.subject_id: e.changed_fields for e in events(HISTORY)[before:]}
        assert set(refs) == {ada, bo}, path  # the tombstone too: no Observation subject
        assert refs[ada] == [f"Observation/{first}"]  # version 1
        assert f"Observation/{first}" in refs[bo]  # version 2 and the tombstone


def test_an_auditor_filtering_by_patient_finds_the_history_reads(client, app, fhir, charts, make):
    fhir.get("Observation/_history")
    fhir.get("_history")
    auditor = app.test_client()
    make.login(auditor, role="auditor")
    response = auditor.get(
        f"/audit/events.csv?subject_type=Patient&subject_id={charts['ada']}&tag={HISTORY}"
    )
    assert response.status_code == 200
    rows = list(csv.DictReader(io.StringIO(response.text)))
    assert len(rows) == 2
    assert {(r["tag"], r["subject_type"], r["subject_id"]) for r in rows} == {
        (HISTORY, "Patient", charts["ada"])
    }
