"""Service-level pieces: ensure_patient for bookings, the capability statement, type list."""

from __future__ import annotations

import pytest

from core.actor import Actor
from core.errors import Forbidden
from health.fhir.resource_types import RESOURCE_TYPES
from health.fhir.services import ensure_patient
from tests.helpers import last_event


def test_ensure_patient_creates_once_and_finds_by_a_number(app, fhir, make):
    actor = make.actor("clinician")
    kwargs = dict(a_number="912345678", family_name="Example", given_name="Sam",
                  birth_date="1988-02-03", gender="male")  # fmt: skip
    first = ensure_patient(actor=actor, **kwargs)
    assert ensure_patient(actor=actor, **kwargs) == first
    assert last_event("health:fhir:create").subject_id == first
    found = fhir.get("Patient?identifier=912345678").json
    assert [e["resource"]["id"] for e in found["entry"]] == [first]
    system = app.config["FHIR_BASE"] + "/sid/a-number"
    assert fhir.get(f"Patient?identifier={system}|912345678").json["total"] == 1
    assert ensure_patient(actor=Actor.system("booking"), **kwargs) == first


def test_ensure_patient_takes_the_write_guard(fhir, make):
    """A clinician limited to a facility registers no one (a booking does): the same
    guard as POST /fhir/Patient, and nothing written."""
    scoped = make.actor("clinician", facility_id=make.facility(code="GRDA").id)
    kwargs = dict(a_number="912345679", family_name="Example", given_name="Ana",
                  birth_date="1990-05-06", gender="female")  # fmt: skip
    with pytest.raises(Forbidden):
        ensure_patient(actor=scoped, **kwargs)
    assert fhir.get("Patient?identifier=912345679").json["total"] == 0


def test_capability_statement_is_generated(client):
    response = client.get("/fhir/metadata")
    assert response.status_code == 200 and response.mimetype == "application/fhir+json"
    body = response.json
    assert body["resourceType"] == "CapabilityStatement" and body["fhirVersion"] == "4.0.1"
    resources = {r["type"]: r for r in body["rest"][0]["resource"]}
    assert set(resources) == RESOURCE_TYPES
    observation = {p["name"]: p["type"] for p in resources["Observation"]["searchParam"]}
    assert observation["code"] == "token" and observation["date"] == "date"
    assert observation["patient"] == "reference" and observation["_lastUpdated"] == "date"
    assert "Observation:subject" in resources["Observation"]["searchInclude"]
    assert resources["Patient"]["operation"][0]["name"] == "everything"
    interactions = {i["code"] for i in body["rest"][0]["interaction"]}
    assert {"transaction", "batch", "history-system"} <= interactions
