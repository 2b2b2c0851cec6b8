"""The release pages: the steps reason → property → continuity of care → notifications
(death in custody) → confirm, values kept between steps, errors next to the field with
a focused summary, nothing stored before the final submit, a double submit releasing
once, and the release record on the booking page."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from core.db import db
from custody.bookings.models import BookingStatus
from custody.counsel.models import CounselNotification
from custody.counsel.services import file_g28
from custody.housing.assignment import assign_bed
from custody.releases.models import Release, ReleaseNotification
from custody.releases.vocabulary import REQUIRED_NOTIFICATIONS, ReleaseReason
from tests.helpers import csrf_token, events

PROPERTY = [{"description": "Wallet, brown"}, {"description": "Rosary"}]


@pytest.fixture
def housed(client, make):
    facility = make.facility()
    booking = make.classified(make.booking(facility=facility, property=PROPERTY))
    bed = make.bed(unit=make.unit(facility=facility), label="R-07")
    assign_bed(actor=make.actor("officer"), booking_id=booking.id, bed_id=bed.id)
    make.login(client, role="officer")
    return booking


def step(client, booking, data):
    url = f"/bookings/{booking.id}/release"
    token = csrf_token(client.get("/dashboard").text)
    return client.post(url, data={**data, "csrf_token": token})


def releases() -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(Release)) or 0


def test_the_booking_page_offers_release(client, housed):
    page = client.get(f"/bookings/{housed.id}")
    assert f'href="/bookings/{housed.id}/release"' in page.text


def test_walk_the_steps_with_a_discrepancy_then_the_record(client, housed):
    first = client.get(f"/bookings/{housed.id}/release")
    assert first.status_code == 200 and "Step</span> <span" in first.text
    assert (
        "Order of recognizance" in first.text
        and "Last recorded event: bed assignment" in first.text
    )

    # reason step: nothing chosen → the error next to the field, summary focused
    response = step(client, housed, {"step": "reason", "action": "next", "notes": "Bond paid"})
    assert response.status_code == 422
    assert re.search(r'<div[^>]*tabindex="-1" autofocus id="error-summary"', response.text)
    assert 'id="reason-error"' in response.text and "Choose the reason" in response.text
    assert "Bond paid</textarea>" in response.text  # the value kept

    reason = {"reason": "bond", "notes": "Bond paid", "released_at": ""}
    response = step(client, housed, {**reason, "step": "reason", "action": "next"})
    assert response.status_code == 200 and "Line 1: Wallet, brown" in response.text
    assert 'type="hidden" name="notes" value="Bond paid"' in response.text

    # property step: every line needs an outcome; a discrepancy needs a note
    partial = {**reason, "item_1": "returned", "item_2": "missing"}
    response = step(client, housed, {**partial, "step": "property", "action": "next"})
    assert response.status_code == 422 and 'id="item_2_note-error"' in response.text
    goods = {**partial, "item_2_note": "Not found in the property room"}
    response = step(client, housed, {**goods, "step": "property", "action": "next"})
    assert response.status_code == 200 and "Medications handed over" in response.text

    # continuity of care: yes/no each, or the refusal
    response = step(client, housed, {**goods, "step": "care", "action": "next"})
    assert response.status_code == 422 and "Choose Yes or No" in response.text
    care = {**goods, "medications": "yes", "health_summary": "no"}
    response = step(client, housed, {**care, "step": "care", "action": "next"})
    assert response.status_code == 200
    assert "Check what will be recorded" in response.text
    assert "Missing" in response.text and "bed" in response.text and "R-07" in response.text
    assert "Attorney of record" in response.text  # the place the counsel area plugs into
    assert releases() == 0 and housed.status == BookingStatus.HOUSED  # nothing stored yet

    # back keeps everything
    response = step(client, housed, {**care, "step": "confirm", "action": "back"})
    assert 'id="medications-0" type="radio" name="medications" value="yes" checked' in response.text
    assert 'name="item_2_note" value="Not found in the property room"' in response.text

    response = step(client, housed, {**care, "step": "confirm", "action": "release"})
    assert response.status_code == 302 and response.headers["Location"].endswith(
        f"/bookings/{housed.id}"
    )
    assert housed.status == BookingStatus.RELEASED and housed.assignment is None
    record = housed.release
    assert record.reason == "bond" and record.notes == "Bond paid"
    assert record.continuity_outcome == "partly_handed_over"
    assert [r.outcome for r in record.property_returns] == ["returned", "missing"]
    page = client.get(f"/bookings/{housed.id}")
    assert "Release record" in page.text and "Not found in the property room" in page.text
    assert "Partly handed over" in page.text and "Property discrepancies" in page.text

    # a double submit (the same form again) releases once
    again = step(client, housed, {**care, "step": "confirm", "action": "release"})
    assert again.status_code == 302 and releases() == 1
    assert len(events("custody:booking:release", subject_id=str(housed.id))) == 1


def test_a_backdated_release_is_refused_next_to_the_time(client, housed):
    data = {
        "reason": "parole",
        "released_at": "2001-01-01T10:00",
        "item_1": "returned",
        "item_2": "returned",
        "care_refused": "y",
        "step": "confirm",
        "action": "release",
    }
    response = step(client, housed, data)
    assert response.status_code == 422
    assert 'id="released_at-error"' in response.text
    assert "before the booking&#39;s last recorded event (bed assignment" in response.text
    assert 'value="2001-01-01T10:00"' in response.text  # the value kept, on its step
    assert releases() == 0


def test_death_in_custody_adds_the_notifications_step(client, make, housed):
    base = {"reason": "death_in_custody", "item_1": "retained", "item_1_note": "Evidence"}
    base |= {"item_2": "retained", "item_2_note": "Evidence"}
    # no continuity-of-care step after a death: property → notifications
    response = step(client, housed, {**base, "step": "property", "action": "next"})
    assert response.status_code == 200 and "Record a notification" in response.text
    assert "Continuity of care" not in response.text
    assert "not yet recorded" in response.text

    # the release is refused while notifications are missing: 409 message on the page
    response = step(client, housed, {**base, "step": "confirm", "action": "release"})
    assert response.status_code == 422 and "Record these notifications" in response.text
    assert housed.status == BookingStatus.HOUSED

    # record one with an error, then each of them
    response = step(client, housed, {**base, "step": "notifications", "action": "notify"})
    assert response.status_code == 422 and 'id="recipient-error"' in response.text
    for recipient in REQUIRED_NOTIFICATIONS[ReleaseReason.DEATH]:
        note = {"recipient": recipient.value, "channel": "phone", "reference": "Duty officer"}
        response = step(
            client, housed, {**base, **note, "step": "notifications", "action": "notify"}
        )
        assert response.status_code == 200, response.text
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ReleaseNotification)) == 6
    assert "not yet recorded" not in response.text

    response = step(client, housed, {**base, "step": "confirm", "action": "release"})
    assert response.status_code == 302
    page = client.get(f"/bookings/{housed.id}")
    assert "Death in custody" in page.text and "Next of kin" in page.text
    assert housed.release.continuity_outcome == "not_applicable"
    assert page.text.count("Retained") >= 2


def test_records_and_auditors_may_not_open_the_release_form(client, make, housed):
    make.login(client, role="records")
    assert client.get(f"/bookings/{housed.id}/release").status_code == 403


def test_the_confirm_step_tells_the_attorney_of_record(client, make, housed):
    file_g28(
        actor=make.actor("officer"), booking_id=housed.id, attorney_name="Rosa Ibarra",
        bar_number="TX-5511", bar_state="TX", organization="Frontera Legal Aid",
    )  # fmt: skip
    care = {"reason": "parole", "item_1": "returned", "item_2": "returned",
            "medications": "yes", "health_summary": "yes"}  # fmt: skip
    page = step(client, housed, {**care, "step": "care", "action": "next"})
    assert "Rosa Ibarra, Frontera Legal Aid" in page.text
    assert 'name="counsel_channel"' in page.text
    response = step(
        client, housed, {**care, "counsel_channel": "phone", "step": "confirm", "action": "release"}
    )
    assert response.status_code == 302, response.text
    told = db.session.scalars(sa.select(CounselNotification)).all()
    assert [(n.event_kind, n.channel) for n in told] == [("release", "phone")]
