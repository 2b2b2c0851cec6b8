"""`GET /api/v1/facilities/{code}/compliance` (the contract's "Compliance clocks"), the
facility's compliance page and the dashboard panels: who may read them, their shape and
filters, facility scope, and that they never carry clinical content."""

from __future__ import annotations

import datetime as dt

import pytest

from core.db import utcnow
from custody.releases.inputs import ReleaseIn
from custody.releases.services import release_booking
from custody.restrictive.services import place_in_restrictive_housing
from tests.health.conftest import Fhir

SYSTEM = "https://custodia.dev/fhir/CodeSystem/encounter-type"
KEYS = {"rule", "booking_id", "a_number", "state", "due_at", "met_at"}
H = dt.timedelta(hours=1)


def iso(value: dt.datetime) -> str:
    return value.isoformat().replace("+00:00", "Z")


@pytest.fixture
def world(make, client):
    """At one facility: a person booked 13 h ago whose intake screening was met (a
    finished Encounter 30 min after booking) and whose classification is overdue; a
    person booked 2 h ago (all due); a released person. Another facility, one person."""
    facility = make.facility(time_zone="America/New_York")
    now = utcnow().replace(microsecond=0)
    late = make.booking(
        facility=facility,
        detainee=make.detainee(a_number="945678123", family_name="Overdueperson"),
        booked_at=now - 13 * H,
    )
    fresh = make.booking(
        facility=facility,
        detainee=make.detainee(a_number="945678124", family_name="Freshperson"),
        booked_at=now - 2 * H,
    )
    gone = make.booking(
        facility=facility,
        detainee=make.detainee(a_number="945678125", family_name="Goneperson"),
        booked_at=now - 20 * H,
    )
    release_booking(
        actor=make.actor("officer"), booking_id=gone.id, release=ReleaseIn(reason="bond")
    )
    other = make.facility()
    make.booking(facility=other, booked_at=now - 20 * H)
    fhir = Fhir(client, make.headers("clinician"))
    found = fhir.get("Patient?identifier=https://custodia.dev/fhir/sid/a-number|945678123")
    patient = found.json["entry"][0]["resource"]["id"]
    ended = now - 12 * H - 30 * dt.timedelta(minutes=1)
    fhir.create(
        {
            "resourceType": "Encounter",
            "status": "finished",
            "class": {"system": "http://terminology.hl7.org/CodeSystem/v3-ActCode", "code": "AMB"},
            "type": [{"coding": [{"system": SYSTEM, "code": "intake-screening"}]}],
            "reasonCode": [{"text": "Chest pain, private"}],
            "subject": {"reference": f"Patient/{patient}"},
            "period": {"start": iso(ended - H / 2), "end": iso(ended)},
        }
    )
    return {"facility": facility, "other": other, "late": late, "fresh": fresh, "gone": gone}


def get(client, make, code, role="auditor", query="", **user):
    return client.get(
        f"/api/v1/facilities/{code}/compliance{query}", headers=make.headers(role, **user)
    )


def test_the_list_has_the_contract_shape(client, make, world):
    response = get(client, make, world["facility"].code)
    assert response.status_code == 200, response.text
    items = response.json["items"]
    assert items and all(set(item) == KEYS for item in items)
    mine = {(i["a_number"], i["rule"]): i for i in items}
    met = mine[("945678123", "intake-health-screening")]
    assert met["state"] == "met" and met["booking_id"] == str(world["late"].id)
    assert met["met_at"] is not None
    assert mine[("945678123", "classification")]["state"] == "overdue"
    assert mine[("945678124", "intake-health-screening")]["state"] in ("due", "due_soon")
    assert mine[("945678124", "intake-health-screening")]["met_at"] is None
    assert "945678125" not in {i["a_number"] for i in items}  # released: stopped, not listed
    assert world["other"].code not in response.text
    for private in ("Chest pain", "Encounter", SYSTEM, 'intake-screening"'):
        assert private not in response.text


def test_filters_by_state_and_rule(client, make, world):
    code = world["facility"].code
    overdue = get(client, make, code, query="?state=overdue").json["items"]
    assert overdue and {i["state"] for i in overdue} == {"overdue"}
    assert ("945678123", "classification") in {(i["a_number"], i["rule"]) for i in overdue}
    assert "945678124" not in {i["a_number"] for i in overdue}
    dental = get(client, make, code, query="?rule=dental-screening").json["items"]
    assert {i["rule"] for i in dental} == {"dental-screening"}
    assert {i["a_number"] for i in dental} == {"945678123", "945678124"}
    both = get(client, make, code, query="?rule=classification&state=overdue").json["items"]
    assert [(i["a_number"], i["rule"]) for i in both] == [("945678123", "classification")]
    stopped = get(client, make, code, query="?state=stopped").json["items"]
    assert stopped and {i["a_number"] for i in stopped} == {"945678125"}


