"""Create, read, vread, update, delete and history, with every error as OperationOutcome."""

from __future__ import annotations

import json

from tests.health.conftest import FHIR, assert_outcome, observation, patient
from tests.helpers import events, last_event


def test_create_read_vread(fhir):
    response = fhir.post("Patient", patient())
    assert response.status_code == 201
    assert response.mimetype == FHIR
    body = response.json
    pid = body["id"]
    assert response.headers["ETag"] == 'W/"1"'
    assert response.headers["Location"].endswith(f"/fhir/Patient/{pid}/_history/1")
    assert body["meta"]["versionId"] == "1" and body["meta"]["lastUpdated"].endswith("Z")
    read = fhir.get(f"Patient/{pid}")
    assert read.status_code == 200 and read.json["name"] == body["name"]
    assert read.headers["ETag"] == 'W/"1"' and read.headers["Last-Modified"].endswith("GMT")
    assert fhir.get(f"Patient/{pid}/_history/1").json["id"] == pid
    assert_outcome(fhir.get(f"Patient/{pid}/_history/2"), 404)
    assert_outcome(fhir.get(f"Patient/{pid}/_history/x"), 404)


def test_create_keeps_the_clients_decimals(fhir):
    pid = fhir.create(patient())["id"]
    text = json.dumps(observation(pid)).replace("72.5", "72.50")
    created = fhir.post("Observation", text)
    assert created.status_code == 201
    read = fhir.get(f"Observation/{created.json['id']}")
    assert '"value": 72.50' in read.text or '"value":72.50' in read.text


def test_create_ignores_client_id_and_version(fhir):
    body = patient(id="chosen", meta={"versionId": "7", "tag": [{"code": "x"}]})
    created = fhir.create(body)
    assert created["id"] != "chosen"
    assert created["meta"]["versionId"] == "1" and created["meta"]["tag"] == [{"code": "x"}]


def test_update_with_if_match_and_stale(fhir):
    pid = fhir.create(patient())["id"]
    changed = patient(id=pid, gender="male")
    ok = fhir.put(f"Patient/{pid}", changed, **{"If-Match": 'W/"1"'})
    assert ok.status_code == 200 and ok.headers["ETag"] == 'W/"2"'
    stale = fhir.put(f"Patient/{pid}", changed, **{"If-Match": 'W/"1"'})
    assert_outcome(stale, 412)
    assert fhir.get(f"Patient/{pid}").json["gender"] == "male"
    assert fhir.get(f"Patient/{pid}/_history/1").json["gender"] == "female"
    assert_outcome(fhir.put(f"Patient/{pid}", changed, **{"If-Match": "nonsense"}), 400)


def test_update_as_create(fhir):
    response = fhir.put("Patient/chosen-id-1", patient(id="chosen-id-1"))
    assert response.status_code == 201
    assert response.headers["Location"].endswith("/Patient/chosen-id-1/_history/1")
    assert_outcome(fhir.put("Patient/other", patient(id="chosen")), 400, "Patient.id")
    assert_outcome(fhir.put("Patient/other", patient()), 400, "Patient.id")
    bad = "x" * 65
    assert_outcome(fhir.put(f"Patient/{bad}", patient(id=bad)), 400, "Patient.id")


def test_delete_tombstone_then_410_and_history(fhir):
    pid = fhir.create(patient())["id"]
    assert fhir.delete(f"Patient/{pid}").status_code == 204
    assert_outcome(fhir.get(f"Patient/{pid}"), 410)
    assert fhir.delete(f"Patient/{pid}").status_code == 204  # again: nothing changes
    history = fhir.get(f"Patient/{pid}/_history").json
    assert history["type"] == "history" and history["total"] == 2
    first, second = history["entry"]
    assert first["request"]["method"] == "DELETE" and "resource" not in first
    assert second["request"]["method"] == "POST" and second["resource"]["id"] == pid
    assert_outcome(fhir.get(f"Patient/{pid}/_history/2"), 410)
    recreated = fhir.put(f"Patient/{pid}", patient(id=pid))
    assert recreated.status_code == 201 and recreated.headers["ETag"] == 'W/"3"'


def test_delete_unknown_is_404_and_referenced_is_allowed(fhir):
    """FHIR lets a referenced resource be deleted: the referrer stays, its reference
    now resolves to the tombstone (410); tests/health/test_fhir_references.py has more."""
    assert_outcome(fhir.delete("Patient/nobody"), 404)
    pid = fhir.create(patient())["id"]
    oid = fhir.create(observation(pid))["id"]
    assert fhir.delete(f"Patient/{pid}").status_code == 204
    referrer = fhir.get(f"Observation/{oid}")
    assert referrer.status_code == 200
    assert_outcome(fhir.get(referrer.json["subject"]["reference"]), 410)


def test_type_and_system_history_with_count_and_since(fhir):
    pid = fhir.create(patient())["id"]
    for _ in range(3):
        fhir.create(observation(pid))
    page = fhir.get("Observation/_history?_count=2").json
    assert page["total"] >= 3 and len(page["entry"]) == 2
    nxt = next(link["url"] for link in page["link"] if link["relation"] == "next")
    second = fhir.get(nxt.split("/fhir/", 1)[1]).json
    assert second["entry"] and all(e["request"]["url"] == "Observation" for e in second["entry"])
    everything = fhir.get("_history?_count=50").json
    assert everything["total"] >= 4
    assert fhir.get("_history?_since=2999-01-01").json["total"] == 0
    assert_outcome(fhir.get("_history?_since=yesterday"), 400)
    assert_outcome(fhir.get("_history?_count=many"), 400)
    assert_outcome(fhir.get("Nonsense/_history"), 404)
    assert_outcome(fhir.get("Patient/nobody/_history"), 404)


