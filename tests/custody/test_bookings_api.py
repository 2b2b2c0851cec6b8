"""The custody JSON API for people, bookings, classification, housing and release: every
status the contract names."""

from __future__ import annotations

import pytest

from tests.helpers import NONE, WORKSHEET_ANSWERS, last_event

PERSON = {
    "a_number": "A123456789",
    "family_name": "Okafor",
    "given_name": "Grace",
    "date_of_birth": "1988-11-02",
    "sex": "female",
    "country_of_birth": "NG",
    "languages": ["en", {"code": "ig", "interpreter_needed": False}],
}


@pytest.fixture
def api(client, make):
    headers = make.headers("officer")

    def call(method, path, json=None, role=None, **kwargs):
        h = make.headers(role) if role else headers
        return client.open(f"/api/v1{path}", method=method, json=json, headers=h, **kwargs)

    return call


@pytest.mark.parametrize("spelling", ["A123456789", "123-456-789", "123456789"])
def test_create_detainee_201_with_nine_digits(api, spelling):
    response = api("POST", "/detainees", {**PERSON, "a_number": spelling})
    assert response.status_code == 201, response.json
    body = response.json
    assert body["a_number"] == "123456789" and isinstance(body["id"], str)
    assert body["possible_duplicates"] == []


def test_eight_digit_a_number_is_padded(api):
    response = api("POST", "/detainees", {**PERSON, "a_number": "12345678"})
    assert response.json["a_number"] == "012345678"


def test_create_detainee_422_names_the_fields(api):
    response = api("POST", "/detainees", {**PERSON, "a_number": "12", "sex": "x"})
    assert response.status_code == 422
    assert {"a_number", "sex"} <= set(response.json["errors"])
    response = api("POST", "/detainees", {**PERSON, "date_of_birth": "x"})
    assert response.status_code == 422 and "date_of_birth" in response.json["errors"]
    response = api("POST", "/detainees", {"a_number": "123456789"})
    assert response.status_code == 422
    assert {"family_name", "given_name", "date_of_birth", "sex", "country_of_birth"} <= set(
        response.json["errors"]
    )


def test_create_detainee_409_names_the_existing_id(api):
    first = api("POST", "/detainees", PERSON).json
    response = api("POST", "/detainees", {**PERSON, "a_number": "123-456-789"})
    assert response.status_code == 409
    assert response.json["existing_id"] == first["id"]
    assert first["id"] in response.json["message"]


def test_possible_duplicates_are_returned_with_the_new_record(api):
    first = api("POST", "/detainees", PERSON).json
    twin = {**PERSON, "a_number": "987654321", "family_name": "Grace", "given_name": "OKAFOR"}
    response = api("POST", "/detainees", twin)
    assert response.status_code == 201
    assert [d["id"] for d in response.json["possible_duplicates"]] == [first["id"]]


def test_create_detainee_401_and_403(client, make):
    assert client.post("/api/v1/detainees", json=PERSON).status_code == 401
    response = client.post("/api/v1/detainees", json=PERSON, headers=make.headers("auditor"))
    assert response.status_code == 403


def test_search_and_read(api):
    created = api("POST", "/detainees", PERSON).json
    found = api("GET", "/detainees", query_string={"a_number": "123-456-789"}).json["items"]
    assert [p["id"] for p in found] == [created["id"]]
    found = api("GET", "/detainees", query_string={"name": "grace okafor"}).json["items"]
    assert [p["id"] for p in found] == [created["id"]]
    assert api("GET", "/detainees", query_string={"a_number": "12"}).status_code == 422
    assert api("GET", "/detainees").status_code == 422
    assert api("GET", f"/detainees/{created['id']}").json["languages"][0]["code"] == "en"
    assert api("GET", "/detainees/999999").status_code == 404


def _booking(api, make, **extra):
    facility = make.facility()
    person = api("POST", "/detainees", PERSON).json
    body = {"detainee_id": person["id"], "facility_code": facility.code, **extra}
    return facility, person, api("POST", "/bookings", body)


