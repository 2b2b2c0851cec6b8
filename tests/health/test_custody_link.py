"""A booking creates or links the person's Patient (A-number identifier) and the
facility's Organization and Location; later bookings never duplicate the Patient."""

from __future__ import annotations

from custody.bookings.release import release_booking
from health.patients import facility_id
from tests.helpers import events

FHIR_JSON = "application/fhir+json"


def _search(client, headers, query):
    response = client.get(f"/fhir/Patient?{query}", headers={**headers, "Accept": FHIR_JSON})
    assert response.status_code == 200, response.json
    return [entry["resource"] for entry in response.json.get("entry", [])]


def test_booking_creates_the_patient_and_facility_resources(client, make):
    person = make.detainee(a_number="912345678", family_name="Mensah", sex="female")
    facility = make.facility()
    make.booking(facility=facility, detainee=person)
    headers = make.headers("clinician")
    (patient,) = _search(client, headers, "identifier=912345678")
    assert patient["identifier"][0] == {
        "system": "https://custodia.dev/fhir/sid/a-number",
        "value": "912345678",
    }
    assert patient["name"][0]["family"] == "Mensah" and patient["gender"] == "female"
    org = f"Organization/{facility_id(facility)}"
    assert patient["managingOrganization"]["reference"] == org
    for kind in ("Organization", "Location"):
        response = client.get(f"/fhir/{kind}/{facility_id(facility)}", headers=headers)
        assert response.status_code == 200
        assert response.json["name"] == facility.name
    system = "https://custodia.dev/fhir/sid/a-number"
    assert _search(client, headers, f"identifier={system}|912345678")[0]["id"] == patient["id"]


def test_rebooking_elsewhere_links_the_same_patient(client, make):
    person = make.detainee(a_number="912345679")
    first = make.booking(detainee=person)
    release_booking(actor=make.actor("officer"), booking_id=first.id, reason="Transferred out")
    other = make.facility()
    make.booking(facility=other, detainee=person)
    make.booking(facility=other)  # the facility's resources exist: compared, not re-read
    assert events("health:fhir:read") == []  # linking is no clinical read
    headers = make.headers("clinician")
    patients = _search(client, headers, "identifier=912345679")
    assert len(patients) == 1
    assert patients[0]["managingOrganization"]["reference"] == f"Organization/{facility_id(other)}"


def test_officers_book_without_seeing_the_health_record(client, make):
    person = make.detainee(a_number="912345680")
    make.booking(detainee=person)
    response = client.get("/fhir/Patient?identifier=912345680", headers=make.headers("officer"))
    assert response.status_code == 403
