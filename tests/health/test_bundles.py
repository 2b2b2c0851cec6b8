"""POST /fhir: transaction (all or nothing, urn:uuid and conditional references) and batch."""

from __future__ import annotations

import json

from tests.health.conftest import assert_outcome, observation, patient
from tests.helpers import fhir_samples, last_event

EXAMPLES = fhir_samples() / "r4-official-examples"


def _tx(entries, kind="transaction"):
    return {"resourceType": "Bundle", "type": kind, "entry": entries}


def test_transaction_rewrites_urn_uuid_references(fhir):
    obs = observation("x")
    obs["subject"] = {"reference": "urn:uuid:11111111-1111-4111-8111-111111111111"}
    bundle = _tx(
        [
            {"fullUrl": "urn:uuid:22222222-2222-4222-8222-222222222222", "resource": obs,
             "request": {"method": "POST", "url": "Observation"}},
            {"fullUrl": "urn:uuid:11111111-1111-4111-8111-111111111111", "resource": patient(),
             "request": {"method": "POST", "url": "Patient"}},
        ]
    )  # fmt: skip
    response = fhir.post("", bundle)
    assert response.status_code == 200, response.text
    body = response.json
    assert body["type"] == "transaction-response"
    obs_loc, pat_loc = (e["response"]["location"] for e in body["entry"])
    assert all(e["response"]["status"] == "201 Created" for e in body["entry"])
    pid = pat_loc.split("/")[1]
    stored = fhir.get("/".join(obs_loc.split("/")[:2])).json
    assert stored["subject"]["reference"] == f"Patient/{pid}"
    assert last_event("health:fhir:transaction").subject_id == pid


def test_transaction_conditional_reference_and_if_none_exist(fhir):
    pid = fhir.create(patient(identifier=[{"system": "urn:t", "value": "c-9"}]))["id"]
    obs = observation("x")
    obs["subject"] = {"reference": "Patient?identifier=urn:t|c-9"}
    bundle = _tx(
        [
            {"resource": obs, "request": {"method": "POST", "url": "Observation"}},
            {"resource": patient(), "request": {"method": "POST", "url": "Patient",
                                                 "ifNoneExist": "identifier=urn:t|c-9"}},
        ]
    )  # fmt: skip
    body = fhir.post("", bundle).json
    assert body["entry"][1]["response"]["status"] == "200 OK"
    assert body["entry"][1]["response"]["location"].startswith(f"Patient/{pid}/")
    oid = body["entry"][0]["response"]["location"].split("/")[1]
    assert fhir.get(f"Observation/{oid}").json["subject"]["reference"] == f"Patient/{pid}"
    obs["subject"] = {"reference": "Patient?identifier=urn:t|nobody"}
    failed = fhir.post(
        "", _tx([{"resource": obs, "request": {"method": "POST", "url": "Observation"}}])
    )
    assert_outcome(failed, 412)


def test_transaction_order_delete_post_put_get(fhir):
    pid = fhir.create(patient())["id"]
    bundle = _tx(
        [
            {"request": {"method": "GET", "url": "Patient?identifier=urn:order|1"}},
            {"resource": patient(id="tx-put-1"),
             "request": {"method": "PUT", "url": "Patient/tx-put-1"}},
            {"resource": patient(identifier=[{"system": "urn:order", "value": "1"}]),
             "request": {"method": "POST", "url": "Patient"}},
            {"request": {"method": "DELETE", "url": f"Patient/{pid}"}},
        ]
    )  # fmt: skip
    body = fhir.post("", bundle).json
    statuses = [e["response"]["status"] for e in body["entry"]]
    assert statuses == ["200 OK", "201 Created", "201 Created", "204 No Content"]
    assert body["entry"][0]["resource"]["total"] == 1  # GET ran after the POST
    assert_outcome(fhir.get(f"Patient/{pid}"), 410)


def test_transaction_failure_rolls_back_everything(fhir):
    bundle = _tx(
        [
            {"resource": patient(identifier=[{"system": "urn:rb", "value": "1"}]),
             "request": {"method": "POST", "url": "Patient"}},
            {"resource": patient(gender="nope"), "request": {"method": "POST", "url": "Patient"}},
        ]
    )  # fmt: skip
    body = assert_outcome(fhir.post("", bundle), 422, "Patient.gender")
    assert "Bundle.entry[1]" in body["issue"][0]["diagnostics"]
    assert fhir.get("Patient?identifier=urn:rb|1").json["total"] == 0


def test_official_transaction_example_fails_cleanly(fhir):
    bundle = json.loads((EXAMPLES / "Bundle-bundle-transaction.json").read_text())
    response = fhir.post("", bundle)
    assert response.status_code in (400, 404, 412)
    assert response.json["resourceType"] == "OperationOutcome"


def test_batch_entries_are_independent(fhir):
    pid = fhir.create(patient())["id"]
    bundle = _tx(
        [
            {"resource": patient(), "request": {"method": "POST", "url": "Patient"}},
            {"resource": patient(gender="bad"), "request": {"method": "POST", "url": "Patient"}},
            {"request": {"method": "GET", "url": f"Patient/{pid}"}},
            {"request": {"method": "GET", "url": "Patient/missing"}},
            {"request": {"method": "DELETE", "url": "Patient/missing"}},
        ],
        kind="batch",
    )  # fmt: skip
    body = fhir.post("", bundle).json
    assert body["type"] == "batch-response"
    statuses = [e["response"]["status"].split()[0] for e in body["entry"]]
    assert statuses == ["201", "422", "200", "404", "404"]
    assert body["entry"][1]["response"]["outcome"]["resourceType"] == "OperationOutcome"
    assert body["entry"][2]["resource"]["id"] == pid
    created = body["entry"][0]["response"]["location"].split("/")[1]
    assert fhir.get(f"Patient/{created}").status_code == 200


def test_bundle_errors(fhir):
    assert_outcome(fhir.post("", patient()), 400, "Bundle")
    assert_outcome(
        fhir.post("", {"resourceType": "Bundle", "type": "collection"}), 400, "Bundle.type"
    )
    bad = _tx([{"resource": patient()}])
    assert_outcome(fhir.post("", bad), 400, "Bundle.entry[0].request")
