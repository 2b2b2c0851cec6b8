"""The R4 interactions of issue 12, point 3: PATCH (JSON Patch, JSON Merge Patch, in
transactions as a Binary), conditional update and delete (also in transactions),
conditional read, POST $everything, $validate, Content-Type with charset, every
`Prefer: return=` form, 406 for another fhirVersion, transaction errors naming their
cause — with facility scope, restricted labels and audit holding on each."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from core.db import db
from health.fhir.models import FhirResource
from tests.health.conftest import FHIR, Fhir, assert_outcome, observation, patient
from tests.health.test_fhir_scope import World
from tests.helpers import events, last_event

JSON_PATCH = "application/json-patch+json"
RESTRICTED = {
    "security": [
        {"system": "http://terminology.hl7.org/CodeSystem/v3-Confidentiality", "code": "R"}
    ]
}


def patch(fhir: Fhir, path: str, ops: Any, kind: str = JSON_PATCH, **headers: str) -> Any:
    return fhir._send("PATCH", path, ops, **{"Content-Type": kind, **headers})


def binary(ops: list[dict[str, Any]]) -> dict[str, Any]:
    data = base64.b64encode(json.dumps(ops).encode()).decode()
    return {"resourceType": "Binary", "contentType": JSON_PATCH, "data": data}


def tagged(value: str, **extra: Any) -> dict[str, Any]:
    return patient(identifier=[{"system": "urn:t", "value": value}], **extra)


def transaction(*entries: dict[str, Any]) -> dict[str, Any]:
    return {"resourceType": "Bundle", "type": "transaction", "entry": list(entries)}


# --- PATCH ---------------------------------------------------------------------------


def test_json_patch_writes_a_new_version_validated_and_audited(fhir):
    pid = fhir.create(patient())["id"]
    ops = [
        {"op": "test", "path": "/gender", "value": "female"},
        {"op": "replace", "path": "/gender", "value": "male"},
        {"op": "add", "path": "/name/0/given/-", "value": "Jo"},
    ]
    response = patch(fhir, f"Patient/{pid}", ops)
    assert response.status_code == 200, response.text
    assert response.headers["ETag"] == 'W/"2"'
    assert response.json["gender"] == "male" and response.json["name"][0]["given"] == ["Alex", "Jo"]
    assert response.json["meta"]["versionId"] == "2"
    stored = fhir.get(f"Patient/{pid}").json
    assert stored["gender"] == "male"
    assert fhir.get(f"Patient/{pid}/_history/1").json["gender"] == "female"
    history = fhir.get(f"Patient/{pid}/_history").json["entry"]
    assert history[0]["request"]["method"] == "PATCH"
    event = last_event("health:fhir:update")
    assert (event.subject_type, event.subject_id) == ("Patient", pid)


def test_patch_errors(fhir):
    pid = fhir.create(patient())["id"]
    path = f"Patient/{pid}"
    failed_test = [{"op": "test", "path": "/gender", "value": "male"}]
    assert_outcome(patch(fhir, path, failed_test), 422)
    assert_outcome(patch(fhir, path, [{"op": "remove", "path": "/nothing"}]), 422)
    assert_outcome(patch(fhir, path, [{"op": "jump", "path": "/gender"}]), 400)
    assert_outcome(patch(fhir, path, []), 400)
    assert_outcome(patch(fhir, path, "{nope"), 400)
    # the result is validated like an update's
    bad_code = [{"op": "replace", "path": "/gender", "value": "x"}]
    assert_outcome(patch(fhir, path, bad_code), 422, "Patient.gender")
    other_id = [{"op": "replace", "path": "/id", "value": "another"}]
    assert_outcome(patch(fhir, path, other_id), 400, "Patient.id")
    bad_type = [{"op": "replace", "path": "/resourceType", "value": "Observation"}]
    assert_outcome(patch(fhir, path, bad_type), 400)
    assert_outcome(patch(fhir, "Patient/nobody", failed_test), 404)
    assert_outcome(patch(fhir, path, failed_test, kind="text/plain"), 415)
    assert_outcome(patch(fhir, path, {"gender": "male"}), 400)  # JSON Patch: an array
    assert_outcome(patch(fhir, path, failed_test, kind="application/merge-patch+json"), 400)
    assert fhir.get(path).json["meta"]["versionId"] == "1"  # nothing written
    fhir.delete(path)
    assert_outcome(patch(fhir, path, failed_test), 410)


PATHS = st.sampled_from(
    ["/gender", "/name/0/given/-", "/name/5", "/", "", "/id", "/meta", "/~1x", "/name/-", "/a/b"]
) | st.text(max_size=6)
VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=6),
    lambda inner: (
        st.lists(inner, max_size=2) | st.dictionaries(st.text(max_size=4), inner, max_size=2)
    ),
    max_leaves=4,
)
OPERATIONS = st.fixed_dictionaries(
    {"op": st.sampled_from(["add", "remove", "replace", "move", "copy", "test", "x"])},
    optional={"path": PATHS | st.integers(), "value": VALUES, "from": PATHS},
)


def test_any_patch_is_answered_never_crashed_on(fhir):
    pid = fhir.create(patient())["id"]

    @settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(
        body=st.lists(OPERATIONS, max_size=3) | VALUES,
        kind=st.sampled_from([JSON_PATCH, "application/merge-patch+json", "application/json"]),
    )
    def run(body: Any, kind: str) -> None:
        response = patch(fhir, f"Patient/{pid}", json.dumps(body), kind=kind)
        assert response.status_code in (200, 400, 403, 409, 422), (body, response.text)
        assert response.json["resourceType"] in ("Patient", "OperationOutcome")

    run()


def test_patch_honours_if_match(fhir):
    pid = fhir.create(patient())["id"]
    ops = [{"op": "replace", "path": "/gender", "value": "male"}]
    stale = patch(fhir, f"Patient/{pid}", ops, **{"If-Match": 'W/"7"'})
    assert_outcome(stale, 412)
    ok = patch(fhir, f"Patient/{pid}", ops, **{"If-Match": 'W/"1"'})
    assert ok.status_code == 200 and ok.headers["ETag"] == 'W/"2"'
    again = patch(fhir, f"Patient/{pid}", ops, **{"If-Match": 'W/"1"'})
    assert_outcome(again, 412)


def test_merge_patch(fhir):
    pid = fhir.create(patient(birthDate="1990-04-01"))["id"]
    body = {"gender": "other", "birthDate": None}
    response = patch(fhir, f"Patient/{pid}", body, kind="application/merge-patch+json")
    assert response.status_code == 200, response.text
    assert response.json["gender"] == "other" and "birthDate" not in response.json
    as_json = patch(fhir, f"Patient/{pid}", {"gender": "male"}, kind="application/json")
    assert as_json.json["gender"] == "male" and as_json.json["meta"]["versionId"] == "3"


def test_patch_respects_restricted_labels_and_scope(client, make, fhir, mh_fhir):
    restricted = mh_fhir.create(patient(meta=RESTRICTED))["id"]
    ops = [{"op": "replace", "path": "/gender", "value": "male"}]
    denied = patch(fhir, f"Patient/{restricted}", ops, **{"If-Match": 'W/"9"'})
    assert denied.status_code == 403  # not 412: the version is not told
    assert patch(mh_fhir, f"Patient/{restricted}", ops).status_code == 200
    # removing the label is a restricted write too
    pid = fhir.create(patient())["id"]
    add_label = [{"op": "add", "path": "/meta", "value": RESTRICTED}]
    assert patch(fhir, f"Patient/{pid}", add_label).status_code == 403
    world = World(client, make)
    there = world.obs["there"]
    change = [{"op": "replace", "path": "/valueQuantity/value", "value": 1}]
    assert patch(world.scoped, f"Observation/{there}", change).status_code == 403
    here = world.obs["here"]
    assert patch(world.scoped, f"Observation/{here}", change).status_code == 200
    move = [{"op": "replace", "path": "/subject/reference", "value": f"Patient/{world.there}"}]
    assert patch(world.scoped, f"Observation/{here}", move).status_code == 403


def test_patch_in_a_transaction_and_a_batch(fhir):
    pid = fhir.create(patient())["id"]
    ops = [{"op": "replace", "path": "/gender", "value": "male"}]
    entry = {"resource": binary(ops), "request": {"method": "PATCH", "url": f"Patient/{pid}"}}
    response = fhir.post("", transaction(entry))
    assert response.status_code == 200, response.text
    assert response.json["entry"][0]["response"]["status"] == "200 OK"
    assert fhir.get(f"Patient/{pid}").json["gender"] == "male"
    stale = {**entry, "request": {**entry["request"], "ifMatch": 'W/"1"'}}
    assert_outcome(fhir.post("", transaction(stale)), 412)
    wrong = {"resource": {"resourceType": "Parameters"}, "request": entry["request"]}
    body = assert_outcome(fhir.post("", transaction(wrong)), 400, "Bundle.entry[0].resource")
    assert "Binary" in body["issue"][0]["diagnostics"]
    batch = {"resourceType": "Bundle", "type": "batch", "entry": [entry, wrong]}
    statuses = [e["response"]["status"] for e in fhir.post("", batch).json["entry"]]
    assert statuses == ["200 OK", "400"]
    assert fhir.get(f"Patient/{pid}").json["meta"]["versionId"] == "3"


# --- conditional update and delete ---------------------------------------------------


def test_conditional_update_creates_updates_or_refuses(fhir):
    created = fhir.put("Patient?identifier=urn:t|cu-1", tagged("cu-1"))
    assert created.status_code == 201, created.text
    pid = created.json["id"]
    updated = fhir.put("Patient?identifier=urn:t|cu-1", tagged("cu-1", gender="male"))
    assert updated.status_code == 200 and updated.json["id"] == pid
    assert updated.headers["ETag"] == 'W/"2"'
    assert last_event("health:fhir:update").subject_id == pid
    wrong_id = fhir.put("Patient?identifier=urn:t|cu-1", tagged("cu-1", id="other"))
    assert_outcome(wrong_id, 400, "Patient.id")
    stale = fhir.put("Patient?identifier=urn:t|cu-1", tagged("cu-1"), **{"If-Match": 'W/"1"'})
    assert_outcome(stale, 412)
    fhir.create(tagged("cu-1"))
    several = fhir.put("Patient?identifier=urn:t|cu-1", tagged("cu-1", gender="other"))
    assert_outcome(several, 412)
    assert fhir.get(f"Patient/{pid}").json["gender"] == "male"
    chosen = fhir.put("Patient?identifier=urn:t|cu-2", tagged("cu-2", id="chosen-cu-2"))
    assert chosen.status_code == 201 and chosen.json["id"] == "chosen-cu-2"
    assert_outcome(fhir.put("Patient?", tagged("cu-3")), 400)
    assert_outcome(fhir.put("Patient?bogus=1", tagged("cu-3")), 400)


def test_conditional_delete(fhir):
    pid = fhir.create(tagged("cd-1"))["id"]
    assert fhir.delete("Patient?identifier=urn:t|cd-1").status_code == 204
    assert_outcome(fhir.get(f"Patient/{pid}"), 410)
    assert last_event("health:fhir:delete").subject_id == pid
    nothing = fhir.delete("Patient?identifier=urn:t|cd-nobody")
    assert nothing.status_code == 204 and nothing.data == b""
    a, b = fhir.create(tagged("cd-2"))["id"], fhir.create(tagged("cd-2"))["id"]
    assert_outcome(fhir.delete("Patient?identifier=urn:t|cd-2"), 412)
    assert fhir.get(f"Patient/{a}").status_code == 200
    assert fhir.get(f"Patient/{b}").status_code == 200


def test_conditional_update_and_delete_only_see_what_the_caller_reaches(client, make):
    world = World(client, make)
    ident = {"identifier": [{"system": "urn:t", "value": "far"}]}
    far = world.everyone.create(observation(world.there, **ident))["id"]
    # scoped: the match at another facility is not seen; nothing deleted
    assert world.scoped.delete("Observation?identifier=urn:t|far").status_code == 204
    assert world.everyone.get(f"Observation/{far}").status_code == 200
    # an update that then creates for someone held elsewhere is refused
    moved = world.scoped.put("Observation?identifier=urn:t|far", observation(world.there, **ident))
    assert moved.status_code == 403
    assert world.everyone.get(f"Observation/{far}").json["meta"]["versionId"] == "1"


def test_conditional_update_of_a_restricted_match_is_refused(fhir, mh_fhir):
    mh_fhir.create(tagged("cr-1", meta=RESTRICTED))
    response = fhir.put("Patient?identifier=urn:t|cr-1", tagged("cr-1"))
    assert response.status_code == 403 and "cr-1" not in response.text
    assert fhir.delete("Patient?identifier=urn:t|cr-1").status_code == 403


def test_conditional_update_and_delete_in_a_transaction(fhir):
    keep = fhir.create(tagged("ct-1"))["id"]
    gone = fhir.create(tagged("ct-2"))["id"]
    bundle = transaction(
        {
            "fullUrl": "urn:uuid:4b1f6c2e-0000-4000-8000-000000000001",
            "resource": tagged("ct-1", gender="male"),
            "request": {"method": "PUT", "url": "Patient?identifier=urn:t|ct-1"},
        },
        {"request": {"method": "DELETE", "url": "Patient?identifier=urn:t|ct-2"}},
        {"request": {"method": "DELETE", "url": "Patient?identifier=urn:t|ct-none"}},
        {
            "resource": tagged("ct-3"),
            "request": {"method": "PUT", "url": "Patient?identifier=urn:t|ct-3"},
        },
        {
            "resource": observation(
                "x", subject={"reference": "urn:uuid:4b1f6c2e-0000-4000-8000-000000000001"}
            ),
            "request": {"method": "POST", "url": "Observation"},
        },
    )
    response = fhir.post("", bundle)
    assert response.status_code == 200, response.text
    statuses = [e["response"]["status"] for e in response.json["entry"]]
    assert statuses == ["200 OK", "204 No Content", "204 No Content", "201 Created", "201 Created"]
    assert fhir.get(f"Patient/{keep}").json["gender"] == "male"
    assert_outcome(fhir.get(f"Patient/{gone}"), 410)
    obs = response.json["entry"][4]["response"]["location"].split("/_history")[0]
    assert fhir.get(obs).json["subject"]["reference"] == f"Patient/{keep}"
    fhir.create(tagged("ct-1"))
    several = transaction(
        {
            "resource": tagged("ct-1"),
            "request": {"method": "PUT", "url": "Patient?identifier=urn:t|ct-1"},
        }
    )
    body = assert_outcome(fhir.post("", several), 412)
    assert body["issue"][0]["diagnostics"].startswith("Bundle.entry[0]")


# --- conditional read ----------------------------------------------------------------


def test_conditional_read(fhir):
    created = fhir.post("Patient", patient())
    pid = created.json["id"]
    same = fhir.get(f"Patient/{pid}", **{"If-None-Match": 'W/"1"'})
    assert same.status_code == 304 and same.data == b"" and same.headers["ETag"] == 'W/"1"'
    assert fhir.get(f"Patient/{pid}", **{"If-None-Match": 'W/"0"'}).status_code == 200
    modified = created.headers["Last-Modified"]
    assert fhir.get(f"Patient/{pid}", **{"If-Modified-Since": modified}).status_code == 304
    old = "Tue, 01 Jan 2002 00:00:00 GMT"
    assert fhir.get(f"Patient/{pid}", **{"If-Modified-Since": old}).status_code == 200
    assert fhir.get(f"Patient/{pid}", **{"If-Modified-Since": "garbage"}).status_code == 200
    vread = fhir.get(f"Patient/{pid}/_history/1", **{"If-None-Match": 'W/"1"'})
    assert vread.status_code == 304
    fhir.put(f"Patient/{pid}", patient(id=pid, gender="male"))
    changed = fhir.get(f"Patient/{pid}", **{"If-None-Match": 'W/"1"'})
    assert changed.status_code == 200 and changed.json["gender"] == "male"
    assert len(events("health:fhir:read", subject_id=pid)) >= 5  # every 304 is audited


def test_conditional_read_tells_nothing_past_the_checks(fhir, mh_fhir):
    pid = mh_fhir.create(patient(meta=RESTRICTED))["id"]
    assert fhir.get(f"Patient/{pid}", **{"If-None-Match": 'W/"1"'}).status_code == 403


# --- operations ----------------------------------------------------------------------


def test_post_everything_takes_a_form_or_parameters(fhir):
    pid = fhir.create(patient())["id"]
    oid = fhir.create(observation(pid))["id"]
    got = fhir.get(f"Patient/{pid}/$everything?_type=Observation").json
    form = fhir.post(
        f"Patient/{pid}/$everything",
        "_type=Observation",
        **{"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert form.status_code == 200, form.text
    params = {
        "resourceType": "Parameters",
        "parameter": [{"name": "_type", "valueString": "Observation"}],
    }
    body = fhir.post(f"Patient/{pid}/$everything", params)
    assert body.status_code == 200, body.text
    for answer in (got, form.json, body.json):
        assert [e["resource"]["id"] for e in answer["entry"]] == [oid]
    assert last_event("health:fhir:everything").subject_id == pid
    bad = {"resourceType": "Parameters", "parameter": [{"name": "start"}]}
    assert_outcome(fhir.post(f"Patient/{pid}/$everything", bad), 400)


def test_validate_writes_nothing(fhir):
    ok = fhir.post("Patient/$validate", patient())
    assert ok.status_code == 200 and ok.mimetype == FHIR
    assert ok.json["resourceType"] == "OperationOutcome"
    assert ok.json["issue"][0]["severity"] == "information"
    wrapped = {
        "resourceType": "Parameters",
        "parameter": [{"name": "resource", "resource": patient()}],
    }
    assert fhir.post("Patient/$validate", wrapped).status_code == 200
    assert_outcome(
        fhir.post("Patient/$validate", patient(birthDate="soon")), 400, "Patient.birthDate"
    )
    assert_outcome(fhir.post("Patient/$validate", patient(gender="x")), 422, "Patient.gender")
    assert_outcome(fhir.post("Observation/$validate", patient()), 400)
    assert fhir.post("Patient/p-1/$validate", patient(id="p-1")).status_code == 200
    assert_outcome(fhir.post("Patient/p-1/$validate", patient(id="p-2")), 400, "Patient.id")
    assert_outcome(fhir.post("Nonsense/$validate", patient()), 404)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(FhirResource)) == 0


# --- headers -------------------------------------------------------------------------


def test_every_fhir_response_says_charset_utf8(fhir, client):
    pid = fhir.create(patient())["id"]
    for response in (
        fhir.get(f"Patient/{pid}"),
        fhir.get("Patient"),
        fhir.get("metadata"),
        fhir.get("Patient/nobody"),
        client.get("/fhir/Patient"),  # 401
        fhir.get("Nonsense/1/2/3/4"),  # routing 404
    ):
        assert response.headers["Content-Type"] == "application/fhir+json; charset=utf-8"


@pytest.mark.parametrize(
    "prefer",
    [
        ["return=minimal"],
        ["handling=lenient, return=minimal"],
        ["return = minimal; foo"],
        ["handling=lenient", "return=minimal"],
    ],
)
def test_prefer_return_minimal_however_sent(fhir, prefer):
    headers = {**fhir.headers, "Content-Type": FHIR}
    response = fhir.client.post(
        "/fhir/Patient",
        data=json.dumps(patient()),
        headers=[*headers.items(), *(("Prefer", p) for p in prefer)],
    )
    assert response.status_code == 201 and response.data == b""
    assert response.headers["Location"] and response.headers["ETag"] == 'W/"1"'


def test_prefer_return_operation_outcome_and_representation(fhir):
    pid = fhir.create(patient())["id"]
    outcome = fhir.put(
        f"Patient/{pid}", patient(id=pid), Prefer="handling=strict, return=OperationOutcome"
    )
    assert outcome.status_code == 200
    assert outcome.json["resourceType"] == "OperationOutcome"
    assert outcome.json["issue"][0]["severity"] == "information"
    assert f"Patient/{pid}" in outcome.json["issue"][0]["diagnostics"]
    full = patch(
        fhir,
        f"Patient/{pid}",
        [{"op": "add", "path": "/active", "value": True}],
        Prefer="return=representation",
    )
    assert full.json["active"] is True
    minimal = patch(
        fhir, f"Patient/{pid}", [{"op": "remove", "path": "/active"}], Prefer="return=minimal"
    )
    assert minimal.status_code == 200 and minimal.data == b""


def test_another_fhir_version_is_406(fhir):
    r5 = "application/fhir+json; fhirVersion=5.0"
    assert_outcome(fhir.get("metadata", Accept=r5), 406)
    assert_outcome(fhir.post("Patient", patient(), **{"Content-Type": r5}), 406)
    ops = [{"op": "add", "path": "/active", "value": True}]
    assert_outcome(
        fhir._send("PATCH", "Patient/1", ops, Accept=r5, **{"Content-Type": JSON_PATCH}), 406
    )
    r4 = "application/fhir+json; fhirVersion=4.0"
    assert fhir.get("metadata", Accept=r4).status_code == 200
    assert fhir.get("metadata", Accept=f"{r5}, {r4}").status_code == 200
    assert fhir.get("metadata", Accept=f"{r5}, */*").status_code == 200
    assert_outcome(fhir.get("metadata", Accept=f"{r5}, application/json; fhirVersion=3.0"), 406)
    assert fhir.post("Patient", patient(), **{"Content-Type": r4}).status_code == 201


# --- transaction errors --------------------------------------------------------------


def test_transaction_errors_name_the_entry_and_the_cause(fhir):
    url = "urn:uuid:4b1f6c2e-0000-4000-8000-00000000000a"
    twice = transaction(
        {"fullUrl": url, "resource": patient(), "request": {"method": "POST", "url": "Patient"}},
        {"fullUrl": url, "resource": patient(), "request": {"method": "POST", "url": "Patient"}},
    )
    body = assert_outcome(fhir.post("", twice), 400, "Bundle.entry[0].fullUrl")
    assert "more than one entry" in body["issue"][0]["diagnostics"]
    same = transaction(
        {"resource": patient(id="tx-same"), "request": {"method": "PUT", "url": "Patient/tx-same"}},
        {"resource": patient(id="tx-same"), "request": {"method": "PUT", "url": "Patient/tx-same"}},
    )
    body = assert_outcome(fhir.post("", same), 400)
    assert (
        "Bundle.entry[0] and Bundle.entry[1] both write Patient/tx-same"
        in body["issue"][0]["diagnostics"]
    )
    assert fhir.get("Patient/tx-same").status_code == 404
    unknown = transaction({"request": {"method": "MOVE", "url": "Patient/1"}})
    body = assert_outcome(fhir.post("", unknown), 400, "Bundle.entry[0].request")
    assert "'MOVE'" in body["issue"][0]["diagnostics"]
    invalid = transaction(
        {"resource": patient(), "request": {"method": "POST", "url": "Patient"}},
        {"resource": patient(gender="x"), "request": {"method": "POST", "url": "Patient"}},
    )
    body = assert_outcome(fhir.post("", invalid), 422)
    assert body["issue"][0]["diagnostics"].startswith("Bundle.entry[1]")
    assert fhir.get("Patient").json["total"] == 0


def test_capability_statement_lists_the_interactions(fhir):
    statement = fhir.get("metadata").json
    assert statement["patchFormat"] == [
        "application/json-patch+json",
        "application/merge-patch+json",
    ]
    patient_entry = next(r for r in statement["rest"][0]["resource"] if r["type"] == "Patient")
    codes = {i["code"] for i in patient_entry["interaction"]}
    assert {"read", "vread", "update", "patch", "delete", "create", "search-type"} <= codes
    assert patient_entry["conditionalUpdate"] is True
    assert patient_entry["conditionalDelete"] == "single"
    assert patient_entry["conditionalRead"] == "full-support"
    assert {o["name"] for o in patient_entry["operation"]} == {"everything", "validate"}
    basic = next(r for r in statement["rest"][0]["resource"] if r["type"] == "Basic")
    assert [o["name"] for o in basic["operation"]] == ["validate"]


def test_handling_lenient_is_read_from_every_prefer_header(fhir):
    headers = [*fhir.headers.items(), ("Prefer", "return=minimal"), ("Prefer", "handling=lenient")]
    lenient = fhir.client.get("/fhir/Patient?bogus-parameter=1", headers=headers)
    assert lenient.status_code == 200, lenient.text
    assert_outcome(fhir.get("Patient?bogus-parameter=1", Prefer="return=minimal"), 400)
