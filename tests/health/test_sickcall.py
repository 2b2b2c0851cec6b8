"""Sick call, the services: each step writes the right FHIR (codes, references) in one
write (one FhirResourcesWritten event), with its audit entry; refusals write nothing."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from core.db import db, utcnow
from core.errors import Conflict, Forbidden, ValidationFailed
from core.events import subscribed
from health.events import FhirResourcesWritten
from health.fhir.link import patient_id_of
from health.fhir.models import FhirResource
from health.sickcall import queue
from health.sickcall.inputs import InterpreterIn
from tests.health.sickcall_helpers import (
    BASE,
    CS,
    codes,
    document,
    extension,
    request,
    triage,
    visit,
)
from tests.helpers import events, last_event


@pytest.fixture
def held(make):
    facility = make.facility(code="SCKF", name="Sick Call Facility")
    booking = make.booking(facility=facility)
    person = booking.detainee
    return {
        "facility": facility,
        "a_number": person.a_number,
        "patient": patient_id_of(person.a_number),
        "officer": make.actor("officer"),
        "clinician": make.actor("clinician"),
    }


@pytest.fixture
def writes_seen():
    seen: list[FhirResourcesWritten] = []
    with subscribed(FhirResourcesWritten, seen.append):
        yield seen


def _count(resource_type: str) -> int:
    return db.session.scalar(
        sa.select(sa.func.count())
        .select_from(FhirResource)
        .where(FhirResource.resource_type == resource_type)
    )


def test_request_is_a_sick_call_service_request_in_the_persons_words(held, writes_seen):
    done = request(held["officer"], "A-" + held["a_number"], hours_ago=2)
    sr = document(f"ServiceRequest/{done.request_id}")
    assert codes(sr["code"]) == {(CS, "sick-call")}
    assert (sr["status"], sr["intent"], sr["priority"]) == ("active", "order", "routine")
    assert sr["subject"] == sr["requester"] == {"reference": f"Patient/{held['patient']}"}
    received = dt.datetime.fromisoformat(sr["authoredOn"].replace("Z", "+00:00"))
    assert received == done.received_at
    assert abs(received - (utcnow() - dt.timedelta(hours=2))) < dt.timedelta(minutes=1)
    note = sr["note"][0]
    assert note["text"] == "Me duele la muela desde hace tres días."
    assert note["_text"]["extension"] == [
        {"url": "http://hl7.org/fhir/StructureDefinition/language", "valueCode": "es"}
    ]
    channel = extension(sr, "sick-call-channel")["valueCoding"]
    assert (channel["system"], channel["code"]) == (
        f"{BASE}/CodeSystem/sick-call-channel",
        "paper-slip",
    )
    recorder = document(extension(sr, "recorded-by")["valueReference"]["reference"])
    assert recorder["identifier"] == [
        {"system": f"{BASE}/sid/user", "value": held["officer"].username}
    ]
    # one write: the Practitioner and the request together; one audit entry
    assert len(writes_seen) == 1
    assert {r.resource_type for r in writes_seen[0].resources} == {"Practitioner", "ServiceRequest"}
    entry = last_event("health:sickcall:request")
    assert (entry.subject_type, entry.subject_id) == ("Patient", held["patient"])
    assert f"ServiceRequest/{done.request_id}" in entry.changed_fields
    assert entry.actor_id == held["officer"].user_id and entry.facility_id == held["facility"].id
    assert (done.name, done.a_number) == (
        f"{document('Patient/' + held['patient'])['name'][0]['family']}, "
        + " ".join(document("Patient/" + held["patient"])["name"][0]["given"]),
        held["a_number"],
    )


def test_a_second_request_reuses_the_staff_members_practitioner(held):
    request(held["officer"], held["a_number"])
    before = _count("Practitioner")
    request(held["officer"], held["a_number"])
    assert _count("Practitioner") == before


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("a_number", "12AB"),
        ("complaint", "  "),
        ("language", "klingon"),
        ("channel", "pigeon"),
    ],
)
def test_refused_request_names_the_field_and_writes_nothing(held, field, value):
    before = _count("ServiceRequest")
    with pytest.raises(ValidationFailed) as refused:
        request(held["officer"], **{"a_number": held["a_number"], field: value})
    assert field in refused.value.errors
    assert _count("ServiceRequest") == before
    assert not events("health:sickcall:request")


def test_request_received_in_the_future_is_refused(held):
    with pytest.raises(ValidationFailed) as refused:
        request(held["officer"], held["a_number"], hours_ago=-3)
    assert "received_local" in refused.value.errors


def test_request_needs_the_person_in_custody_at_the_officers_facility(make, held):
    with pytest.raises(ValidationFailed) as unknown:
        request(held["officer"], "099999999")
    assert unknown.value.errors["a_number"] == ["No one with this A-number is in custody now."]
    elsewhere = make.facility(code="ELSX")
    scoped = make.actor("officer", facility_id=elsewhere.id)
    with pytest.raises(ValidationFailed) as other:
        request(scoped, held["a_number"])
    assert other.value.errors["a_number"] == ["This person is not held at your facility."]


def test_roles_without_the_permission_may_not_record(make, held):
    for role in ("records", "auditor", "admin"):
        with pytest.raises(Forbidden):
            request(make.actor(role), held["a_number"])


def test_triage_sets_priority_and_writes_a_finished_triage_encounter(held, writes_seen):
    done = request(held["officer"], held["a_number"], hours_ago=5)
    triage(held["clinician"], done.request_id, hours_ago=1, referred_to="")
    sr = document(f"ServiceRequest/{done.request_id}")
    assert (sr["priority"], sr["status"]) == ("urgent", "active")
    assert sr["note"][1]["text"] == "Swelling, no fever."
    (encounter_id,) = [r.id for r in writes_seen[-1].resources if r.resource_type == "Encounter"]
    encounter = document(f"Encounter/{encounter_id}")
    assert encounter["status"] == "finished"
    assert codes(encounter["type"]) == {(CS, "sick-call-triage")}
    assert encounter["basedOn"] == [{"reference": f"ServiceRequest/{done.request_id}"}]
    assert encounter["subject"] == {"reference": f"Patient/{held['patient']}"}
    clinician = document(encounter["participant"][0]["individual"]["reference"])
    assert clinician["identifier"][0]["value"] == held["clinician"].username
    parts = {e["url"]: e for e in extension(encounter, "interpreter")["extension"]}
    assert parts["language"]["valueCode"] == "es"
    assert parts["mode"]["valueCoding"]["code"] == "telephone"
    assert parts["interpreterId"]["valueString"] == "LL-20417"
    disposition = extension(encounter, "sick-call-disposition")["valueCodeableConcept"]
    assert codes(disposition) == {(f"{BASE}/CodeSystem/sick-call-disposition", "schedule-visit")}
    ended = dt.datetime.fromisoformat(encounter["period"]["end"].replace("Z", "+00:00"))
    assert abs(ended - (utcnow() - dt.timedelta(hours=1))) < dt.timedelta(minutes=1)
    # the request update, the Encounter (and the clinician's Practitioner): one write
    assert {r.resource_type for r in writes_seen[-1].resources} >= {"ServiceRequest", "Encounter"}
    entry = last_event("health:sickcall:triage")
    assert entry.subject_id == held["patient"] and entry.actor_id == held["clinician"].user_id
    assert {f"ServiceRequest/{done.request_id}", f"Encounter/{encounter_id}"} <= set(
        entry.changed_fields
    )


def test_triage_twice_is_a_conflict(held):
    done = request(held["officer"], held["a_number"])
    triage(held["clinician"], done.request_id)
    with pytest.raises(Conflict, match="already triaged"):
        triage(held["clinician"], done.request_id)


@pytest.mark.parametrize(
    ("extra", "field"),
    [
        ({"disposition": "refer", "referred_to": ""}, "referred_to"),
        ({"priority": "whenever"}, "priority"),
        ({"interpreter_mode": "telephone", "interpreter_id": ""}, "interpreter_id"),
        ({"hours_ago": 9}, "triaged_local"),  # before the request (received 2 h ago)
    ],
)
def test_refused_triage_writes_nothing(held, extra, field):
    done = request(held["officer"], held["a_number"], hours_ago=2)
    if "interpreter_mode" in extra:
        extra = {"interpreter": InterpreterIn("es", extra["interpreter_mode"], "")}
    encounters = _count("Encounter")
    with pytest.raises(ValidationFailed) as refused:
        triage(held["clinician"], done.request_id, **extra)
    assert field in refused.value.errors
    assert _count("Encounter") == encounters
    assert document(f"ServiceRequest/{done.request_id}")["priority"] == "routine"
    assert not events("health:sickcall:triage")


def test_officer_may_not_triage_or_see_the_request(held):
    done = request(held["officer"], held["a_number"])
    with pytest.raises(Forbidden):
        triage(held["officer"], done.request_id)
    with pytest.raises(Forbidden):
        queue.get_sick_call(actor=held["officer"], request_id=done.request_id)


def test_no_visit_needed_completes_the_request(held):
    done = request(held["officer"], held["a_number"])
    triage(held["clinician"], done.request_id, disposition="no-visit", priority="routine")
    assert document(f"ServiceRequest/{done.request_id}")["status"] == "completed"
    with pytest.raises(Conflict, match="closed"):
        visit(held["clinician"], done.request_id)


def test_visit_needs_triage_first(held):
    done = request(held["officer"], held["a_number"])
    with pytest.raises(Conflict, match="Triage this request first"):
        visit(held["clinician"], done.request_id)


def test_visit_writes_encounter_and_soap_note_and_completes_the_request(held, writes_seen):
    done = request(held["officer"], held["a_number"], hours_ago=6)
    triage(held["clinician"], done.request_id, hours_ago=4)
    visit(held["clinician"], done.request_id)
    last = writes_seen[-1]
    kinds = sorted(r.resource_type for r in last.resources)
    assert kinds == ["DocumentReference", "Encounter", "ServiceRequest"]
    by_type = {r.resource_type: r.id for r in last.resources}
    encounter = document(f"Encounter/{by_type['Encounter']}")
    assert encounter["status"] == "finished"
    assert codes(encounter["type"]) == {(CS, "sick-call-visit")}
    assert encounter["basedOn"] == [{"reference": f"ServiceRequest/{done.request_id}"}]
    note = document(f"DocumentReference/{by_type['DocumentReference']}")
    assert codes(note["type"]) == {("http://loinc.org", "11506-3")}
    assert note["context"]["encounter"] == [{"reference": f"Encounter/{by_type['Encounter']}"}]
    assert document(f"ServiceRequest/{done.request_id}")["status"] == "completed"
    detail = queue.get_sick_call(actor=held["clinician"], request_id=done.request_id)
    assert detail.note == {
        "subjective": "Toothache three days.",
        "objective": "Swollen gum, lower left.",
        "assessment": "Dental abscess suspected.",
        "plan": "Dental referral; ibuprofen.",
    }
    assert detail.call.stage == "closed" and detail.call.visit is not None
    entry = last_event("health:sickcall:visit")
    assert f"DocumentReference/{by_type['DocumentReference']}" in entry.changed_fields
    assert last_event("health:sickcall:read").subject_id == held["patient"]


def test_visit_needs_subjective_assessment_and_plan(held):
    done = request(held["officer"], held["a_number"])
    triage(held["clinician"], done.request_id)
    with pytest.raises(ValidationFailed) as refused:
        visit(held["clinician"], done.request_id, subjective="", plan=" ")
    assert set(refused.value.errors) == {"subjective", "plan"}
    assert document(f"ServiceRequest/{done.request_id}")["status"] == "active"
