"""Patient/$everything and security labels (restricted resources stay hidden)."""

from __future__ import annotations

import pytest

from tests.health.conftest import assert_outcome, observation, patient
from tests.helpers import last_event

PSY = {"system": "http://terminology.hl7.org/CodeSystem/v3-ActCode", "code": "PSYTHPN"}


@pytest.fixture
def record(mh_fhir):
    """A patient's record, one therapy note in it (written by a mental-health clinician)."""
    fhir = mh_fhir
    org = fhir.create({"resourceType": "Organization", "name": "Synthetic Clinic"})["id"]
    pid = fhir.create(patient(managingOrganization={"reference": f"Organization/{org}"}))["id"]
    old = fhir.create(observation(pid, effectiveDateTime="2020-01-01T00:00:00Z"))["id"]
    new = fhir.create(observation(pid, effectiveDateTime="2026-05-01T00:00:00Z"))["id"]
    note = fhir.create(observation(pid, meta={"security": [PSY]}))["id"]
    other = fhir.create(patient())["id"]
    fhir.create(observation(other))
    return {"pid": pid, "org": org, "old": old, "new": new, "note": note}


def _ids(body):
    return {f"{e['resource']['resourceType']}/{e['resource']['id']}" for e in body.get("entry", [])}


def test_everything_has_compartment_and_references(mh_fhir, record):
    pid = record["pid"]
    body = mh_fhir.get(f"Patient/{pid}/$everything").json
    assert _ids(body) == {
        f"Patient/{pid}", f"Organization/{record['org']}", f"Observation/{record['old']}",
        f"Observation/{record['new']}", f"Observation/{record['note']}",
    }  # fmt: skip
    assert body["total"] == 5
    assert last_event("health:fhir:everything").subject_id == pid


def test_everything_filters_and_paging(mh_fhir, record):
    fhir = mh_fhir
    pid = record["pid"]
    dated = fhir.get(f"Patient/{pid}/$everything?start=2026-01-01&_type=Observation").json
    assert _ids(dated) == {f"Observation/{record['new']}", f"Observation/{record['note']}"}
    ended = fhir.get(f"Patient/{pid}/$everything?end=2021&_type=Observation").json
    assert _ids(ended) == {f"Observation/{record['old']}"}
    assert fhir.get(f"Patient/{pid}/$everything?_since=2999-01-01").json["total"] == 0
    first = fhir.get(f"Patient/{pid}/$everything?_count=2").json
    nxt = {x["relation"]: x["url"] for x in first["link"]}["next"]
    second = fhir.get(nxt.split("/fhir/", 1)[1]).json
    assert len(first["entry"]) == 2 and not _ids(first) & _ids(second)
    assert_outcome(fhir.get("Patient/nobody/$everything"), 404)
    assert_outcome(fhir.get(f"Patient/{pid}/$everything?start=soon"), 400)
    assert_outcome(fhir.get(f"Patient/{pid}/$everything?_count=x"), 400)


def test_restricted_label_hidden_without_permission(fhir, mh_fhir, record):
    pid, note = record["pid"], record["note"]
    assert mh_fhir.get(f"Observation/{note}").status_code == 200
    assert_outcome(fhir.get(f"Observation/{note}"), 403)
    assert last_event("health:restricted:read").outcome == "denied"
    assert_outcome(fhir.get(f"Observation/{note}/_history/1"), 403)
    found = fhir.get(f"Observation?patient={pid}").json
    assert f"Observation/{note}" not in _ids(found) and found["total"] == 2
    assert f"Observation/{note}" not in _ids(fhir.get(f"Patient/{pid}/$everything").json)
    history = fhir.get("Observation/_history?_count=100").json
    assert all(e["fullUrl"].split("/")[-1] != note for e in history["entry"])
    assert_outcome(fhir.put(f"Observation/{note}", observation(pid, id=note)), 403)


def test_conditional_create_does_not_hand_out_a_restricted_match(fhir, mh_fhir, record):
    pid = record["pid"]
    tagged = {"system": "urn:synthetic:note", "value": "n-1"}
    mh_fhir.create(observation(pid, meta={"security": [PSY]}, identifier=[tagged]))
    condition = {"If-None-Exist": "identifier=urn:synthetic:note|n-1"}
    response = fhir.post("Observation", observation(pid), **condition)
    assert_outcome(response, 403)
    assert "valueQuantity" not in response.text
    bundle = {
        "resourceType": "Bundle",
        "type": "transaction",
        "entry": [
            {
                "resource": observation(pid),
                "request": {
                    "method": "POST",
                    "url": "Observation",
                    "ifNoneExist": "identifier=urn:synthetic:note|n-1",
                },
            }
        ],
    }
    answer = fhir.post("", bundle)
    assert_outcome(answer, 403)
    assert "valueQuantity" not in answer.text
