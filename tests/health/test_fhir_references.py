"""Referential integrity: a reference to a resource of this server must name a live
resource of a type the element allows (400/422 naming the element otherwise); external,
contained, logical and bundle-internal references stay allowed; deleting a referenced
resource is allowed and its referrers then resolve to the 410 tombstone."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import pytest
import sqlalchemy as sa

from core.db import db
from health.fhir.models import FhirResource
from health.fhir.referential import BrokenReference
from tests.health.conftest import assert_outcome, observation, patient

TARGET_STATES = "SELECT fhir_resources.resource_type, fhir_resources.id, fhir_resources.is_deleted"
OTHER_SERVER = "https://other.example.org/fhir"


def _count(rtype: str) -> int:
    return db.session.scalar(sa.select(sa.func.count()).where(FhirResource.resource_type == rtype))


def test_a_reference_to_a_missing_patient_is_refused_naming_the_element(fhir):
    before = _count("Observation")
    body = assert_outcome(
        fhir.post("Observation", observation("does-not-exist")), 400, "Observation.subject"
    )
    assert body["issue"][0]["code"] == "not-found"
    assert "Patient/does-not-exist" in body["issue"][0]["diagnostics"]
    assert _count("Observation") == before


def test_a_reference_to_a_type_the_element_does_not_allow_is_refused(fhir):
    medication = fhir.create({"resourceType": "Medication", "code": {"text": "aspirin"}})
    wrong = observation("x", subject={"reference": f"Medication/{medication['id']}"})
    body = assert_outcome(fhir.post("Observation", wrong), 422, "Observation.subject")
    assert "Patient | Group | Device | Location" in body["issue"][0]["diagnostics"]
    missing = observation("x", subject={"reference": "Medication/abc"})  # R4: never a subject
    assert_outcome(fhir.post("Observation", missing), 422, "Observation.subject")
    pid = fhir.create(patient())["id"]
    performer = observation(
        pid,
        performer=[
            {"reference": f"Patient/{pid}"},
            {"reference": f"Medication/{medication['id']}"},
        ],
    )
    assert_outcome(fhir.post("Observation", performer), 422, "Observation.performer[1]")


def test_a_reference_to_a_type_that_is_not_r4_is_refused(fhir):
    provenance = {
        "resourceType": "Provenance",
        "target": [{"reference": "SubscriptionTopic/t1"}],  # Reference(Any), not an R4 type
        "recorded": "2026-03-04T10:00:00Z",
        "agent": [{"who": {"display": "someone"}}],
    }
    assert_outcome(fhir.post("Provenance", provenance), 400, "Provenance.target[0]")


def test_references_on_our_own_base_are_checked_and_others_are_not(app, fhir):
    pid = fhir.create(patient())["id"]
    ours = app.config["FHIR_BASE"]
    assert (
        fhir.post(
            "Observation", observation(pid, subject={"reference": f"{ours}/Patient/{pid}"})
        ).status_code
        == 201
    )
    for base in (ours, "http://localhost/fhir", "http://localhost:5000/fhir"):
        gone = observation(pid, subject={"reference": f"{base}/Patient/nope"})
        assert_outcome(fhir.post("Observation", gone), 400, "Observation.subject")
    external = observation(
        pid,
        performer=[
            {"reference": f"{OTHER_SERVER}/Practitioner/elsewhere"},  # another server
            {"identifier": {"system": "urn:x", "value": "7"}},  # logical
            {"reference": "urn:uuid:9b8c1f5e-3a0a-4c55-9b1e-0f4b2d6e7a11"},  # not ours
        ],
    )
    assert fhir.post("Observation", external).status_code == 201


def test_contained_references_are_allowed(fhir):
    pid = fhir.create(patient())["id"]
    request = {
        "resourceType": "MedicationRequest",
        "status": "active",
        "intent": "order",
        "contained": [{"resourceType": "Medication", "id": "m1", "code": {"text": "x"}}],
        "medicationReference": {"reference": "#m1"},
        "subject": {"reference": f"Patient/{pid}"},
    }
    assert fhir.post("MedicationRequest", request).status_code == 201
    # a contained resource's own references to this server are checked like any other
    request["contained"][0]["manufacturer"] = {"reference": "Organization/nowhere"}
    body = fhir.post("MedicationRequest", request)
    assert_outcome(body, 400, "MedicationRequest.contained[0].manufacturer")


def _transaction(*entries):
    return {"resourceType": "Bundle", "type": "transaction", "entry": list(entries)}


def _post(resource, full_url=None):
    entry = {"resource": resource, "request": {"method": "POST", "url": resource["resourceType"]}}
    return entry | ({"fullUrl": full_url} if full_url else {})


def test_a_transaction_may_refer_to_what_it_creates_in_any_order(fhir):
    url = "urn:uuid:4f1c2b1e-8d7a-4c1e-9a55-1f6f3b7c2d10"
    obs = observation("x", subject={"reference": url})
    response = fhir.post("", _transaction(_post(obs), _post(patient(), url)))
    assert response.status_code == 200, response.text
    pid = response.json["entry"][1]["response"]["location"].split("/")[1]
    assert fhir.get(f"Observation?subject=Patient/{pid}").json["total"] == 1


def test_one_bad_reference_fails_the_whole_transaction(fhir):
    url = "urn:uuid:5e2d3c4b-1a2b-4c3d-8e9f-0a1b2c3d4e5f"
    before = _count("Patient")
    bundle = _transaction(
        _post(patient(), url),
        _post(observation("x", subject={"reference": url})),
        _post(observation("missing-one")),
    )
    body = assert_outcome(fhir.post("", bundle), 400, "Observation.subject")
    diagnostics = body["issue"][0]["diagnostics"]
    assert diagnostics.startswith("Bundle.entry[2]: Observation.subject refers to")
    assert "Patient/missing-one" in diagnostics
    assert _count("Patient") == before


def test_a_batch_entry_with_a_bad_reference_fails_alone(fhir):
    pid = fhir.create(patient())["id"]
    bundle = {
        "resourceType": "Bundle",
        "type": "batch",
        "entry": [_post(observation("missing-one")), _post(observation(pid))],
    }
    response = fhir.post("", bundle)
    assert response.status_code == 200
    statuses = [e["response"]["status"] for e in response.json["entry"]]
    assert statuses[0].startswith("400") and statuses[1].startswith("201")


def test_delete_of_a_referenced_resource_leaves_referrers_on_a_tombstone(fhir):
    pid = fhir.create(patient())["id"]
    held = fhir.create(observation(pid))
    assert fhir.delete(f"Patient/{pid}").status_code == 204
    assert_outcome(
        fhir.get(fhir.get(f"Observation/{held['id']}").json["subject"]["reference"]), 410
    )
    # a new reference to the deleted patient is refused
    body = assert_outcome(fhir.post("Observation", observation(pid)), 400, "Observation.subject")
    assert body["issue"][0]["code"] == "deleted"
    # the referrer may still be updated with the reference it already holds
    changed = fhir.put(
        f"Observation/{held['id']}", observation(pid, id=held["id"], status="amended")
    )
    assert changed.status_code == 200, changed.text
    # but not given a new reference to another deleted resource
    other = fhir.create(observation(fhir.create(patient())["id"]))
    assert fhir.delete(f"Observation/{other['id']}").status_code == 204
    linked = observation(
        pid, id=held["id"], hasMember=[{"reference": f"Observation/{other['id']}"}]
    )
    assert_outcome(fhir.put(f"Observation/{held['id']}", linked), 400, "Observation.hasMember[0]")


def test_a_transaction_cannot_refer_to_what_it_deletes(fhir):
    pid = fhir.create(patient())["id"]
    bundle = _transaction(
        {"request": {"method": "DELETE", "url": f"Patient/{pid}"}}, _post(observation(pid))
    )
    assert_outcome(fhir.post("", bundle), 400, "Observation.subject")
    assert fhir.get(f"Patient/{pid}").status_code == 200


@contextmanager
def _lookups() -> Iterator[list[str]]:
    """The statements that read targets' states (referential's one query)."""
    seen: list[str] = []

    def record(conn, cursor, statement, *args):
        if statement.startswith(TARGET_STATES):
            seen.append(statement)

    sa.event.listen(sa.engine.Engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        sa.event.remove(sa.engine.Engine, "before_cursor_execute", record)


def test_one_query_checks_every_reference_of_a_transaction(fhir):
    pids = [fhir.create(patient())["id"] for _ in range(5)]
    practitioner = fhir.create({"resourceType": "Practitioner", "name": [{"family": "Doe"}]})
    performer = [{"reference": f"Practitioner/{practitioner['id']}"}]
    entries = [_post(observation(pid, performer=performer)) for pid in pids for _ in range(6)]
    with _lookups() as seen:
        response = fhir.post("", _transaction(*entries))
    assert response.status_code == 200, response.text
    assert len(seen) == 1, seen


def test_the_capability_statement_says_references_are_enforced(client):
    resources = client.get("/fhir/metadata").json["rest"][0]["resource"]
    policies = {tuple(r["referencePolicy"]) for r in resources}
    assert policies == {("literal", "logical", "enforced")}  # not "local": external allowed


def test_a_collection_import_may_refer_to_entries_later_in_the_file(app):
    from core.actor import Actor
    from health.fhir.importer import import_bundle

    later = patient(id="p-later")
    collection = {
        "resourceType": "Bundle",
        "type": "collection",
        "entry": [
            {"resource": observation("p-later", id="o-first")},  # before its subject
            {"resource": later},
        ],
    }
    result = import_bundle(actor=Actor.system("fhir-import"), bundle=collection)
    assert result.errors == [] and dict(result.counts) == {"Observation": 1, "Patient": 1}
    broken = {
        "resourceType": "Bundle",
        "type": "collection",
        "entry": [{"resource": observation("p-nowhere", id="o-broken")}],
    }
    with pytest.raises(BrokenReference) as refused:
        import_bundle(actor=Actor.system("fhir-import"), bundle=broken)
    assert refused.value.issues[0].expression == ("Observation.subject",)
    assert refused.value.issues[0].diagnostics.startswith("Bundle.entry[0]: ")


def test_a_patch_and_a_conditional_update_are_checked_too(fhir):
    pid = fhir.create(patient())["id"]
    oid = fhir.create(observation(pid))["id"]
    ops = [{"op": "replace", "path": "/subject/reference", "value": "Patient/nope"}]
    patched = fhir._send(
        "PATCH", f"Observation/{oid}", ops, **{"Content-Type": "application/json-patch+json"}
    )
    assert_outcome(patched, 400, "Observation.subject")
    body = observation("nope", identifier=[{"system": "urn:x", "value": "cond-1"}])
    assert_outcome(
        fhir.put("Observation?identifier=urn:x|cond-1", body), 400, "Observation.subject"
    )
    assert fhir.get(f"Observation/{oid}").json["subject"]["reference"] == f"Patient/{pid}"


def test_another_servers_url_is_never_taken_for_one_of_ours(fhir):
    """An absolute reference on another base is external: allowed, but it does not put
    the resource into our Patient's compartment (nor, so, its facility scope)."""
    ours = fhir.create(patient())["id"]
    external = f"https://elsewhere.example/fhir/Patient/{ours}"
    created = fhir.create(observation(ours) | {"subject": {"reference": external}})
    assert created["subject"]["reference"] == external
    found = fhir.get(f"Observation?patient={ours}").json
    assert [e["resource"]["id"] for e in found.get("entry", [])] == []
    everything = fhir.get(f"Patient/{ours}/$everything").json
    assert created["id"] not in {e["resource"]["id"] for e in everything["entry"]}
    by_url = fhir.get(f"Observation?subject={external}").json
    assert [e["resource"]["id"] for e in by_url["entry"]] == [created["id"]]


