"""Reference-data pages: facilities, housing units and beds, read by staff and managed by
admins through the same services as the API."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from core.db import db
from custody.facilities.forms import expand_labels
from custody.facilities.models import Bed, Facility, HousingUnit
from tests.helpers import csrf_token, events, last_event

FACILITY = {
    "code": "ELPX",
    "name": "El Paso Example Processing Center",
    "address_line": "8915 Montana Ave",
    "city": "El Paso",
    "state": "TX",
    "postal_code": "79925",
    "phone": "(555) 010-0199",
    "field_office": "ELP",
    "facility_type": "SPC",
    "time_zone": "America/Denver",
    "standards_set": "PBNDS-2011-R2016",
    "is_active": "y",
}


def _post(client, path: str, data: dict):
    token = csrf_token(client.get("/dashboard").text)
    return client.post(path, data={"csrf_token": token, **data})


@pytest.fixture
def admin(client, make):
    return make.login(client, role="admin")


def test_list_and_detail_for_staff(client, make):
    unit = make.unit(name="Alpha")
    make.bed(unit=unit, label="A-01")
    make.bed(unit=unit, label="A-02", is_in_service=False)
    make.login(client, role="officer")
    listing = client.get("/facilities")
    assert listing.status_code == 200 and unit.facility.code in listing.text
    assert "Add a facility" not in listing.text  # officers do not manage
    detail = client.get(f"/facilities/{unit.facility.code}")
    assert detail.status_code == 200
    assert "Alpha" in detail.text and "1 / 2" in detail.text  # in service / all
    beds = client.get(f"/facilities/units/{unit.id}")
    assert "A-01" in beds.text and "Out of service" in beds.text


def test_scoped_user_sees_only_their_facility(client, make):
    home, other = make.facility(), make.facility()
    make.login(client, make.user("officer", facility_id=home.id))
    assert other.code not in client.get("/facilities").text
    assert client.get(f"/facilities/{other.code}").status_code == 403
    other_unit = make.unit(facility=other)
    assert client.get(f"/facilities/units/{other_unit.id}").status_code == 403


def test_unknown_facility_is_404(client, make):
    make.login(client, role="officer")
    assert client.get("/facilities/NOPE").status_code == 404
    assert client.get("/facilities/units/999999").status_code == 404


def test_create_facility(client, admin):
    response = _post(client, "/admin/facilities/new", FACILITY)
    assert response.status_code == 302, response.text
    facility = db.session.scalar(sa.select(Facility).where(Facility.code == "ELPX"))
    assert facility.field_office.code == "ELP" and facility.time_zone == "America/Denver"
    assert last_event("custody:facility:create", subject_id=str(facility.id)).actor_id == admin.id


def test_invalid_facility_keeps_input_and_writes_nothing(client, admin):
    before = len(events("custody:facility:create"))
    bad = FACILITY | {"postal_code": "ABCDE", "time_zone": "Mars/Olympus"}
    response = _post(client, "/admin/facilities/new", bad)
    assert response.status_code == 422
    assert 'id="postal_code-error"' in response.text and 'id="time_zone-error"' in response.text
    assert 'value="El Paso Example Processing Center"' in response.text
    assert db.session.scalar(sa.select(Facility).where(Facility.code == "ELPX")) is None
    assert len(events("custody:facility:create")) == before


def test_duplicate_code_is_a_field_error(client, make, admin):
    make.facility(code="ELPX")
    response = _post(client, "/admin/facilities/new", FACILITY)
    assert response.status_code == 422 and 'id="code-error"' in response.text


def test_edit_facility(client, make, admin):
    facility = make.facility()
    page = client.get(f"/admin/facilities/{facility.code}")
    assert page.status_code == 200 and facility.name in page.text
    data = FACILITY | {"name": "Renamed Center", "phone": "(555) 010-0123"}
    response = _post(client, f"/admin/facilities/{facility.code}", data)
    assert response.status_code == 302
    db.session.refresh(facility)
    assert facility.name == "Renamed Center" and facility.code != "ELPX"  # code unchanged
    changed = last_event("custody:facility:update", subject_id=str(facility.id)).changed_fields
    assert {"name", "phone"} <= set(changed) and "code" not in changed


def test_add_unit_with_levels_then_beds(client, make, admin):
    facility = make.facility()
    response = _post(
        client,
        f"/admin/facilities/{facility.code}/units/new",
        {"name": "Bravo", "kind": "general", "sex_housed": "female", "levels": ["1", "2"]},
    )
    assert response.status_code == 302, response.text
    unit = db.session.scalar(sa.select(HousingUnit).where(HousingUnit.name == "Bravo"))
    assert unit.levels == [1, 2] and unit.sex_housed == "female"
    added = _post(
        client,
        f"/admin/facilities/units/{unit.id}/beds",
        {"labels": "B-01..B-12, B-ADA", "is_lower_bunk": "y"},
    )
    assert added.status_code == 302, added.text
    labels = db.session.scalars(sa.select(Bed.label).where(Bed.unit_id == unit.id)).all()
    assert len(labels) == 13 and "B-07" in labels and "B-ADA" in labels
    assert len(events("custody:bed:create", actor_id=admin.id)) == 13


def test_unit_needs_a_level(client, make, admin):
    facility = make.facility()
    response = _post(
        client,
        f"/admin/facilities/{facility.code}/units/new",
        {"name": "Charlie", "kind": "general", "sex_housed": "male"},
    )
    assert response.status_code == 422 and 'id="levels-error"' in response.text
    assert 'value="Charlie"' in response.text


def test_duplicate_bed_labels_are_refused_whole(client, make, admin):
    unit = make.unit()
    make.bed(unit=unit, label="C-02")
    response = _post(client, f"/admin/facilities/units/{unit.id}/beds", {"labels": "C-01..C-03"})
    assert response.status_code == 422 and "C-02" in response.text
    assert db.session.scalar(sa.select(sa.func.count(Bed.id)).where(Bed.unit_id == unit.id)) == 1


def test_take_a_bed_out_of_service(client, make, admin):
    bed = make.bed(label="D-01", is_lower_bunk=True)
    response = _post(
        client, f"/admin/facilities/beds/{bed.id}", {"label": "D-01", "is_lower_bunk": "y"}
    )
    assert response.status_code == 302
    db.session.refresh(bed)
    assert bed.is_in_service is False and bed.is_lower_bunk is True
    assert last_event("custody:bed:update", subject_id=str(bed.id)).changed_fields == [
        "is_in_service"
    ]


def test_managing_needs_the_permission(client, make):
    facility = make.facility()
    make.login(client, role="supervisor")
    assert client.get("/admin/facilities/new").status_code == 403
    response = _post(client, f"/admin/facilities/{facility.code}", FACILITY)
    assert response.status_code == 403


def test_missing_csrf_token_is_refused_without_a_500(client, make, admin):
    response = client.post("/admin/facilities/new", data=FACILITY)
    assert response.status_code == 400
    assert "The form expired" in response.text
    assert db.session.scalar(sa.select(Facility).where(Facility.code == "ELPX")) is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("A-01..A-03", ["A-01", "A-02", "A-03"]),
        ("7..9", ["7", "8", "9"]),
        ("X1, X2\nX3", ["X1", "X2", "X3"]),
        ("B-08..B-10", ["B-08", "B-09", "B-10"]),
    ],
)
def test_expand_labels(text, expected):
    assert expand_labels(text) == expected


def test_expand_labels_refuses_backwards_and_huge_ranges():
    with pytest.raises(ValueError, match="backwards"):
        expand_labels("A-09..A-01")
    with pytest.raises(ValueError, match="at most"):
        expand_labels("1..100000")
