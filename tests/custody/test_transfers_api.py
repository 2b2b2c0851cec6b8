"""The transfers and attorney-of-record API, and the FHIR resources the medical
clearance writes, read back through `/fhir`."""

from __future__ import annotations

import datetime as dt

import pytest

from core.actor import Actor
from custody.housing.assignment import assign_bed
from health.fhir.link import patient_id_of
from tests.helpers import last_event

DAY = dt.timedelta(days=1)
FHIR_BASE = "https://custodia.dev/fhir"


@pytest.fixture
def api(make, client):
    sending = make.facility(code="SAPI", name="Sending API Center")
    receiving = make.facility(code="RAPI", name="Receiving API Center")
    bed = make.bed(unit=make.unit(facility=sending))
    booking = make.classified(
        make.booking(facility=sending, booked_at=dt.datetime.now(dt.UTC) - 2 * DAY)
    )
    assign_bed(actor=Actor.system("test"), booking_id=booking.id, bed_id=bed.id)
    heads = {
        "officer": make.headers("officer", facility_id=sending.id),
        "supervisor": make.headers("supervisor", facility_id=sending.id),
        "clinician": make.headers("clinician", facility_id=sending.id),
        "receiver": make.headers("officer", facility_id=receiving.id),
        "third": make.headers("officer", facility_id=make.facility().id),
    }

    def call(who, method, path, body=None):
        return client.open(f"/api/v1{path}", method=method, json=body, headers=heads[who])

    call.booking = booking
    call.heads = heads
    return call


def _request(api):
    body = {
        "booking_id": str(api.booking.id),
        "to_facility_code": "RAPI",
        "reason": "Bed space",
        "scheduled_for": (dt.datetime.now(dt.UTC) + DAY).isoformat(),
    }
    response = api("officer", "POST", "/transfers", body)
    assert response.status_code == 201, response.text
    return response.json


SUMMARY = {
    "fit_to_travel": True,
    "active_problems": ["Hypertension"],
    "allergies": ["Sulfa drugs"],
    "medications": [
        {
            "drug": "Lisinopril",
            "dose": "10 mg",
            "directions": "once daily in the morning",
            "last_given_at": "2026-11-30T14:00:00+00:00",
            "next_due_at": "2026-12-01T14:00:00+00:00",
        }
    ],
    "tb_status": "PPD negative 2026-10-02",
    "pending_appointments": ["Cardiology 2026-12-15"],
    "accommodations": ["Lower bunk"],
    "notes": "Synthetic note.",
}


def test_the_whole_flow_over_the_api(api, client):
    created = _request(api)
    tid = created["id"]
    assert created["status"] == "requested" and created["booking_id"] == str(api.booking.id)
    assert {b["rule"] for b in created["blockers"]} == {"not_approved", "no_medical_summary"}
    assert api("officer", "POST", f"/transfers/{tid}/approve").status_code == 403
    assert api("supervisor", "POST", f"/transfers/{tid}/approve").json["status"] == "approved"
    assert api("officer", "POST", f"/transfers/{tid}/medical-summary", SUMMARY).status_code == 403
    hold = api("clinician", "POST", f"/transfers/{tid}/medical-hold", {"reason": "Awaiting labs"})
    assert hold.status_code == 201 and hold.json["is_active"]
    refused = api("officer", "POST", f"/transfers/{tid}/depart", {})
    assert refused.status_code == 409
    assert [r["rule"] for r in refused.json["rules"]] == ["no_medical_summary", "medical_hold"]
    written = api("clinician", "POST", f"/transfers/{tid}/medical-summary", SUMMARY)
    assert written.status_code == 201, written.text
    composition_id = written.json["medical_summary"]["composition_id"]
    lifted = api("clinician", "POST", f"/transfers/{tid}/medical-hold/lift")
    assert lifted.json["medical_hold"] is False and lifted.json["blockers"] == []
    departed = api("officer", "POST", f"/transfers/{tid}/depart", {})
    assert departed.status_code == 200 and departed.json["status"] == "in_transit"
    again = api("officer", "POST", f"/transfers/{tid}/depart", {})
    assert again.json["departed_at"] == departed.json["departed_at"]
    assert [m["to_status"] for m in again.json["movements"]] == [
        "requested",
        "approved",
        "in_transit",
    ]
    listed = api("receiver", "GET", "/transfers?status=in_transit").json["items"]
    assert [t["id"] for t in listed] == [tid]
    assert api("third", "GET", "/transfers?status=in_transit").json["items"] == []
    assert api("third", "GET", f"/transfers/{tid}").status_code in (403, 404)
    booking = api("officer", "GET", f"/bookings/{api.booking.id}").json
    assert booking["status"] == "in_transit"
    assert api("officer", "POST", f"/transfers/{tid}/arrive", {}).status_code == 403
    arrived = api("receiver", "POST", f"/transfers/{tid}/arrive", {})
    assert arrived.json["status"] == "arrived"
    acknowledged = api("receiver", "POST", f"/transfers/{tid}/acknowledge")
    assert acknowledged.json["acknowledged_at"]
    assert last_event("custody:transfer:acknowledge").subject_id == tid
    # the summary stays readable at the sending facility as history (the stay ended)
    doc = client.get(f"/fhir/Composition/{composition_id}", headers=api.heads["clinician"])
    assert doc.status_code == 200 and doc.json["title"] == "Medical transfer summary"


