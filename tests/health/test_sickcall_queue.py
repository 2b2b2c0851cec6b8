"""The sick-call queue: open requests of the people held at a facility, overdue first
then by due time; facility scope; steps found however the Encounters arrived."""

from __future__ import annotations

import datetime as dt

import pytest

from core.db import utcnow
from core.errors import Forbidden, NotFound
from health.fhir.link import patient_id_of
from health.sickcall import queue
from tests.health.sickcall_helpers import CS, request, triage, visit
from tests.helpers import last_event


@pytest.fixture
def place(make):
    facility = make.facility(code="QUEF", name="Queue Facility")
    people = [make.booking(facility=facility).detainee for _ in range(5)]
    return {
        "facility": facility,
        "people": people,
        "officer": make.actor("officer"),
        "clinician": make.actor("clinician"),
    }


def test_overdue_first_then_by_due_time(place):
    officer, clinician = place["officer"], place["clinician"]
    a, b, c, d, e = (p.a_number for p in place["people"])
    overdue = request(officer, a, hours_ago=30)  # triage due 6 h ago
    fresh = request(officer, b, hours_ago=2)  # triage due in 22 h
    triaged = request(officer, c, hours_ago=20)
    triage(clinician, triaged.request_id, hours_ago=1)  # visit due in 23 h
    soon = request(officer, d, hours_ago=10)  # triage due in 14 h
    seen = request(officer, e, hours_ago=8)
    triage(clinician, seen.request_id, hours_ago=6)
    visit(clinician, seen.request_id)  # closed: not in the queue
    found = queue.facility_queue(actor=clinician, facility_code="QUEF")
    ids = [item.id for item in found.items]
    assert ids == [overdue.request_id, soon.request_id, fresh.request_id, triaged.request_id]
    first = found.items[0]
    assert first.is_overdue(found.now) and first.stage == "triage"
    assert first.due_at == first.authored_at + dt.timedelta(hours=24)
    assert (first.a_number, first.language) == (a, "es")
    assert first.complaint.startswith("Me duele")
    last = found.items[-1]
    assert last.stage == "visit" and last.priority == "urgent"
    assert last.due_at == last.triage.at + dt.timedelta(hours=24)
    assert found.overdue == 1
    entry = last_event("health:sickcall:queue")
    assert (entry.subject_type, entry.subject_id) == ("Facility", str(place["facility"].id))
    (counts,) = [r for r in queue.queue_counts(actor=clinician) if r.facility.code == "QUEF"]
    assert (counts.waiting_triage, counts.waiting_visit, counts.overdue) == (3, 1, 1)


def test_facility_scope(make, place):
    done = request(place["officer"], place["people"][0].a_number)
    other = make.facility(code="OTHQ")
    outsider = make.actor("clinician", facility_id=other.id)
    with pytest.raises(Forbidden):
        queue.facility_queue(actor=outsider, facility_code="QUEF")
    with pytest.raises(Forbidden):
        queue.get_sick_call(actor=outsider, request_id=done.request_id)
    assert queue.facility_queue(actor=outsider, facility_code="OTHQ").items == []
    assert [r.facility.code for r in queue.queue_counts(actor=outsider)] == ["OTHQ"]
    insider = make.actor("clinician", facility_id=place["facility"].id)
    assert [i.id for i in queue.facility_queue(actor=insider, facility_code="QUEF").items] == [
        done.request_id
    ]
    with pytest.raises(NotFound):
        queue.facility_queue(actor=insider, facility_code="NOPE")


def _encounter(patient: str, kind: str, status: str = "finished") -> dict:
    now = utcnow().isoformat()
    return {
        "resourceType": "Encounter",
        "status": status,
        "class": {"system": "http://terminology.hl7.org/CodeSystem/v3-ActCode", "code": "AMB"},
        "type": [{"coding": [{"system": CS, "code": kind}]}],
        "subject": {"reference": f"Patient/{patient}"},
        "period": {"start": now, "end": now},
    }


def test_encounters_from_another_system_close_the_steps(client, make, place):
    """An Encounter posted over /fhir (no basedOn) answers the patient's open request;
    an in-progress one or another patient's does not."""
    first, second = place["people"][:2]
    done = request(place["officer"], first.a_number, hours_ago=3)
    other = request(place["officer"], second.a_number, hours_ago=3)
    headers = {**make.headers("clinician"), "Content-Type": "application/fhir+json"}
    patient = patient_id_of(first.a_number)
    for body in (
        _encounter(patient, "sick-call-triage", status="in-progress"),
        _encounter(patient, "sick-call-triage"),
    ):
        assert client.post("/fhir/Encounter", json=body, headers=headers).status_code == 201
    found = {
        c.id: c for c in queue.facility_queue(actor=place["clinician"], facility_code="QUEF").items
    }
    assert found[done.request_id].stage == "visit"
    assert found[other.request_id].stage == "triage"
    response = client.post(
        "/fhir/Encounter", json=_encounter(patient, "sick-call-visit"), headers=headers
    )
    assert response.status_code == 201
    found = {
        c.id: c for c in queue.facility_queue(actor=place["clinician"], facility_code="QUEF").items
    }
    assert done.request_id not in found and other.request_id in found


def test_the_fhir_api_reads_back_what_the_services_wrote(client, make, place):
    person = place["people"][0]
    done = request(place["officer"], person.a_number)
    triage(place["clinician"], done.request_id)
    headers = make.headers("clinician")
    patient = patient_id_of(person.a_number)
    found = client.get(
        f"/fhir/ServiceRequest?patient={patient}&code={CS}|sick-call", headers=headers
    )
    assert found.status_code == 200, found.text
    (entry,) = found.json["entry"]
    assert entry["resource"]["id"] == done.request_id
    assert entry["resource"]["priority"] == "urgent"
    found = client.get(
        f"/fhir/Encounter?patient={patient}&type={CS}|sick-call-triage", headers=headers
    )
    assert found.status_code == 200, found.text
    (entry,) = found.json["entry"]
    assert entry["resource"]["basedOn"] == [{"reference": f"ServiceRequest/{done.request_id}"}]