def test_an_unknown_state_or_rule_is_422(client, make, world):
    response = get(client, make, world["facility"].code, query="?state=late&rule=nap-time")
    assert response.status_code == 422, response.text
    assert set(response.json["errors"]) == {"state", "rule"}


@pytest.mark.parametrize(
    ("role", "status"),
    [
        ("auditor", 200),
        ("supervisor", 200),
        ("officer", 403),
        ("clinician", 403),
        ("records", 403),
        ("admin", 403),
    ],
)
def test_who_may_read_the_list(client, make, world, role, status):
    assert get(client, make, world["facility"].code, role).status_code == status


def test_facility_scope(client, make, world):
    facility, other = world["facility"], world["other"]
    assert get(client, make, facility.code, facility_id=facility.id).status_code == 200
    assert get(client, make, other.code, facility_id=facility.id).status_code in (403, 404)
    assert client.get(f"/api/v1/facilities/{facility.code}/compliance").status_code == 401
    assert get(client, make, "NOPE").status_code == 404


# --- pages ---------------------------------------------------------------------------


def test_the_compliance_page_shows_who_which_rule_since_when(client, make, world):
    make.login(client, role="supervisor")
    page = client.get(f"/facilities/{world['facility'].code}/compliance")
    assert page.status_code == 200, page.text
    text = page.text
    overdue = text.split('id="overdue"')[1].split('id="coming"')[0]
    assert "Overdueperson, Alex" in overdue and "A945-678-123" in overdue
    assert "Classification before general-population housing" in overdue
    assert "Freshperson" not in overdue and "Goneperson" not in text
    assert " EST" in overdue or " EDT" in overdue  # the facility's zone, not UTC
    assert "UTC" not in overdue
    coming = text.split('id="coming"')[1].split('id="monthly"')[0]
    assert "Freshperson, Alex" in coming
    assert 'role="img"' in text and "<table" in text.split('id="monthly"')[1]
    for private in ("Chest pain", "Encounter/", "intake-screening"):
        assert private not in text


@pytest.mark.parametrize(("role", "status"), [("officer", 403), ("clinician", 403)])
def test_the_compliance_page_is_for_supervisors_and_auditors(client, make, world, role, status):
    make.login(client, role=role)
    assert client.get(f"/facilities/{world['facility'].code}/compliance").status_code == status


def test_the_dashboard_panel_counts_overdue_and_links(client, make, world):
    code = world["facility"].code
    make.login(client, user=make.user("auditor", facility_id=world["facility"].id))
    page = client.get("/dashboard")
    assert page.status_code == 200, page.text
    assert f'href="/facilities/{code}/compliance"' in page.text
    # the overdue person's classification and risk screening (the released one's stopped)
    assert ": 2 overdue items</a>" in page.text
    assert world["other"].code not in page.text


def test_the_clinicians_dashboard_lists_overdue_clinical_items_only(client, make, world):
    unscreened = make.detainee(a_number="945678126", family_name="Unscreenedperson")
    make.booking(facility=world["facility"], detainee=unscreened, booked_at=utcnow() - 13 * H)
    make.booking(facility=world["other"], booked_at=utcnow() - 13 * H)  # not their facility
    make.login(client, user=make.user("clinician", facility_id=world["facility"].id))
    page = client.get("/dashboard")
    assert page.status_code == 200, page.text
    panel = page.text.split('id="clinical-overdue"')[1]
    assert "Overdue clinical items (1)" in panel
    assert "Unscreenedperson, Alex" in panel and "A945-678-126" in panel
    assert "Intake health screening" in panel
    assert "Classification" not in panel  # a custody rule, not a clinical one
    assert "Overdueperson" not in panel  # their screening was met
    assert "Chest pain" not in page.text


def test_restrictive_housing_clocks_share_the_states(client, make, world):
    """A placement's checks are on the same list, with the same states; a release from
    custody stops them, so they leave every overdue list."""
    place_in_restrictive_housing(
        actor=make.actor("supervisor"),
        booking_id=world["fresh"].id,
        kind="administrative",
        reason="Matrix",
        placed_at=utcnow() - H,
    )
    code = world["facility"].code
    query = "?rule=restrictive-housing-check&state=overdue"
    (check,) = get(client, make, code, query=query).json["items"]
    assert (check["a_number"], check["booking_id"]) == ("945678124", str(world["fresh"].id))
    review = get(client, make, code, query="?rule=restrictive-housing-review").json["items"]
    assert [i["state"] for i in review] == ["due"]
    release_booking(
        actor=make.actor("officer"), booking_id=world["fresh"].id, release=ReleaseIn(reason="bond")
    )
    assert get(client, make, code, query=query).json["items"] == []
    overdue = get(client, make, code, query="?state=overdue").json["items"]
    assert "945678124" not in {i["a_number"] for i in overdue}
    stopped = get(client, make, code, query="?state=stopped").json["items"]
    assert "restrictive-housing-check" in {
        i["rule"] for i in stopped if i["a_number"] == "945678124"
    }