def test_booking_201_with_deadlines_then_409(api, make):
    facility, person, response = _booking(api, make, booked_at="2026-03-02T08:00:00-06:00")
    assert response.status_code == 201, response.json
    body = response.json
    assert body["status"] == "booked" and isinstance(body["id"], str)
    assert body["deadlines"]["health_screening_due"] == "2026-03-03T02:00:00+00:00"
    assert body["deadlines"]["health_assessment_due"] == "2026-03-16T14:00:00+00:00"
    again = api("POST", "/bookings", {"detainee_id": person["id"], "facility_code": facility.code})
    assert again.status_code == 409 and again.json["existing_id"] == body["id"]


def test_booking_422(api, make):
    _, person, _ = _booking(api, make)
    for body, field in (
        ({"detainee_id": "abc", "facility_code": "X"}, "detainee_id"),
        ({"detainee_id": person["id"], "facility_code": "NOPE"}, "facility_code"),
        ({"detainee_id": person["id"]}, "facility_code"),
        ({"detainee_id": "999999", "facility_code": "NOPE"}, "detainee_id"),
    ):
        response = api("POST", "/bookings", body)
        assert response.status_code == 422 and field in response.json["errors"], body


def test_intake_patch_changes_only_what_is_sent(api, make):
    _, _, response = _booking(api, make, booked_at="2026-03-02T08:00:00-06:00")
    path = f"/bookings/{response.json['id']}"
    first = api("PATCH", path, {"program": "ATD", "property": [{"description": "Belt"}]})
    assert first.status_code == 200, first.json
    assert first.json["program"] == "ATD" and len(first.json["property"]) == 1
    second = api("PATCH", path, {"handbook_language": "ES"})
    assert second.status_code == 200, second.json
    body = second.json
    assert (body["handbook_language"], body["program"]) == ("es", "ATD")
    assert [p["description"] for p in body["property"]] == ["Belt"]  # not sent: kept
    assert last_event("custody:booking:update").changed_fields == ["handbook_language"]
    early = api("PATCH", path, {"orientation_at": "2026-03-01T08:00:00+00:00"})
    assert early.status_code == 422 and "orientation_at" in early.json["errors"]


def test_get_booking_shows_status_bed_classification_deadlines_alerts(api, make):
    facility, _, response = _booking(api, make)
    booking_id = response.json["id"]
    body = api("GET", f"/bookings/{booking_id}").json
    assert body["bed"] is None and body["classification"] is None and body["alerts"] == []
    assert body["facility_code"] == facility.code
    assert api("GET", "/bookings/999999").status_code == 404


def test_classification_201_422_403(api, make):
    _, _, response = _booking(api, make)
    path = f"/bookings/{response.json['id']}/classification"
    created = api("POST", path, {"inputs": WORKSHEET_ANSWERS[3], "reasons": "record check"})
    assert created.status_code == 201 and created.json["level"] == 3
    assert api("POST", path, {"inputs": {**NONE, "escape_history": "?"}}).status_code == 422
    override = {"inputs": NONE, "level": 2, "override_reason": "Known gang conflict"}
    assert api("POST", path, override).status_code == 403  # officers cannot override
    response = api("POST", path, override, role="supervisor")
    assert response.status_code == 201 and response.json["is_override"]
    history = api("GET", path + "s").json
    assert [(c["level"], c["superseded_at"] is None) for c in history] == [(3, False), (2, True)]


