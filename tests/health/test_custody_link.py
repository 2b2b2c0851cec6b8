"""A booking creates or links the person's Patient (A-number identifier) and the
facility's Organization and Location; later bookings never duplicate the Patient.
The link needs health:patient:link only, which reaches nothing else."""

from __future__ import annotations

import datetime as dt

import pytest

from core.errors import Forbidden
from custody.bookings.inputs import BookingIn
from custody.bookings.intake import book_detainee
from custody.releases.inputs import ReleaseIn
from custody.releases.services import release_booking
from health.fhir import link, services
from health.patients import (
    FacilityRef,
    PatientDemographics,
    PatientRef,
    ensure_patient,
    facility_organization_id,
)
from tests.health.conftest import patient
from tests.helpers import events, last_event

FHIR_JSON = "application/fhir+json"
PSY = {"system": "http://terminology.hl7.org/CodeSystem/v3-ActCode", "code": "PSYTHPN"}


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
    fid = facility_organization_id(facility.code)
    assert patient["managingOrganization"]["reference"] == f"Organization/{fid}"
    for kind in ("Organization", "Location"):
        response = client.get(f"/fhir/{kind}/{fid}", headers=headers)
        assert response.status_code == 200
        assert response.json["name"] == facility.name
    system = "https://custodia.dev/fhir/sid/a-number"
    assert _search(client, headers, f"identifier={system}|912345678")[0]["id"] == patient["id"]


def test_rebooking_elsewhere_links_the_same_patient(client, make):
    person = make.detainee(a_number="912345679")
    first = make.booking(detainee=person)
    release_booking(
        actor=make.actor("officer"),
        booking_id=first.id,
        release=ReleaseIn(reason="transfer_to_another_agency"),
    )
    other = make.facility()
    make.booking(facility=other, detainee=person)
    make.booking(facility=other)  # the facility's resources exist: compared, not re-read
    assert events("health:fhir:read") == []  # linking is no clinical read
    headers = make.headers("clinician")
    patients = _search(client, headers, "identifier=912345679")
    assert len(patients) == 1
    fid = facility_organization_id(other.code)
    assert patients[0]["managingOrganization"]["reference"] == f"Organization/{fid}"


def test_officers_book_without_seeing_the_health_record(client, make):
    person = make.detainee(a_number="912345680")
    make.booking(detainee=person)
    response = client.get("/fhir/Patient?identifier=912345680", headers=make.headers("officer"))
    assert response.status_code == 403


# --- the link permission and its audit ------------------------------------------------


def _book(make, role, person=None, facility=None):
    person = person or make.detainee()
    facility = facility or make.facility()
    booking = BookingIn(detainee_id=person.id, facility_code=facility.code)
    return book_detainee(actor=make.actor(role), booking=booking)


@pytest.mark.parametrize("role", ["officer", "supervisor"])
def test_a_booking_is_audited_under_the_link_tag(make, role):
    facility = make.facility()
    booking = _book(make, role, facility=facility)
    entry = last_event("health:patient:link")
    assert entry.subject_type == "Patient" and entry.outcome == "success"
    fid = facility_organization_id(facility.code)
    assert sorted(entry.changed_fields) == sorted(
        [f"Organization/{fid}", f"Location/{fid}", f"Patient/{entry.subject_id}", "stay"]
    )  # references (and that a stay opened) only, never content
    assert not [e for e in events() if e.tag.startswith("health:fhir:")]  # no FHIR write tags
    release_booking(actor=make.actor(role), booking_id=booking.id, release=ReleaseIn(reason="bond"))
    _book(make, role, person=booking.detainee, facility=facility)
    again = last_event("health:patient:link")
    assert again.id != entry.id and again.subject_id == entry.subject_id
    # no resource written (linked, not written); the release ended the stay, the new
    # booking opened another
    assert again.changed_fields == ["stay"]


def test_the_link_names_the_booking_officer(make):
    officer = make.actor("officer")
    person, facility = make.detainee(), make.facility()
    book_detainee(
        actor=officer, booking=BookingIn(detainee_id=person.id, facility_code=facility.code)
    )
    entry = last_event("health:patient:link")
    assert entry.actor == officer.username and entry.actor_id == officer.user_id