def test_summary_and_flag_are_fhir(api, client, make):
    tid = _request(api)["id"]
    written = api("clinician", "POST", f"/transfers/{tid}/medical-summary", SUMMARY).json
    cid = written["medical_summary"]["composition_id"]
    reader = api.heads["clinician"]
    doc = client.get(f"/fhir/Composition/{cid}", headers=reader).json
    patient = patient_id_of(api.booking.detainee.a_number)
    assert doc["resourceType"] == "Composition" and doc["status"] == "final"
    assert doc["subject"]["reference"] == f"Patient/{patient}"
    assert doc["identifier"] == {"system": f"{FHIR_BASE}/sid/transfer", "value": tid}
    titles = [s["title"] for s in doc["section"]]
    assert titles == [
        "Fit to travel",
        "Active problems",
        "Allergies",
        "Current medications",
        "Tuberculosis status",
        "Pending appointments",
        "Accommodations",
        "Notes",
    ]
    sections = {s["code"]["coding"][0]["code"]: s for s in doc["section"]}
    assert "Sulfa drugs" in sections["allergies"]["text"]["div"]
    med = {e["url"]: e for e in sections["medications"]["extension"][0]["extension"]}
    assert med["drug"]["valueString"] == "Lisinopril" and med["dose"]["valueString"] == "10 mg"
    assert med["lastGiven"]["valueDateTime"].startswith("2026-11-30T14:00")
    assert med["nextDue"]["valueDateTime"].startswith("2026-12-01T14:00")
    assert "PPD negative" in sections["tb-status"]["text"]["div"]
    assert last_event("health:fhir:create", subject_id=patient).changed_fields == [
        f"Composition/{cid}"
    ]
    # writing it again makes a new version of the same Composition
    again = api("clinician", "POST", f"/transfers/{tid}/medical-summary", SUMMARY).json
    assert again["medical_summary"]["composition_id"] == cid
    assert client.get(f"/fhir/Composition/{cid}", headers=reader).json["meta"]["versionId"] == "2"
    # the hold: a Flag with the local code, active, then inactive
    api("clinician", "POST", f"/transfers/{tid}/medical-hold", {"reason": "Fever"})
    code = f"{FHIR_BASE}/CodeSystem/flag-code|medical-hold"
    found = client.get(f"/fhir/Flag?patient={patient}&code={code}", headers=reader).json
    [flag] = [e["resource"] for e in found["entry"]]
    assert flag["status"] == "active" and flag["code"]["text"] == "Fever"
    api("clinician", "POST", f"/transfers/{tid}/medical-hold/lift")
    flag = client.get(f"/fhir/Flag/{flag['id']}", headers=reader).json
    assert flag["status"] == "inactive" and flag["period"]["end"]
    assert last_event("custody:transfer:hold").changed_fields == ["medical_hold_lifted"]


def test_bad_input_is_422_naming_fields(api):
    bad = api("officer", "POST", "/transfers", {"booking_id": str(api.booking.id)})
    assert bad.status_code == 422 and {"to_facility_code", "reason", "scheduled_for"} <= set(
        bad.json["errors"]
    )
    tid = _request(api)["id"]
    body = {**SUMMARY, "medications": [{"drug": "X", "dose": "", "directions": "d"}]}
    bad = api("clinician", "POST", f"/transfers/{tid}/medical-summary", body)
    assert bad.status_code == 422
    dup = api(
        "officer",
        "POST",
        "/transfers",
        {
            "booking_id": str(api.booking.id),
            "to_facility_code": "RAPI",
            "reason": "again",
            "scheduled_for": dt.datetime.now(dt.UTC).isoformat(),
        },
    )
    assert dup.status_code == 409 and dup.json["existing_id"] == tid


def test_attorneys_api(api):
    path = f"/bookings/{api.booking.id}/attorneys"
    body = {
        "attorney_name": "Lena Legal",
        "bar_number": "555123",
        "bar_state": "IL",
        "organization": "Synthetic Immigrant Justice",
        "phone": "(555) 010-2222",
        "email": "lena@example.org",
        "filed_on": "2026-11-20",
    }
    created = api("officer", "POST", path, body)
    assert created.status_code == 201, created.text
    assert created.json["is_active"] and created.json["filed_on"] == "2026-11-20"
    assert api("officer", "POST", path, body).status_code == 409
    assert api("third", "POST", path, body).status_code == 403
    assert [a["attorney_name"] for a in api("officer", "GET", path).json["items"]] == ["Lena Legal"]
    aid = created.json["id"]
    withdrawn = api("officer", "POST", f"{path}/{aid}/withdraw", {"withdrawn_on": "2026-11-25"})
    assert withdrawn.json["withdrawn_on"] == "2026-11-25" and not withdrawn.json["is_active"]
    assert api("officer", "GET", path).json["items"] == []
    everyone = api("officer", "GET", f"{path}?include_withdrawn=true").json["items"]
    assert [a["id"] for a in everyone] == [aid]
    early = api("officer", "POST", path, {**body, "bar_number": "9", "filed_on": "2099-01-01"})
    assert early.status_code == 422 and "filed_on" in early.json["errors"]
