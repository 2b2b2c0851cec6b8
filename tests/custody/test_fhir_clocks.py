"""Compliance clocks closed by FHIR Encounters (the contract's "Compliance clocks"):
health publishes `health.fhir.resources_written` for every FHIR write, and custody's
subscriber closes the booking clock a finished Encounter of a known type meets, in the
same transaction, whether the Encounter came alone or in a transaction Bundle."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from core.events import outbox, subscribed
from health.events import FhirResourcesWritten
from tests.health.conftest import Fhir, patient

ENCOUNTER_TYPE = "https://custodia.dev/fhir/CodeSystem/encounter-type"
ENDED = "2026-03-02T14:30:00Z"
ENDED_AT = dt.datetime(2026, 3, 2, 14, 30, tzinfo=dt.UTC)


@pytest.fixture
def fhir(client, make) -> Fhir:
    return Fhir(client, make.headers("clinician"))


def _patient_id(fhir: Fhir, a_number: str) -> str:
    response = fhir.get(f"Patient?identifier=https://custodia.dev/fhir/sid/a-number|{a_number}")
    assert response.status_code == 200, response.text
    (entry,) = response.json["entry"]
    return entry["resource"]["id"]


def _encounter(patient_id: str, code: str, status: str = "finished") -> dict:
    return {
        "resourceType": "Encounter",
        "status": status,
        "class": {
            "system": "http://terminology.hl7.org/CodeSystem/v3-ActCode",
            "code": "AMB",
        },
        "type": [{"coding": [{"system": ENCOUNTER_TYPE, "code": code}]}],
        "subject": {"reference": f"Patient/{patient_id}"},
        "period": {"start": "2026-03-02T14:00:00Z", "end": ENDED},
    }


def _clocks(client, make, booking) -> dict[str, dict]:
    response = client.get(f"/api/v1/bookings/{booking.id}", headers=make.headers("officer"))
    assert response.status_code == 200, response.text
    return {clock["rule"]: clock for clock in response.json["clocks"]}


def _met_at(clock: dict) -> dt.datetime | None:
    met = clock["met_at"]
    return None if met is None else dt.datetime.fromisoformat(met).astimezone(dt.UTC)


@pytest.fixture
def booked(make, fhir):
    """A booked person (the booking created their Patient) and that Patient's id."""
    person = make.detainee(a_number="923456781")
    booking = make.booking(detainee=person, booked_at=dt.datetime(2026, 3, 2, 8, tzinfo=dt.UTC))
    return booking, _patient_id(fhir, person.a_number)


def test_a_finished_intake_screening_meets_the_clock_at_period_end(client, make, fhir, booked):
    booking, patient_id = booked
    assert _clocks(client, make, booking)["intake-health-screening"]["met_at"] is None
    fhir.create(_encounter(patient_id, "intake-screening"))
    clocks = _clocks(client, make, booking)
    assert _met_at(clocks["intake-health-screening"]) == ENDED_AT
    assert clocks["intake-health-screening"]["state"] == "met"
    assert clocks["health-assessment"]["met_at"] is None
    assert clocks["dental-screening"]["met_at"] is None


@pytest.mark.parametrize(
    ("code", "status"),
    [
        ("intake-screening", "in-progress"),
        ("intake-screening", "planned"),
        ("sick-call-visit", "finished"),
    ],
)
def test_other_encounters_close_nothing(client, make, fhir, booked, code, status):
    booking, patient_id = booked
    fhir.create(_encounter(patient_id, code, status))
    assert all(c["met_at"] is None for c in _clocks(client, make, booking).values())


def test_a_code_in_another_system_closes_nothing(client, make, fhir, booked):
    booking, patient_id = booked
    encounter = _encounter(patient_id, "intake-screening")
    encounter["type"][0]["coding"][0]["system"] = "http://example.org/encounter-type"
    fhir.create(encounter)
    assert _clocks(client, make, booking)["intake-health-screening"]["met_at"] is None


def test_an_update_to_finished_closes_the_clock(client, make, fhir, booked):
    booking, patient_id = booked
    created = fhir.create(_encounter(patient_id, "dental-screening", "in-progress"))
    assert _clocks(client, make, booking)["dental-screening"]["met_at"] is None
    updated = {**created, "status": "finished"}
    updated.pop("meta")
    response = fhir.put(f"Encounter/{created['id']}", updated)
    assert response.status_code == 200, response.text
    assert _met_at(_clocks(client, make, booking)["dental-screening"]) == ENDED_AT


def test_a_transaction_bundle_closes_the_clocks_of_its_encounters(client, make, fhir, booked):
    booking, patient_id = booked
    bundle = {
        "resourceType": "Bundle",
        "type": "transaction",
        "entry": [
            {
                "resource": _encounter(patient_id, code),
                "request": {"method": "POST", "url": "Encounter"},
            }
            for code in ("health-assessment", "dental-screening")
        ],
    }
    response = fhir.post("", bundle)
    assert response.status_code == 200, response.text
    clocks = _clocks(client, make, booking)
    assert _met_at(clocks["health-assessment"]) == ENDED_AT
    assert _met_at(clocks["dental-screening"]) == ENDED_AT
    assert clocks["intake-health-screening"]["met_at"] is None


def test_a_failing_subscriber_rolls_the_fhir_write_back(client, make, fhir, booked):
    booking, patient_id = booked
    before = len(outbox(limit=100000))

    def refuse(event: FhirResourcesWritten) -> None:
        raise RuntimeError("partner system down")

    with subscribed(FhirResourcesWritten, refuse):
        response = fhir.post("Encounter", _encounter(patient_id, "intake-screening"))
    assert response.status_code == 500
    assert len(outbox(limit=100000)) == before
    assert fhir.get(f"Encounter?subject=Patient/{patient_id}").json.get("entry", []) == []
    assert _clocks(client, make, booking)["intake-health-screening"]["met_at"] is None


def test_the_outbox_row_carries_no_codes_or_status(client, make, fhir, booked):
    _booking, patient_id = booked
    start = max([e.seq for e in outbox(limit=100000)], default=0)
    created = fhir.create(_encounter(patient_id, "intake-screening"))
    (row,) = [e for e in outbox(after=start, limit=1000) if e.kind == FhirResourcesWritten.kind]
    assert (row.subject_type, row.subject_id) == ("Patient", patient_id)
    assert row.payload == {
        "resources": [
            {
                "resource_type": "Encounter",
                "id": created["id"],
                "version": 1,
                "patient_id": patient_id,
                "is_deleted": False,
            }
        ]
    }
    text = json.dumps(row.payload)
    for private in ("intake-screening", "finished", ENCOUNTER_TYPE, "2026-03-02"):
        assert private not in text


def test_an_encounter_of_a_person_never_booked_is_written_and_closes_nothing(fhir):
    person = fhir.create(patient())  # an A-number no detainee has
    response = fhir.post("Encounter", _encounter(person["id"], "intake-screening"))
    assert response.status_code == 201, response.text