@pytest.mark.parametrize(
    ("rtype", "document", "element"),
    [
        # R4B widened these target lists; R4 (4.0.1) has the narrower ones
        (
            "DiagnosticReport",
            {"status": "final", "code": {"text": "panel"}, "subject": "Practitioner"},
            "DiagnosticReport.subject",
        ),
        (
            "Group",
            {"type": "person", "actual": True, "member": [{"entity": "RelatedPerson"}]},
            "Group.member[0].entity",
        ),
    ],
)
def test_r4_target_lists_where_r4b_widened_them(fhir, rtype, document, element):
    pid = fhir.create(patient())["id"]
    target_type = document.pop("subject", None)
    if target_type is not None:
        target = fhir.create({"resourceType": target_type, "name": [{"family": "Okafor"}]})
        document["subject"] = {"reference": f"{target_type}/{target['id']}"}
    else:
        related = fhir.create(
            {"resourceType": "RelatedPerson", "patient": {"reference": f"Patient/{pid}"}}
        )
        document["member"] = [{"entity": {"reference": f"RelatedPerson/{related['id']}"}}]
    before = _count(rtype)
    body = assert_outcome(fhir.post(rtype, {"resourceType": rtype, **document}), 422, element)
    assert "Patient" in body["issue"][0]["diagnostics"]
    assert _count(rtype) == before
    allowed = {
        "DiagnosticReport": {"subject": {"reference": f"Patient/{pid}"}},
        "Group": {"member": [{"entity": {"reference": f"Patient/{pid}"}}]},
    }[rtype]
    assert fhir.post(rtype, {"resourceType": rtype, **document, **allowed}).status_code == 201
