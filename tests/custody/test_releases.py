"""Releases (issue 13, point 2) through the services and the JSON API: reasons from a
controlled list, the notifications a death in custody requires, property returned line
by line with its discrepancies, continuity of care, no backdating, one release per
booking, the bed freed, the locator, the audit entries."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa

from core.actor import Actor
from core.db import db, unit_of_work, utcnow
from core.errors import Conflict, ValidationFailed
from core.events import outbox, publish
from custody.bookings.models import BookingStatus
from custody.counsel.models import CounselNotification
from custody.counsel.services import file_g28, withdraw_g28
from custody.events import TransferDeparted
from custody.housing.assignment import assign_bed
from custody.permissions import CustodyPermission as P
from custody.releases.inputs import ContinuityIn, NotificationIn, PropertyReturnIn, ReleaseIn
from custody.releases.models import Release, ReleaseNotification
from custody.releases.services import ALREADY_RELEASED, record_release_notification, release_booking
from custody.releases.vocabulary import REQUIRED_NOTIFICATIONS, Recipient, ReleaseReason
from tests.core.test_access import checked_routes
from tests.helpers import events, last_event

PROPERTY = [
    {"description": "Wallet, brown"},
    {"description": "Mobile phone"},
    {"description": "Belt"},
]


@pytest.fixture
def api(client, make):
    headers = make.headers("officer")

    def call(method, path, json=None):
        return client.open(f"/api/v1{path}", method=method, json=json, headers=headers)

    return call


@pytest.fixture
def housed(make):
    facility = make.facility()
    booking = make.classified(make.booking(facility=facility, property=PROPERTY))
    bed = make.bed(unit=make.unit(facility=facility))
    assign_bed(actor=make.actor("officer"), booking_id=booking.id, bed_id=bed.id)
    return {"booking": booking, "bed": bed, "facility": facility}


def all_returned(n: int = 3) -> list[dict]:
    return [{"line_no": line, "outcome": "returned"} for line in range(1, n + 1)]


# --- reasons -------------------------------------------------------------------------


def test_the_reason_is_a_code_of_the_list_and_422_names_the_allowed_values(api, make):
    booking = make.booking()
    response = api("POST", f"/bookings/{booking.id}/release", {"reason": "Bond posted"})
    assert response.status_code == 422
    message = response.json["errors"]["reason"][0]
    for code in ReleaseReason:
        assert code.value in message
    assert booking.status == BookingStatus.BOOKED and booking.release is None

    response = api("POST", f"/bookings/{booking.id}/release", {"reason": "parole"})
    assert response.status_code == 200, response.json
    assert response.json["status"] == "released" and response.json["release_reason"] == "parole"
    record = api("GET", f"/bookings/{booking.id}/release").json
    assert record["reason"] == "parole" and record["reason_label"] == "Parole"
    assert record["continuity_outcome"] == "not_recorded"  # the API call said nothing
    assert record["property"] == [] and record["discrepancies"] == 0


@pytest.mark.parametrize(
    "given", ["Order of supervision", "ORDER-OF-SUPERVISION", " order of  supervision "]
)
def test_a_reason_given_by_its_label_is_taken_as_its_code(api, make, given):
    booking = make.booking()
    response = api("POST", f"/bookings/{booking.id}/release", {"reason": given})
    assert response.status_code == 200, response.json
    assert response.json["release_reason"] == "order_of_supervision"


def test_release_record_is_404_while_held(api, make):
    booking = make.booking()
    assert api("GET", f"/bookings/{booking.id}/release").status_code == 404


# --- death in custody: the notifications ---------------------------------------------


def test_death_in_custody_needs_every_required_notification_first(api, make):
    booking = make.booking()
    url = f"/bookings/{booking.id}/release"
    refused = api("POST", url, {"reason": "death_in_custody"})
    assert refused.status_code == 409
    for label in ("ERO Field Office Director", "ICE Health Service Corps", "Next of kin"):
        assert label in refused.json["message"]
    assert booking.status == BookingStatus.BOOKED

    required = REQUIRED_NOTIFICATIONS[ReleaseReason.DEATH]
    for recipient in required[:-1]:
        made = api("POST", f"{url}/notifications", {"recipient": recipient, "channel": "phone"})
        assert made.status_code == 201, made.json
        assert made.json["recorded_by_id"] and made.json["notified_at"]
    assert last_event("custody:release:notify").subject_id == str(booking.id)
    refused = api("POST", url, {"reason": "death_in_custody"})
    assert refused.status_code == 409
    assert "Next of kin" in refused.json["message"]
    assert "ERO Field Office Director" not in refused.json["message"]

    api("POST", f"{url}/notifications", {"recipient": "next_of_kin", "channel": "in_person"})
    care = {"medications_handed_over": True, "health_summary_handed_over": True}
    refused = api("POST", url, {"reason": "death_in_custody", "continuity": care})
    assert refused.status_code == 422 and "continuity" in refused.json["errors"]
    assert api("POST", url, {"reason": "death_in_custody"}).status_code == 200
    record = api("GET", url).json
    assert record["continuity_outcome"] == "not_applicable"
    assert {n["recipient"] for n in record["notifications"]} == {r.value for r in required}
    listed = api("GET", f"{url}/notifications").json
    assert len(listed) == len(required)


def test_a_notification_names_the_allowed_recipients_and_channels(api, make):
    booking = make.booking()
    url = f"/bookings/{booking.id}/release/notifications"
    response = api("POST", url, {"recipient": "the press", "channel": "pigeon"})
    assert response.status_code == 422
    assert "next_of_kin" in response.json["errors"]["recipient"][0]
    assert "phone" in response.json["errors"]["channel"][0]
    future = (utcnow() + dt.timedelta(days=1)).isoformat()
    response = api("POST", url, {"recipient": "consulate", "channel": "fax", "notified_at": future})
    assert response.status_code == 422 and "notified_at" in response.json["errors"]
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ReleaseNotification)) == 0


def test_other_reasons_need_no_notifications(make):
    booking = make.booking()
    record = release_booking(
        actor=make.actor("officer"), booking_id=booking.id, release=ReleaseIn(reason="removal")
    )
    assert record.notifications == []


# --- property against the intake receipt ---------------------------------------------


def test_every_receipt_line_must_be_accounted_for(api, housed):
    booking = housed["booking"]
    url = f"/bookings/{booking.id}/release"
    response = api("POST", url, {"reason": "bond"})
    assert response.status_code == 422
    message = response.json["errors"]["property"][0]
    assert "line 1 (Wallet, brown)" in message and "line 3 (Belt)" in message
    assert all(item.returned_at is None for item in booking.property_items)  # nothing silent

    rows = [*all_returned(2), {"line_no": 9, "outcome": "returned"}]
    response = api("POST", url, {"reason": "bond", "property": rows})
    assert "Line 9 is not on this booking's receipt." in response.json["errors"]["property"]
    rows = [*all_returned(2), {"line_no": 3, "outcome": "lost"}]
    response = api("POST", url, {"reason": "bond", "property": rows})
    assert "missing" in response.json["errors"]["property.3"][0]
    assert booking.status != BookingStatus.RELEASED


def test_discrepancies_need_a_note_and_are_on_the_record(api, housed):
    booking = housed["booking"]
    url = f"/bookings/{booking.id}/release"
    rows = [
        {"line_no": 1, "outcome": "returned"},
        {"line_no": 2, "outcome": "missing"},
        {"line_no": 3, "outcome": "damaged", "note": "Buckle broken"},
    ]
    response = api("POST", url, {"reason": "bond", "property": rows})
    assert response.status_code == 422
    assert response.json["errors"] == {"property.2.note": ["Say what happened to the item."]}

    rows[1]["note"] = "Not in the property room; claim form given"
    assert api("POST", url, {"reason": "bond", "property": rows}).status_code == 200
    wallet, phone, belt = booking.property_items
    assert wallet.returned_at == booking.released_at
    assert phone.returned_at is None  # missing: not handed back
    assert belt.returned_at == booking.released_at  # handed back, damaged
    record = api("GET", url).json
    assert record["discrepancies"] == 2
    outcomes = {r["line_no"]: (r["outcome"], r["is_discrepancy"]) for r in record["property"]}
    assert outcomes == {1: ("returned", False), 2: ("missing", True), 3: ("damaged", True)}
    assert record["property"][1]["note"] == "Not in the property room; claim form given"


# --- continuity of care --------------------------------------------------------------


@pytest.mark.parametrize(
    ("care", "outcome", "meds"),
    [
        (
            ContinuityIn(medications_handed_over=True, health_summary_handed_over=True),
            "handed_over",
            True,
        ),
        (
            ContinuityIn(medications_handed_over=False, health_summary_handed_over=True),
            "partly_handed_over",
            False,
        ),
        (
            ContinuityIn(medications_handed_over=False, health_summary_handed_over=False),
            "not_handed_over",
            False,
        ),
        (ContinuityIn(refused=True), "refused", None),
    ],
)
def test_continuity_of_care_records_the_fact_who_and_when(make, care, outcome, meds):
    booking = make.booking()
    officer = make.actor("officer")
    record = release_booking(
        actor=officer, booking_id=booking.id, release=ReleaseIn(reason="bond", continuity=care)
    )
    assert record.continuity_outcome == outcome and record.medications_handed_over is meds
    assert record.is_care_refused is (outcome == "refused")
    assert record.continuity_recorded_by_id == officer.user_id
    assert record.continuity_recorded_at == record.released_at


def test_a_refusal_hands_nothing_over_and_the_table_holds_no_clinical_text(make):
    booking = make.booking()
    care = ContinuityIn(medications_handed_over=True, refused=True)
    with pytest.raises(ValidationFailed) as err:
        release_booking(
            actor=make.actor("officer"),
            booking_id=booking.id,
            release=ReleaseIn(reason="bond", continuity=care),
        )
    assert "continuity" in err.value.errors
    text_columns = {
        c.name for c in Release.__table__.columns if isinstance(c.type, (sa.Text, sa.String))
    }
    assert text_columns == {"reason", "notes", "continuity_outcome"}  # codes and the notes


# --- no backdating -------------------------------------------------------------------


def test_release_time_not_before_the_last_recorded_event(api, housed):
    booking = housed["booking"]
    url = f"/bookings/{booking.id}/release"
    before_bed = (booking.assignment.started_at - dt.timedelta(minutes=5)).isoformat()
    response = api(
        "POST", url, {"reason": "bond", "property": all_returned(), "released_at": before_bed}
    )
    assert response.status_code == 422
    message = response.json["errors"]["released_at"][0]
    assert "last recorded event (bed assignment," in message
    local = booking.assignment.started_at.astimezone(ZoneInfo(booking.facility.time_zone))
    assert local.strftime("%m/%d/%Y %H:%M") in message  # the facility's time, with its zone
    future = (utcnow() + dt.timedelta(hours=2)).isoformat()
    response = api(
        "POST", url, {"reason": "bond", "property": all_returned(), "released_at": future}
    )
    assert response.json["errors"]["released_at"] == ["This time is in the future."]
    assert booking.status == BookingStatus.HOUSED


def test_any_event_in_the_outbox_about_the_booking_counts(make):
    booking = make.booking(booked_at=utcnow() - dt.timedelta(days=3))
    moved = utcnow() - dt.timedelta(hours=1)
    with unit_of_work():
        publish(
            TransferDeparted(
                actor=Actor.system("test"),
                booking_id=booking.id,
                facility_id=booking.facility_id,
                occurred_at=moved,
                transfer_id=1,
                to_facility_id=booking.facility_id,
            )
        )
    earlier = ReleaseIn(reason="bond", released_at=moved - dt.timedelta(hours=1))
    with pytest.raises(ValidationFailed) as err:
        release_booking(actor=make.actor("officer"), booking_id=booking.id, release=earlier)
    assert "(transfer departure, " in err.value.errors["released_at"][0]
    later = ReleaseIn(reason="bond", released_at=moved + dt.timedelta(minutes=1))
    record = release_booking(actor=make.actor("officer"), booking_id=booking.id, release=later)
    assert record.released_at == moved + dt.timedelta(minutes=1)


# --- once, the bed, the health stay, the event, the locator, the audit ----------------


def test_a_second_release_is_refused_and_nothing_is_written_twice(make):
    booking = make.booking()
    officer = make.actor("officer")
    release_booking(actor=officer, booking_id=booking.id, release=ReleaseIn(reason="bond"))
    with pytest.raises(Conflict) as err:
        release_booking(actor=officer, booking_id=booking.id, release=ReleaseIn(reason="bond"))
    assert err.value.details["rule"] == ALREADY_RELEASED
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Release)) == 1
    assert len(events("custody:booking:release", subject_id=str(booking.id))) == 1
    with pytest.raises(Conflict):
        record_release_notification(
            actor=officer,
            booking_id=booking.id,
            notification=NotificationIn(recipient=Recipient.CONSULATE, channel="phone"),
        )


def test_release_frees_the_bed_ends_the_stay_publishes_and_audits(api, client, make, housed):
    booking, bed, facility = housed["booking"], housed["bed"], housed["facility"]
    response = api(
        "POST",
        f"/bookings/{booking.id}/release",
        {
            "reason": "order_of_supervision",
            "notes": "Reporting to the field office monthly.",
            "property": all_returned(),
            "continuity": {"medications_handed_over": True, "health_summary_handed_over": True},
        },
    )
    assert response.status_code == 200 and response.json["bed"] is None
    assert booking.assignments[-1].ended_at == booking.released_at
    assert booking.assignments[-1].end_reason == "released"
    beds = api("GET", f"/facilities/{facility.code}/beds?available=true").json
    assert str(bed.id) in {b["id"] for b in beds["items"]}
    released = [e for e in outbox(limit=100000) if e.kind == "custody.booking.released"]
    assert released[-1].subject_id == str(booking.id)
    entry = last_event("custody:booking:release")
    assert entry.subject_id == str(booking.id) and entry.facility_id == facility.id
    assert {"status", "release", "property"} <= set(entry.changed_fields)
    assert last_event("health:patient:link").occurred_at >= booking.released_at - dt.timedelta(
        seconds=1
    )
    record = db.session.scalar(sa.select(Release).where(Release.booking_id == booking.id))
    assert record.notes == "Reporting to the field office monthly."
    assert record.released_by_id is not None


def test_the_locator_stops_showing_the_released_person(client, api, make):
    person = make.detainee(a_number="207654321", country_of_birth="SV")
    booking = make.booking(detainee=person)
    query = {"a_number": "207654321", "country_of_birth": "SV"}
    found = client.get("/api/v1/locator", query_string=query)
    assert found.status_code == 200 and found.json["found"] is True
    assert api("POST", f"/bookings/{booking.id}/release", {"reason": "removal"}).status_code == 200
    gone = client.get("/api/v1/locator", query_string=query)
    assert gone.status_code == 404 and gone.json["found"] is False
    assert person.family_name not in gone.text


def test_a_person_in_transit_is_not_released(make):
    booking = make.booking()
    booking.status = BookingStatus.IN_TRANSIT
    db.session.flush()
    with pytest.raises(Conflict, match="in transit"):
        release_booking(
            actor=make.actor("officer"), booking_id=booking.id, release=ReleaseIn(reason="bond")
        )


def test_another_facilitys_officer_may_not_release(api, client, make):
    booking = make.booking()
    elsewhere = make.facility(code="ELSE")
    headers = make.headers(user=make.user("officer", facility_id=elsewhere.id))
    response = client.post(
        f"/api/v1/bookings/{booking.id}/release", json={"reason": "bond"}, headers=headers
    )
    assert response.status_code in (403, 404)
    assert booking.status == BookingStatus.BOOKED
    records = make.headers("records")
    response = client.post(
        f"/api/v1/bookings/{booking.id}/release", json={"reason": "bond"}, headers=records
    )
    assert response.status_code == 403


def test_property_return_inputs_name_their_lines(make, housed):
    returns = tuple(
        PropertyReturnIn(line_no=n, outcome="retained", note="Evidence") for n in (1, 2, 3)
    )
    record = release_booking(
        actor=make.actor("officer"),
        booking_id=housed["booking"].id,
        release=ReleaseIn(reason="transfer_to_another_agency", property=returns),
    )
    assert [r.item.line_no for r in record.discrepancies] == [1, 2, 3]
    assert all(item.returned_at is None for item in housed["booking"].property_items)


# --- the access matrix covers the release routes -------------------------------------


def test_the_access_matrix_checks_every_release_route(app):
    """tests/core/test_access*.py walk every route with these permissions (role and
    facility axes): the release routes are among them, with their parameters filled."""

    class AnyValue(dict):
        def get(self, key, default=None):
            return 7

    rows = set(checked_routes(app, AnyValue()))
    assert {
        ("/api/v1/bookings/7/release", "POST", P.DETAINEE_WRITE),
        ("/api/v1/bookings/7/release", "GET", P.DETAINEE_READ),
        ("/api/v1/bookings/7/release/notifications", "POST", P.DETAINEE_WRITE),
        ("/api/v1/bookings/7/release/notifications", "GET", P.DETAINEE_READ),
        ("/bookings/7/release", "GET", P.DETAINEE_WRITE),
        ("/bookings/7/release", "POST", P.DETAINEE_WRITE),
    } <= rows


# --- attorney of record --------------------------------------------------------------


def test_the_attorneys_of_record_are_told_of_the_release_with_it(api, make):
    booking = make.booking(booked_at=utcnow() - dt.timedelta(hours=2))
    officer = make.actor("officer")
    active = file_g28(
        actor=officer, booking_id=booking.id, attorney_name="Rosa Ibarra",
        bar_number="TX-4411", bar_state="TX",
    )  # fmt: skip
    gone = file_g28(
        actor=officer, booking_id=booking.id, attorney_name="Li Wen",
        bar_number="CA-9911", bar_state="CA",
    )  # fmt: skip
    withdraw_g28(actor=officer, booking_id=booking.id, attorney_id=gone.id)
    released_at = utcnow() - dt.timedelta(minutes=20)
    early = api(
        "POST",
        f"/bookings/{booking.id}/release",
        {
            "reason": "bond",
            "released_at": released_at.isoformat(),
            "counsel_channel": "phone",
            "counsel_notified_at": (released_at - dt.timedelta(minutes=5)).isoformat(),
        },
    )
    assert early.status_code == 422 and "counsel_notified_at" in early.json["errors"]
    assert booking.status != BookingStatus.RELEASED
    bad = api(
        "POST",
        f"/bookings/{booking.id}/release",
        {"reason": "bond", "counsel_channel": "carrier pigeon"},
    )
    assert bad.status_code == 422 and "counsel_channel" in bad.json["errors"]

    response = api(
        "POST",
        f"/bookings/{booking.id}/release",
        {"reason": "bond", "released_at": released_at.isoformat(), "counsel_channel": "email"},
    )
    assert response.status_code == 200, response.json
    told = db.session.scalars(sa.select(CounselNotification)).all()
    assert [(n.attorney_id, n.event_kind, n.channel) for n in told] == [
        (active.id, "release", "email")
    ]
    assert released_at < told[0].notified_at <= utcnow()  # default: now, after the release
    record = db.session.scalar(sa.select(Release).where(Release.booking_id == booking.id))
    assert told[0].event_id == record.id
    assert last_event("custody:counsel:notify").subject_id


def test_without_a_channel_no_one_is_recorded_as_told(api, make):
    booking = make.booking()
    file_g28(
        actor=make.actor("officer"), booking_id=booking.id, attorney_name="Rosa Ibarra",
        bar_number="TX-4412", bar_state="TX",
    )  # fmt: skip
    assert api("POST", f"/bookings/{booking.id}/release", {"reason": "parole"}).status_code == 200
    assert db.session.scalars(sa.select(CounselNotification)).all() == []
