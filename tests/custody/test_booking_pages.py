"""Custody pages: intake, booking, classification, screening, housing, board, release."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from core.actor import Actor
from core.db import db
from custody.bookings.models import Booking
from custody.people.models import Detainee
from custody.people.services import set_alert
from tests.helpers import NONE, csrf_token, last_event

INTAKE = {
    "a_number": "A-210-000-001",
    "family_name": "Quispe Mamani",
    "given_name": "Rosa",
    "date_of_birth_month": "6",
    "date_of_birth_day": "15",
    "date_of_birth_year": "1992",
    "sex": "female",
    "gender_identity": "woman",
    "country_of_birth": "PE",
    "primary_language": "es",
    "other_languages": "qu",
    "aliases": "Mamani, Rosa",
    "arresting_agency": "ERO Dallas",
    "property": "Wallet, brown\n2 x T-shirt\nCash $42.50",
    "orientation_given": "y",
    "handbook_language": "es",
}


@pytest.fixture
def officer(client, make):
    facility = make.facility()
    unit = make.unit(facility=facility, sex_housed="female", allows_level_3=False)
    make.bed(unit=unit, label="A-01")
    make.login(client, role="supervisor")
    return {"facility": facility, "unit": unit}


def post(client, url, data):
    token = csrf_token(client.get(url).text)
    return client.post(url, data={**data, "csrf_token": token})


def test_intake_creates_person_and_booking_in_one_go(client, officer):
    response = post(client, "/intake", {**INTAKE, "facility": officer["facility"].code})
    assert response.status_code == 302, response.text
    booking = db.session.scalar(sa.select(Booking))
    person = booking.detainee
    assert person.a_number == "210000001"
    assert [(lang.code, lang.interpreter_needed) for lang in person.languages] == [
        ("es", False),
        ("qu", False),
    ]
    assert [(a.family_name, a.given_name) for a in person.aliases] == [("Mamani", "Rosa")]
    assert [(p.quantity, p.description, p.value_cents) for p in booking.property_items] == [
        (1, "Wallet, brown", None),
        (2, "T-shirt", None),
        (1, "Cash", 4250),
    ]
    assert booking.orientation_at is not None and booking.handbook_language == "es"
    assert last_event("custody:booking:create").subject_id == str(booking.id)
    # the guided booking goes on to classification; the booking page shows the clocks
    assert response.headers["Location"].endswith(f"/bookings/{booking.id}/classification")
    page = client.get(f"/bookings/{booking.id}")
    assert "Quispe Mamani, Rosa" in page.text and "Health screening" in page.text.replace(
        "Intake health screening", "Health screening"
    )


def test_intake_errors_keep_what_was_typed_and_write_nothing(client, officer):
    bad = {
        **INTAKE,
        "a_number": "12",
        "date_of_birth_year": "",
        "facility": officer["facility"].code,
    }
    response = post(client, "/intake", bad)
    assert response.status_code == 422
    assert 'value="Quispe Mamani"' in response.text
    assert "Cash $42.50" in response.text
    assert re.search(r'id="a_number-error"[^>]*>[^<]*8 or 9 digits', response.text)
    assert 'id="date_of_birth-error"' in response.text
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Detainee)) == 0


def test_intake_warns_of_a_possible_duplicate_until_confirmed(client, make, officer):
    make.detainee(
        family_name="Quispe-Mamani",
        given_name="Rosa",
        date_of_birth=__import__("datetime").date(1992, 6, 15),
        country_of_birth="PE",
        sex="female",
    )
    data = {**INTAKE, "facility": officer["facility"].code}
    response = post(client, "/intake", data)
    assert response.status_code == 422
    assert (
        "may already be recorded" in response.text and "Book that record instead" in response.text
    )
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Booking)) == 0
    response = post(client, "/intake", {**data, "confirm_new": "y"})
    assert response.status_code == 302


def test_duplicate_a_number_is_shown_next_to_the_field(client, make, officer):
    make.detainee(a_number="210000001")
    response = post(client, "/intake", {**INTAKE, "facility": officer["facility"].code})
    assert response.status_code == 422
    assert re.search(r'id="a_number-error"[^>]*>[^<]*already recorded', response.text)


def test_classify_screen_house_and_release_through_the_pages(client, make, officer):
    booking = make.booking(facility=officer["facility"], detainee=make.detainee(sex="female"))
    url = f"/bookings/{booking.id}/classification"
    response = post(client, url, {**NONE, "escape_history": ""})
    assert response.status_code == 422 and 'id="escape_history-error"' in response.text
    assert post(client, url, NONE).status_code == 302
    screening = {"victimization_risk": "no", "abusiveness_risk": "no"}
    token = csrf_token(client.get(url).text)
    response = client.post(
        f"/bookings/{booking.id}/screening", data={**screening, "csrf_token": token}
    )
    assert response.status_code == 302
    page = client.get(f"/bookings/{booking.id}/housing")
    assert "A-01" in page.text
    bed = officer["unit"].beds[0]
    response = post(
        client, f"/bookings/{booking.id}/housing", {"bed_id": bed.id, "from_bed_id": ""}
    )
    assert response.status_code == 302, response.text
    assert booking.assignment.bed_id == bed.id
    board = client.get(f"/facilities/{officer['facility'].code}/board")
    assert booking.detainee.full_name in board.text
    odd = client.get(f"/facilities/{officer['facility'].code}/board?level=abc&sex=x")
    assert odd.status_code == 200 and booking.detainee.full_name in odd.text  # not a 500
    response = post(client, f"/bookings/{booking.id}/release", {"reason": ""})
    assert response.status_code == 422
    final = {"action": "release", "step": "confirm", "reason": "bond"}
    care = {"medications": "no", "health_summary": "no"}
    assert post(client, f"/bookings/{booking.id}/release", {**final, **care}).status_code == 302
    assert booking.status == "released"


def test_housing_refusal_lists_the_rules(client, make, officer):
    booking = make.booking(facility=officer["facility"], detainee=make.detainee(sex="female"))
    bed = officer["unit"].beds[0]
    response = post(client, f"/bookings/{booking.id}/housing?all=1", {"bed_id": bed.id})
    assert response.status_code == 422
    assert (
        "Classification and sexual-abuse screening come before general population" in response.text
    )
    assert "supervisor may override" in response.text


def test_stale_housing_form_is_refused(client, make, officer):
    booking = make.classified(
        make.booking(facility=officer["facility"], detainee=make.detainee(sex="female"))
    )
    other_bed = make.bed(unit=officer["unit"], label="A-02")
    from core.actor import Actor
    from custody.housing.assignment import assign_bed

    assign_bed(actor=Actor.system("t"), booking_id=booking.id, bed_id=other_bed.id)
    bed = officer["unit"].beds[0]
    response = post(
        client, f"/bookings/{booking.id}/housing", {"bed_id": bed.id, "from_bed_id": ""}
    )
    assert response.status_code == 422 and "changed meanwhile" in response.text


@pytest.mark.parametrize(
    "sent", [{"bed_id": "²"}, {"bed_id": "1", "from_bed_id": "²"}, {"bed_id": "007"}]
)
def test_a_bed_that_is_not_an_id_is_a_form_error(client, make, officer, sent):
    booking = make.classified(
        make.booking(facility=officer["facility"], detainee=make.detainee(sex="female"))
    )
    response = post(client, f"/bookings/{booking.id}/housing", sent)
    assert response.status_code == 422  # not a 500: "²" is a digit to str.isdigit
    assert 'id="bed_id-error"' in response.text
    assert "Choose a bed from the list." in response.text
    assert booking.assignment is None


def test_officer_pages_show_alerts_not_clinical_content(client, make, officer):
    booking = make.booking(facility=officer["facility"])
    set_alert(
        actor=Actor.system("t"), detainee_id=booking.detainee_id, kind="suicide_watch", active=True
    )
    # Clinical content in the person's health record: a diagnosis and a clinical note.
    clinician = make.headers("clinician")
    a_number = booking.detainee.a_number
    found = client.get(f"/fhir/Patient?identifier={a_number}", headers=clinician).json
    patient = found["entry"][0]["resource"]["id"]
    condition = {
        "resourceType": "Condition",
        "subject": {"reference": f"Patient/{patient}"},
        "code": {"text": "Major depressive disorder, recurrent severe"},
        "note": [{"text": "Reports command hallucinations since Tuesday"}],
    }
    created = client.post("/fhir/Condition", json=condition, headers=clinician)
    assert created.status_code == 201, created.text
    for url in (f"/bookings/{booking.id}", f"/detainees/{booking.detainee_id}"):
        page = client.get(url)
        assert page.status_code == 200 and "Suicide watch" in page.text, url
        assert "depressive" not in page.text and "hallucinations" not in page.text, url


def test_people_search(client, make, officer):
    make.detainee(family_name="Gómez", given_name="Luis", a_number="210000009")
    for query in ("gomez", "A210000009", "210-000-009"):
        page = client.get("/detainees", query_string={"q": query})
        assert "Gómez, Luis" in page.text, query


def test_correct_a_persons_identity_keeping_the_a_number(client, make, officer):
    person = make.detainee(family_name="Rojas", given_name="Ivan", a_number="210000077")
    url = f"/detainees/{person.id}/edit"
    page = client.get(url)
    assert 'value="Rojas"' in page.text and "A210-000-077" in page.text
    data = {
        "family_name": "Rojas Peña",
        "given_name": "Iván",
        "date_of_birth_month": "1",
        "date_of_birth_day": "1",
        "date_of_birth_year": "1990",
        "sex": "male",
        "country_of_birth": "CO",
        "primary_language": "es",
        "aliases": "Rojas, Ivan",
    }
    response = post(client, url, {**data, "family_name": ""})
    assert response.status_code == 422 and 'value="Iván"' in response.text
    assert post(client, url, data).status_code == 302
    assert (person.family_name, person.a_number) == ("Rojas Peña", "210000077")
    assert [(a.family_name, a.given_name) for a in person.aliases] == [("Rojas", "Ivan")]
    assert last_event("custody:detainee:update").subject_id == str(person.id)


def test_clinician_sets_alerts_on_the_person_page(app, make):
    client = app.test_client()
    make.login(client, role="clinician")
    person = make.detainee()
    url = f"/detainees/{person.id}"
    token = csrf_token(client.get(url).text)
    response = client.post(
        f"{url}/alerts", data={"kinds": ["lower_bunk", "medical_hold"], "csrf_token": token}
    )
    assert response.status_code == 302
    assert sorted(a.kind for a in person.active_alerts()) == ["lower_bunk", "medical_hold"]
    token = csrf_token(client.get(url).text)
    client.post(f"{url}/alerts", data={"kinds": ["medical_hold"], "csrf_token": token})
    assert [a.kind for a in person.active_alerts()] == ["medical_hold"]
    assert last_event("custody:alert:end").changed_fields == ["lower_bunk"]


def test_officer_has_no_alert_form_and_cannot_post_one(client, make, officer):
    person = make.detainee()
    page = client.get(f"/detainees/{person.id}")
    assert "Save alerts" not in page.text
    token = csrf_token(page.text)
    response = client.post(f"/detainees/{person.id}/alerts", data={"csrf_token": token})
    assert response.status_code == 403


def test_printable_property_receipt(client, make, officer):
    booking = make.booking(
        facility=officer["facility"],
        property=[{"description": "Cash", "value_cents": 4250}, {"description": "Belt"}],
    )
    page = client.get(f"/bookings/{booking.id}/receipt")
    assert booking.receipt_number in page.text and "$42.50" in page.text and "Belt" in page.text
