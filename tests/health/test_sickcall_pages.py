"""Sick-call pages: officers record a request and learn only that it was recorded;
clinicians see the queue with the clinical columns, triage and record the visit.
Forms come back with the errors next to the fields and the values kept."""

from __future__ import annotations

import re

import pytest

from core.i18n import a_number
from health.fhir.link import patient_id_of
from tests.health.sickcall_helpers import document, request, triage
from tests.helpers import csrf_token, last_event

COMPLAINT = "Tengo fiebre y tos desde anoche."


@pytest.fixture
def place(make):
    facility = make.facility(code="PGSF", name="Pages Sick-call Facility")
    person = make.booking(facility=facility).detainee
    return {"facility": facility, "person": person}


def _post(client, path, data):
    token = csrf_token(client.get(path).text)
    return client.post(path, data={"csrf_token": token, **data})


def _request_form(person, **extra):
    return {
        "a_number": person.a_number,
        "complaint": COMPLAINT,
        "language": "es",
        "channel": "verbal",
        **extra,
    }


def test_officer_records_a_request_and_sees_only_that_it_was_recorded(client, make, place):
    officer = make.login(client, role="officer")
    response = _post(client, "/sick-call/new", _request_form(place["person"]))
    assert response.status_code == 302 and response.headers["Location"].endswith("/sick-call/new")
    page = client.get("/sick-call/new").text
    assert "Sick-call request recorded for" in page and place["person"].a_number in page
    assert COMPLAINT not in page
    entry = last_event("health:sickcall:request")
    assert entry.actor_id == officer.id
    assert entry.subject_id == patient_id_of(place["person"].a_number)
    # the queue, the request and its forms are clinical: not for officers
    sr = entry.changed_fields[-1].split("/")[1]
    for path in ("/sick-call", "/sick-call/queue/PGSF", f"/sick-call/requests/{sr}"):
        assert client.get(path).status_code == 403, path
    dashboard = client.get("/dashboard").text
    assert "<span>Sick call</span>" not in dashboard and 'id="sick-call-panel"' not in dashboard
    assert "Record a sick-call request" in dashboard


def test_invalid_request_comes_back_with_errors_and_values(client, make, place):
    make.login(client, role="officer")
    response = _post(
        client,
        "/sick-call/new",
        _request_form(place["person"], a_number="099999998", channel=""),
    )
    assert response.status_code == 422
    page = response.text
    assert 'class="usa-alert usa-alert--error custodia-error-summary" role="alert"' in page
    assert 'href="#channel"' in page
    assert COMPLAINT in page  # the complaint is kept
    response = _post(client, "/sick-call/new", _request_form(place["person"], a_number="099999998"))
    assert response.status_code == 422
    assert 'id="a_number-error"' in response.text
    assert "No one with this A-number is in custody now." in response.text
    assert 'value="099999998"' in response.text


def test_clinician_walks_request_triage_visit(client, make, place):
    make.login(client, role="clinician")
    response = _post(client, "/sick-call/new", _request_form(place["person"]))
    assert response.status_code == 302
    show = response.headers["Location"]
    request_id = show.rstrip("/").rsplit("/", 1)[-1]
    page = client.get(show).text
    assert COMPLAINT in page and "Waiting for triage" in page
    assert re.search(r"due \d\d/\d\d/\d{4} \d\d:\d\d C[SD]T", page)  # facility time, zone named
    # triage: a referral needs its destination; values kept
    triage_form = {
        "priority": "urgent",
        "disposition": "refer",
        "interpreter_language": "es",
        "interpreter_mode": "none",
        "note": "Fever 38.4",
    }
    response = _post(client, f"{show}/triage", triage_form)
    assert response.status_code == 422
    assert 'id="referred_to-error"' in response.text and "Fever 38.4" in response.text
    triage_form.update(disposition="schedule-visit")
    response = _post(client, f"{show}/triage", triage_form)
    assert response.status_code == 302
    page = client.get(show).text
    assert "Waiting for a visit" in page and "Schedule a sick-call visit" in page
    assert "No interpreter" in page
    visit_form = {
        "subjective": "Fever and cough since last night.",
        "objective": "T 38.4, chest clear.",
        "assessment": "Viral infection.",
        "plan": "Paracetamol, fluids, recheck in 48 h.",
        "interpreter_language": "es",
        "interpreter_mode": "telephone",
        "interpreter_id": "",
    }
    response = _post(client, f"{show}/visit", visit_form)
    assert response.status_code == 422 and 'id="interpreter_id-error"' in response.text
    visit_form["interpreter_id"] = "LL-777"
    assert _post(client, f"{show}/visit", visit_form).status_code == 302
    page = client.get(show).text
    assert "Paracetamol, fluids" in page and "interpreter LL-777" in page
    assert document(f"ServiceRequest/{request_id}")["status"] == "completed"
    # a closed request offers no forms
    assert "Record the visit</button>" not in client.get(f"{show}/visit").text


def test_queue_page_shows_clinical_columns_overdue_first(client, make, place):
    officer, clinician = make.actor("officer"), make.actor("clinician")
    second = make.booking(facility=place["facility"]).detainee
    late = request(officer, place["person"].a_number, hours_ago=40)
    fresh = request(officer, second.a_number, hours_ago=1, complaint="Dolor de espalda.")
    triage(clinician, fresh.request_id)
    make.login(client, role="clinician")
    page = client.get("/sick-call/queue/PGSF").text
    assert page.index(late.request_id) < page.index(fresh.request_id)
    assert "Me duele la muela" in page and "Dolor de espalda." in page
    assert "Overdue</span>" in page and "Urgent" in page and "Spanish" in page
    assert a_number(place["person"].a_number) in page
    assert "America/Chicago" in page
    dashboard = client.get("/dashboard").text
    assert "<span>Sick call</span>" in dashboard  # the navigation item
    assert "Pages Sick-call Facility sick-call queue" in dashboard
    assert 'href="/sick-call/queue/PGSF"' in dashboard


def test_scoped_clinician_index_goes_to_their_queue(client, make, place):
    make.login(client, user=make.user("clinician", facility_id=place["facility"].id))
    response = client.get("/sick-call")
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/sick-call/queue/PGSF")
