"""Reference data through the API: facilities, housing units, beds."""

from __future__ import annotations

import pytest

from tests.helpers import last_event

NEW_FACILITY = {
    "code": "LKPC",
    "name": "Lakeside Processing Center",
    "address_line": "12 Shore Road",
    "city": "Batavia",
    "state": "NY",
    "postal_code": "14020",
    "phone": "(585) 555-0111",
    "field_office": "BUF",
    "facility_type": "SPC",
    "time_zone": "America/New_York",
    "standards_set": "PBNDS-2011-R2016",
}


@pytest.fixture
def admin(make):
    return make.headers("admin")


def test_list_and_read_facilities_with_field_office(client, make):
    facility = make.facility()
    headers = make.headers("officer")
    items = client.get("/api/v1/facilities", headers=headers).json["items"]
    row = next(i for i in items if i["code"] == facility.code)
    assert row["field_office"] == {"code": "SNA", "name": "San Antonio"}
    assert row["id"] == str(facility.id)
    one = client.get(f"/api/v1/facilities/{facility.code.lower()}", headers=headers)
    assert one.status_code == 200 and one.json["standards_set"] == "PBNDS-2011-R2016"
    assert client.get("/api/v1/facilities/NOPE", headers=headers).status_code == 404


def test_admin_creates_facility_audited(client, admin):
    response = client.post("/api/v1/facilities", headers=admin, json=NEW_FACILITY)
    assert response.status_code == 201, response.json
    assert response.json["field_office"]["name"] == "Buffalo"
    event = last_event("custody:facility:create", subject_id=response.json["id"])
    assert event.actor.startswith("user") and "code" in event.changed_fields


def test_duplicate_facility_code_is_409(client, admin, make):
    existing = make.facility()
    response = client.post(
        "/api/v1/facilities", headers=admin, json={**NEW_FACILITY, "code": existing.code}
    )
    assert response.status_code == 409
    assert existing.code in response.json["message"]


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("field_office", "XXX"),
        ("standards_set", "NOPE"),
        ("time_zone", "Mars/Olympus"),
        ("postal_code", "ABCDE"),
        ("facility_type", "castle"),
    ],
)
def test_bad_reference_values_are_422_naming_the_field(client, admin, field, value):
    response = client.post("/api/v1/facilities", headers=admin, json={**NEW_FACILITY, field: value})
    assert response.status_code == 422
    assert field in response.json["errors"]


def test_update_facility_partial(client, admin, make):
    facility = make.facility()
    response = client.patch(
        f"/api/v1/facilities/{facility.code}", headers=admin, json={"phone": "(555) 010-9999"}
    )
    assert response.status_code == 200 and response.json["phone"] == "(555) 010-9999"
    assert last_event("custody:facility:update").changed_fields == ["phone"]


def test_units_and_beds(client, admin, make):
    facility = make.facility()
    unit = client.post(
        f"/api/v1/facilities/{facility.code}/units",
        headers=admin,
        json={"name": "Echo", "sex_housed": "female", "kind": "general", "levels": [1, 2]},
    )
    assert unit.status_code == 201 and unit.json["levels"] == [1, 2]
    unit_id = unit.json["id"]
    beds = client.post(
        f"/api/v1/units/{unit_id}/beds",
        headers=admin,
        json={"labels": ["E-01", "E-02"], "is_lower_bunk": True},
    )
    assert beds.status_code == 201 and [b["label"] for b in beds.json] == ["E-01", "E-02"]
    again = client.post(f"/api/v1/units/{unit_id}/beds", headers=admin, json={"labels": ["E-02"]})
    assert again.status_code == 409
    bed_id = beds.json[0]["id"]
    off = client.patch(f"/api/v1/beds/{bed_id}", headers=admin, json={"is_in_service": False})
    assert off.status_code == 200 and off.json["is_in_service"] is False
    listing = client.get(
        f"/api/v1/facilities/{facility.code}/beds?in_service=true", headers=make.headers()
    )
    assert [b["label"] for b in listing.json["items"]] == ["E-02"]
    assert listing.json["items"][0]["levels_allowed"] == [1, 2]
    assert last_event("custody:bed:update", subject_id=bed_id).changed_fields == ["is_in_service"]


def test_unit_needs_a_level_and_known_kind(client, admin, make):
    facility = make.facility()
    response = client.post(
        f"/api/v1/facilities/{facility.code}/units",
        headers=admin,
        json={"name": "Foxtrot", "sex_housed": "male", "kind": "dungeon", "levels": []},
    )
    assert response.status_code == 422
    assert {"kind", "levels"} <= set(response.json["errors"])


def test_officer_cannot_manage_reference_data(client, make):
    response = client.post("/api/v1/facilities", headers=make.headers("officer"), json=NEW_FACILITY)
    assert response.status_code == 403
    denied = last_event("custody:facility:manage")
    assert denied.outcome == "denied"


def test_admin_limited_to_one_facility_cannot_touch_another(client, make):
    mine, theirs = make.facility(), make.facility()
    unit = make.unit(facility=theirs)
    headers = make.headers("admin", facility_id=mine.id)
    patch = {"phone": "(555) 010-1234"}
    assert (
        client.patch(f"/api/v1/facilities/{theirs.code}", headers=headers, json=patch).status_code
        == 403
    )
    assert (
        client.patch(f"/api/v1/facilities/{mine.code}", headers=headers, json=patch).status_code
        == 200
    )
    beds = client.post(f"/api/v1/units/{unit.id}/beds", headers=headers, json={"labels": ["Z-1"]})
    assert beds.status_code == 403
    created = client.post("/api/v1/facilities", headers=headers, json=NEW_FACILITY)
    assert created.status_code == 403
    assert last_event("custody:facility:manage").outcome == "denied"


def test_only_an_unscoped_rules_admin_changes_a_facilitys_rule_set(client, make):
    facility = make.facility()
    body = {"standards_set": "NDS-2019"}
    scoped = make.headers("admin", facility_id=facility.id)
    path = f"/api/v1/facilities/{facility.code}"
    assert client.patch(path, headers=scoped, json=body).status_code == 403
    assert last_event("custody:rules:manage").outcome == "denied"
    same = {"standards_set": facility.standards_set.code, "phone": "(555) 010-4321"}
    assert client.patch(path, headers=scoped, json=same).status_code == 200
    response = client.patch(path, headers=make.headers("admin"), json=body)
    assert response.status_code == 200 and response.json["standards_set"] == "NDS-2019"
