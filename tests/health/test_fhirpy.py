"""A real FHIR client, fhirpy, drives the server over HTTP (issue 12): create, read,
update, patch, conditional update, delete, search with chaining, `_has`, `_summary`,
`_elements`, paging and `$everything` — what a partner's integration does."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fhirpy import SyncFHIRClient
from fhirpy.base.exceptions import OperationOutcome, ResourceNotFound

from tests.health.live import LiveFhir, serve_fhir

SYSTEM = "urn:synthetic:fhirpy"
HEART_RATE = {"coding": [{"system": "http://loinc.org", "code": "8867-4"}]}
WEIGHT = {"coding": [{"system": "http://loinc.org", "code": "29463-7"}]}
SUBSETTED = "SUBSETTED"


@pytest.fixture(scope="module")
def live() -> Iterator[LiveFhir]:
    with serve_fhir("fhirpy") as server:
        yield server


@pytest.fixture(scope="module")
def client(live: LiveFhir) -> SyncFHIRClient:
    return SyncFHIRClient(live.base, authorization=f"Bearer {live.token}")


def _patient(client: SyncFHIRClient, family: str, value: str):
    patient = client.resource(
        "Patient",
        identifier=[{"system": SYSTEM, "value": value}],
        name=[{"family": family, "given": ["Sam"]}],
        gender="unknown",
        birthDate="1985-06-01",
    )
    patient.save()
    return patient


def _observation(client: SyncFHIRClient, patient, code: dict, value: float):
    observation = client.resource(
        "Observation",
        status="final",
        code=code,
        subject=patient.to_reference(),
        valueQuantity={"value": value, "unit": "/min"},
    )
    observation.save()
    return observation


def test_crud_patch_and_conditional_update(client):
    patient = _patient(client, "Jastwell", "crud-1")
    assert patient.id and patient["meta"]["versionId"] == "1"
    read = client.reference("Patient", patient.id).to_resource()
    assert read["name"][0]["family"] == "Jastwell"
    read["gender"] = "female"
    read.save()
    assert client.reference("Patient", patient.id).to_resource()["gender"] == "female"
    read.patch(birthDate="1985-07-02")
    patched = client.reference("Patient", patient.id).to_resource()
    assert patched["birthDate"] == "1985-07-02" and patched["gender"] == "female"
    assert patched["meta"]["versionId"] == "3"
    # conditional update: PUT Patient?identifier=… acts on the one match
    found = client.resources("Patient").search(identifier=f"{SYSTEM}|crud-1")
    replacement = client.resource(
        "Patient",
        identifier=[{"system": SYSTEM, "value": "crud-1"}],
        name=[{"family": "Jastwell", "given": ["Samira"]}],
        gender="female",
    )
    found.update(replacement)
    again = client.reference("Patient", patient.id).to_resource()
    assert again["name"][0]["given"] == ["Samira"] and again["meta"]["versionId"] == "4"
    assert client.resources("Patient").search(identifier=f"{SYSTEM}|crud-1").count() == 1
    assert read.is_valid() is True
    again.delete()
    with pytest.raises((ResourceNotFound, OperationOutcome)):
        client.reference("Patient", patient.id).to_resource()


def test_search_chaining_has_summary_elements_and_paging(client):
    jast = _patient(client, "Jastrow", "search-1")
    other = _patient(client, "Okonkwo", "search-2")
    for value in range(7):
        _observation(client, jast, HEART_RATE, 60 + value)
    _observation(client, other, HEART_RATE, 99)
    _observation(client, other, WEIGHT, 70)

    chained = client.resources("Observation").search(subject__Patient__name="Jastrow")
    found = chained.limit(3).fetch_all()  # three pages, followed by their next links
    assert len(found) == 7
    assert {o["subject"]["reference"] for o in found} == {f"Patient/{jast.id}"}
    by_identifier = client.resources("Observation").search(patient__identifier=f"{SYSTEM}|search-2")
    assert {o["subject"]["reference"] for o in by_identifier.fetch_all()} == {f"Patient/{other.id}"}

    weighed = client.resources("Patient").has("Observation", "patient", code="29463-7")
    assert [p.id for p in weighed.fetch_all()] == [other.id]

    summary = client.resources("Patient").search(_id=jast.id, _summary="true").fetch()
    assert summary and SUBSETTED in {t.get("code") for t in summary[0]["meta"]["tag"]}
    elements = client.resources("Patient").search(_id=jast.id).elements("gender").fetch()
    assert elements[0]["gender"] == "unknown" and "name" not in elements[0]
    assert client.resources("Observation").search(patient=jast.id).count() == 7


def test_everything_and_strict_search(client):
    patient = _patient(client, "Everly", "everything-1")
    _observation(client, patient, HEART_RATE, 72)
    everything = patient.execute("$everything", method="get")
    types = sorted(e["resource"]["resourceType"] for e in everything["entry"])
    assert types == ["Observation", "Patient"]
    posted = patient.execute("$everything", method="post")
    assert len(posted["entry"]) == 2
    with pytest.raises(OperationOutcome) as refused:  # strict: never an unfiltered answer
        client.resources("Observation").search(_text="anything").fetch()
    assert "_text" in str(refused.value)