def test_conditional_create(fhir):
    body = patient(identifier=[{"system": "urn:test", "value": "cc-1"}])
    first = fhir.post("Patient", body, **{"If-None-Exist": "identifier=urn:test|cc-1"})
    assert first.status_code == 201
    again = fhir.post("Patient", body, **{"If-None-Exist": "identifier=urn:test|cc-1"})
    assert again.status_code == 200 and again.json["id"] == first.json["id"]
    fhir.create(body)
    several = fhir.post("Patient", body, **{"If-None-Exist": "identifier=urn:test|cc-1"})
    assert_outcome(several, 412)
    assert_outcome(fhir.post("Patient", body, **{"If-None-Exist": "bogus=1"}), 400)


def test_validation_errors_point_at_the_element(fhir):
    bad = patient(birthDate="yesterday")
    assert_outcome(fhir.post("Patient", bad), 400, "Patient.birthDate")
    assert_outcome(fhir.post("Patient", patient(gender="x")), 422, "Patient.gender")
    assert_outcome(fhir.post("Patient", patient(name=[])), 400, "Patient.name")
    assert_outcome(fhir.post("Patient", patient(bogus=1)), 400, "Patient.bogus")
    obs = {"resourceType": "Observation", "status": "done", "code": {"text": "x"}}
    assert_outcome(fhir.post("Observation", obs), 422, "Observation.status")
    enc = {"resourceType": "Encounter", "status": "finished", "class": {"code": "XYZ"}}
    assert_outcome(fhir.post("Encounter", enc), 422, "Encounter.class")
    assert_outcome(fhir.post("Observation", patient()), 400, "Patient.resourceType")
    assert_outcome(fhir.post("Patient", "{not json"), 400)
    assert_outcome(fhir.post("Patient", "[1]"), 400)


def test_unknown_type_and_id(fhir):
    assert_outcome(fhir.get("Nonsense/1"), 404)
    assert_outcome(fhir.post("Nonsense", patient()), 404)
    assert_outcome(fhir.get("Patient/does-not-exist"), 404)


def test_method_not_allowed(fhir):
    assert_outcome(fhir._send("PATCH", "Patient", "{}"), 405)
    assert_outcome(fhir.post("Patient/1", patient()), 405)


def test_content_negotiation(fhir):
    assert_outcome(fhir.get("metadata", Accept="application/xml"), 406)
    assert_outcome(fhir.get("Patient?_format=xml"), 406)
    assert fhir.get("metadata", Accept="application/json").status_code == 200
    as_xml = fhir.post("Patient", json.dumps(patient()), **{"Content-Type": "application/xml"})
    assert_outcome(as_xml, 415)
    as_json = fhir.post("Patient", patient(), **{"Content-Type": "application/json"})
    assert as_json.status_code == 201


def test_prefer_return_minimal(fhir):
    response = fhir.post("Patient", patient(), Prefer="return=minimal")
    assert response.status_code == 201 and response.data == b"" and response.headers["Location"]


def test_without_token_401_and_other_roles_403(client, make):
    response = client.get("/fhir/Patient")
    assert_outcome(response, 401)
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    for role in ("officer", "admin", "records", "auditor", "supervisor"):
        headers = make.headers(role)
        assert_outcome(client.get("/fhir/Patient/1", headers=headers), 403)
        assert_outcome(client.post("/fhir/Patient", json=patient(), headers=headers), 403)
    assert client.get("/fhir/metadata").status_code == 200


def test_every_interaction_is_audited_without_content(fhir):
    pid = fhir.create(patient())["id"]
    created = last_event("health:fhir:create")
    assert (created.subject_type, created.subject_id) == ("Patient", pid)
    fhir.get(f"Patient/{pid}")
    assert last_event("health:fhir:read").subject_id == pid
    oid = fhir.create(observation(pid))["id"]
    event = last_event("health:fhir:create")
    assert event.subject_id == pid and event.changed_fields == [f"Observation/{oid}"]
    fhir.get(f"Observation/{oid}/_history/1")
    assert last_event("health:fhir:vread").subject_id == pid
    fhir.get(f"Observation?patient={pid}")
    assert last_event("health:fhir:search").subject_id == pid
    fhir.get(f"Patient/{pid}/_history")
    assert last_event("health:fhir:history").subject_id == pid
    for event in events():
        text = json.dumps([event.tag, event.subject_type, event.subject_id, event.changed_fields])
        assert "Testperson" not in text and "8867" not in text


def test_a_search_touching_two_patients_audits_each_once(fhir):
    first, second = (fhir.create(patient())["id"] for _ in range(2))
    for pid in (first, second):
        fhir.create(observation(pid))
    before = len(events("health:fhir:search"))
    assert fhir.get("Observation?code=http://loinc.org|8867-4").status_code == 200
    written = events("health:fhir:search")[before:]
    assert sorted(e.subject_id for e in written) == sorted([first, second])
    assert {e.subject_type for e in written} == {"Patient"}
    assert len({e.request_id for e in written}) == 1  # one request, one statement
    assert all(e.changed_fields == [] for e in written)  # searches name patients only