def test_an_officer_links_a_patient_carrying_a_restricted_label(mh_fhir, make):
    """The link hands out nothing but the id: a restricted label does not stop a booking."""
    labelled = patient(meta={"security": [PSY]})
    labelled["identifier"][0]["value"] = "912345681"
    pid = mh_fhir.create(labelled)["id"]
    facility = make.facility()
    _book(make, "officer", person=make.detainee(a_number="912345681"), facility=facility)
    assert last_event("health:patient:link").subject_id == pid
    moved = mh_fhir.get(f"Patient/{pid}").json["managingOrganization"]["reference"]
    assert moved == f"Organization/{facility_organization_id(facility.code)}"


@pytest.mark.parametrize("role", ["officer", "supervisor"])
def test_the_link_permission_does_not_reach_the_fhir_api(client, make, role):
    facility = make.facility()
    _book(make, role, facility=facility)
    fid = facility_organization_id(facility.code)
    headers = {**make.headers(role), "Accept": FHIR_JSON, "Content-Type": FHIR_JSON}
    organization = {"resourceType": "Organization", "id": fid, "name": "Renamed"}
    bundle = {"resourceType": "Bundle", "type": "transaction", "entry": []}
    for method, path, body in [
        ("GET", "/fhir/Patient", None),
        ("GET", f"/fhir/Organization/{fid}", None),
        ("GET", f"/fhir/Location/{fid}/_history", None),
        ("POST", "/fhir/Patient", patient()),
        ("PUT", f"/fhir/Organization/{fid}", organization),
        ("DELETE", f"/fhir/Location/{fid}", None),
        ("POST", "/fhir", bundle),
    ]:
        response = client.open(path, method=method, json=body, headers=headers)
        assert response.status_code == 403, (method, path, response.status_code)
        assert response.json["resourceType"] == "OperationOutcome"


def test_the_link_permission_does_not_reach_the_clinical_services(make):
    officer = make.actor("officer")
    with pytest.raises(Forbidden):
        services.create(actor=officer, resource_type="Patient", document=patient())
    with pytest.raises(Forbidden):
        services.update(
            actor=officer,
            resource_type="Organization",
            resource_id="facility-x",
            document={"resourceType": "Organization", "id": "facility-x", "name": "X"},
        )
    with pytest.raises(Forbidden):
        services.search(actor=officer, resource_type="Patient", params=[])
    with pytest.raises(Forbidden):
        services.ensure_patient(
            actor=officer, a_number="912345682", family_name="Doe", given_name="Jo",
            birth_date="1990-01-01", gender="male",
        )  # fmt: skip


@pytest.mark.parametrize(
    "document",
    [
        {"resourceType": "Organization", "id": "lab-1", "name": "Not a facility"},
        {"resourceType": "Practitioner", "id": "facility-x", "name": [{"family": "Doe"}]},
        {"resourceType": "Observation", "id": "facility-x", "status": "final"},
    ],
)
def test_the_link_path_writes_only_facility_places(make, document):
    with pytest.raises(Forbidden):
        link.link_place(actor=make.actor("officer"), document=document)
    denied = last_event("health:patient:link")
    assert denied.outcome == "denied" and denied.subject_type == document["resourceType"]


@pytest.mark.parametrize("role", ["clinician", "records", "auditor", "admin"])
def test_roles_that_do_not_book_cannot_link(make, role):
    person = PatientDemographics("912345683", "Doe", "Jo", dt.date(1990, 1, 1), "male")
    facility = FacilityRef(1, "TX01", "Test", True, "555", "1 Road", "Town", "TX", "78000")
    with pytest.raises(Forbidden):
        ensure_patient(actor=make.actor(role), person=person, facility=facility)
    assert last_event("health:patient:link").outcome == "denied"


def test_the_interface_returns_the_patient(make, fhir):
    person = PatientDemographics("912345684", "Doe", "Jo", dt.date(1990, 1, 2), "intersex")
    facility = make.facility()
    place = FacilityRef(
        facility.id, facility.code, facility.name, True, facility.phone, facility.address_line,
        facility.city, facility.state, facility.postal_code,
    )  # fmt: skip
    found = ensure_patient(actor=make.actor("officer"), person=person, facility=place)
    assert isinstance(found, PatientRef) and found.reference == f"Patient/{found.id}"
    stored = fhir.get(found.reference).json
    assert stored["birthDate"] == "1990-01-02" and stored["gender"] == "unknown"
    assert ensure_patient(actor=make.actor("supervisor"), person=person, facility=place) == found