def test_housing_201_409_404_and_release(api, make):
    facility, _, response = _booking(api, make)
    booking_id = response.json["id"]
    unit = make.unit(facility=facility, sex_housed="female")
    bed = make.bed(unit=unit)
    path = f"/bookings/{booking_id}/housing"
    refused = api("POST", path, {"bed_id": str(bed.id)})
    assert refused.status_code == 409 and refused.json["rule"] == "not_classified"
    api("POST", f"/bookings/{booking_id}/classification", {"inputs": NONE})
    api(
        "POST",
        f"/bookings/{booking_id}/screening",
        {"victimization_risk": False, "abusiveness_risk": False},
    )
    assert api("POST", path, {"bed_id": "999999"}).status_code == 404
    assert api("POST", path, {"bed_id": "x"}).status_code == 422
    housed = api("POST", path, {"bed_id": str(bed.id)})
    assert housed.status_code == 201 and housed.json["bed"]["id"] == str(bed.id)
    assert api("GET", f"/bookings/{booking_id}").json["status"] == "housed"
    beds = api("GET", f"/facilities/{facility.code}/beds", query_string={"available": "false"})
    assert beds.json["items"][0]["occupant"]["booking_id"] == booking_id
    assert api("GET", f"/facilities/{facility.code}/beds?available=true").json["items"] == []
    census = api("GET", f"/facilities/{facility.code}/census").json
    assert census["units"][0]["by_level"]["1"] == 1
    released = api("POST", f"/bookings/{booking_id}/release", {"reason": "bond"})
    assert released.status_code == 200 and released.json["status"] == "released"
    assert released.json["bed"] is None
    assert last_event("custody:booking:release").subject_id == booking_id
    assert api("POST", f"/bookings/{booking_id}/release", {"reason": "bond"}).status_code == 409
    assert api("POST", f"/bookings/{booking_id}/release", {}).status_code == 422


def test_bed_taken_409_names_the_rule(api, make):
    facility = make.facility()
    bed = make.bed(unit=make.unit(facility=facility))
    first = make.classified(make.booking(facility=facility))
    second = make.classified(make.booking(facility=facility))
    assert api("POST", f"/bookings/{first.id}/housing", {"bed_id": str(bed.id)}).status_code == 201
    response = api("POST", f"/bookings/{second.id}/housing", {"bed_id": str(bed.id)})
    assert response.status_code == 409 and response.json["rule"] == "bed_taken"
    assert response.json["rules"][0]["overridable"] is False


def test_facility_scoped_officer_cannot_read_other_facilities_bookings(client, make):
    booking = make.booking()
    other = make.facility()
    headers = make.headers("officer", facility_id=other.id)
    assert client.get(f"/api/v1/bookings/{booking.id}", headers=headers).status_code == 403


def test_clinicians_set_alerts_officers_see_them(client, make):
    booking = make.booking()
    path = f"/api/v1/detainees/{booking.detainee_id}/alerts"
    body = {"kind": "lower_bunk", "active": True}
    assert client.post(path, json=body, headers=make.headers("officer")).status_code == 403
    bad = client.post(
        path, json={"kind": "diabetes", "active": True}, headers=make.headers("clinician")
    )
    assert bad.status_code == 422 and "kind" in bad.json["errors"]
    response = client.post(path, json=body, headers=make.headers("clinician"))
    assert response.status_code == 200
    seen = client.get(f"/api/v1/bookings/{booking.id}", headers=make.headers("officer")).json
    assert [a["label"] for a in seen["alerts"]] == ["Lower bunk"]
    assert last_event("custody:alert:start").subject_id == str(booking.detainee_id)


def test_admin_sees_which_beds_are_taken_but_not_by_whom(client, make):
    facility = make.facility()
    bed = make.bed(unit=make.unit(facility=facility))
    booking = make.classified(make.booking(facility=facility))
    from core.actor import Actor
    from custody.housing.assignment import assign_bed

    assign_bed(actor=Actor.system("t"), booking_id=booking.id, bed_id=bed.id)
    path = f"/api/v1/facilities/{facility.code}/beds"
    (item,) = client.get(path, headers=make.headers("admin")).json["items"]
    assert item["is_available"] is False and item["occupant"] is None
    (item,) = client.get(path, headers=make.headers("officer")).json["items"]
    assert item["occupant"]["a_number"] == booking.detainee.a_number
