"""Facility scope in custody (issue 11, point 1): a user limited to one facility reads a
person booked there now or before, changes only a person held there now, finds every
person of their facility whatever the page size, and learns nothing of another
facility's beds; a scoped auditor reads only their facility's audit entries."""

from __future__ import annotations

import pytest

from core.actor import Actor
from core.audit_queries import AuditFilter, get_event, search_events
from core.errors import Forbidden
from custody.housing.assignment import assign_bed
from custody.releases.inputs import ReleaseIn
from custody.releases.services import release_booking
from tests.helpers import last_event


class Place:
    """A person held at A, one held at B who was at A before, one never booked."""

    def __init__(self, client, make) -> None:
        self.client, self.make = client, make
        self.a, self.b = make.facility(code="SCOA"), make.facility(code="SCOB")
        self.here, self.moved, self.unbooked = make.detainee(), make.detainee(), make.detainee()
        self.booking = make.booking(facility=self.a, detainee=self.here)
        earlier = make.booking(facility=self.a, detainee=self.moved)
        release_booking(
            actor=Actor.system("test"), booking_id=earlier.id, release=ReleaseIn(reason="bond")
        )
        self.elsewhere = make.booking(facility=self.b, detainee=self.moved)

    def call(self, method, path, role="officer", json=None, facility=None):
        headers = self.make.headers(role, facility_id=(facility or self.a).id)
        return self.client.open(f"/api/v1{path}", method=method, json=json, headers=headers)


@pytest.fixture
def place(client, make) -> Place:
    return Place(client, make)


def test_reading_reaches_the_past_writing_needs_the_present(place):
    moved = f"/detainees/{place.moved.id}"
    assert place.call("GET", moved).json["id"] == str(place.moved.id)  # booked here before
    response = place.call("PATCH", moved, json={"given_name": "Changed"})
    assert response.status_code == 403
    assert "SCOB" not in response.text
    denied = last_event(outcome="denied")
    assert (denied.tag, denied.subject_id) == ("custody:detainee:write", str(place.moved.id))
    alert = place.call(
        "POST", f"{moved}/alerts", "clinician", {"kind": "lower_bunk", "active": True}
    )
    assert alert.status_code == 403
    # the person is unchanged
    assert place.call("GET", moved).json["given_name"] == place.moved.given_name
    assert place.call("GET", moved).json["alerts"] == []
    # held here now, or never booked: writable
    for person in (place.here, place.unbooked):
        ok = place.call("PATCH", f"/detainees/{person.id}", json={"given_name": "Renamed"})
        assert ok.status_code == 200 and ok.json["given_name"] == "Renamed"
    # held at B now: B may change them
    at_b = place.call("PATCH", moved, json={"given_name": "Fixed"}, facility=place.b)
    assert at_b.status_code == 200 and at_b.json["given_name"] == "Fixed"


def test_a_bed_elsewhere_tells_nothing_about_it(place, make):
    bed = make.bed(unit=make.unit(facility=place.b), label="SECRET-BED-7")
    taker = make.classified(make.booking(facility=place.b))
    assign_bed(actor=Actor.system("test"), booking_id=taker.id, bed_id=bed.id)
    response = place.call("POST", f"/bookings/{place.booking.id}/housing", json={"bed_id": bed.id})
    assert response.status_code == 409
    assert [r["rule"] for r in response.json["rules"]] == ["other_facility"]
    assert "SECRET-BED-7" not in response.text and "occupied" not in response.text


def test_person_search_is_filtered_before_the_page_is_cut(place, make):
    for _ in range(55):  # sorted before ours, all held elsewhere
        make.booking(
            facility=place.b, detainee=make.detainee(family_name="Aaberg", given_name="Zed")
        )
    ours = make.detainee(family_name="Aaberg", given_name="Zoe")
    make.booking(facility=place.a, detainee=ours)
    found = place.call("GET", "/detainees?name=Aaberg").json["items"]
    assert [p["id"] for p in found] == [str(ours.id)]


def test_a_scoped_auditor_reads_only_their_facility(place, make):
    place.call("PATCH", f"/detainees/{place.here.id}", json={"given_name": "Audited"})
    at_a = last_event("custody:detainee:update")
    officer_b = make.actor("officer", facility_id=place.b.id)
    release_booking(
        actor=officer_b, booking_id=place.elsewhere.id, release=ReleaseIn(reason="bond")
    )
    at_b = last_event("custody:booking:release")
    assert at_b.facility_id == place.b.id
    auditor = make.actor("auditor", facility_id=place.a.id)
    with pytest.raises(Forbidden):
        get_event(actor=auditor, event_id=at_b.id)
    page = search_events(actor=auditor, filters=AuditFilter(), limit=200)
    assert page.events and {e.facility_id for e in page.events} == {place.a.id}
    assert at_b.id not in {e.id for e in page.events} and at_a.id in {e.id for e in page.events}
    # an unscoped auditor sees both; the entries of A's own users are A's
    everyone = search_events(actor=make.actor("auditor"), filters=AuditFilter(), limit=200)
    assert {at_a.id, at_b.id} <= {e.id for e in everyone.events}
