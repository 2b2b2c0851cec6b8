"""Transfer and attorney-of-record pages: the request form, the transfer page with what
still blocks departure, one-click steps, the clinician's summary and hold, the lists,
the dashboard panel, the G-28 section of the booking page."""

from __future__ import annotations

import datetime as dt

import pytest

from core.actor import Actor
from core.db import db
from custody.counsel.services import file_g28
from custody.housing.assignment import assign_bed
from custody.transfers import clearance, movement
from custody.transfers import services as svc
from custody.transfers.models import Transfer
from tests.helpers import csrf_token, last_event

DAY = dt.timedelta(days=1)


@pytest.fixture
def place(make):
    sending = make.facility(code="SPAG", name="Sending Page Center", time_zone="America/Chicago")
    receiving = make.facility(code="RPAG", name="Receiving Page Center")
    bed = make.bed(unit=make.unit(facility=sending))
    booking = make.classified(
        make.booking(facility=sending, booked_at=dt.datetime.now(dt.UTC) - 2 * DAY)
    )
    assign_bed(actor=Actor.system("test"), booking_id=booking.id, bed_id=bed.id)
    return {"sending": sending, "receiving": receiving, "booking": booking}


def _user(make, role, facility):
    return make.user(role, facility_id=facility.id)


def _post(client, path, data=None, page="/dashboard"):
    token = csrf_token(client.get(page).text)
    return client.post(path, data={"csrf_token": token, **(data or {})})


def test_request_form_and_transfer_page(client, make, place):
    booking = place["booking"]
    make.login(client, user=_user(make, "officer", place["sending"]))
    page = client.get(f"/bookings/{booking.id}")
    assert f'href="/bookings/{booking.id}/transfer"' in page.text
    form = client.get(f"/bookings/{booking.id}/transfer")
    assert form.status_code == 200
    select = form.text.split('id="to_facility_code"')[1].split("</select>")[0]
    assert '<option value="">Choose…</option>' in select and "selected" not in select
    assert "Receiving Page Center" in form.text and "<textarea" in form.text
    assert "America/Chicago" in form.text
    refused = _post(client, f"/bookings/{booking.id}/transfer", {"to_facility_code": ""})
    assert refused.status_code == 422 and "Choose the receiving facility." in refused.text
    done = _post(
        client,
        f"/bookings/{booking.id}/transfer",
        {"to_facility_code": "RPAG", "reason": "Bed space", "scheduled_for": "2030-01-02T09:30"},
    )
    assert done.status_code == 302
    transfer = db.session.query(Transfer).filter_by(booking_id=booking.id).one()
    # typed in Chicago time: 09:30 CST is 15:30 UTC
    assert transfer.scheduled_for == dt.datetime(2030, 1, 2, 15, 30, tzinfo=dt.UTC)
    shown = client.get(done.headers["Location"])
    assert "What still blocks departure" in shown.text
    assert "A supervisor has not approved the transfer." in shown.text
    assert "No medical transfer summary is on file." in shown.text
    assert "01/02/2030 09:30 CST" in shown.text
    assert "Record departure now" not in shown.text  # blocked: not one click away yet
    refused = _post(client, f"/transfers/{transfer.id}/depart")
    assert refused.status_code == 302
    assert "Cannot depart yet" in client.get(f"/transfers/{transfer.id}").text
    # the Transfer action now leads to the open transfer
    again = client.get(f"/bookings/{booking.id}/transfer")
    assert again.status_code == 302 and again.headers["Location"].endswith(
        f"/transfers/{transfer.id}"
    )


def _transfer(place):
    return svc.request_transfer(
        actor=Actor.system("test"),
        booking_id=place["booking"].id,
        to_facility_code="RPAG",
        reason="Closer to court",
        scheduled_for=dt.datetime.now(dt.UTC) + DAY,
    )


def test_supervisor_queue_clinician_forms_departure_and_arrival(client, make, place):
    transfer = _transfer(place)
    make.login(client, user=_user(make, "supervisor", place["sending"]))
    queue = client.get("/transfers?status=requested")
    assert "Pending approval (1)" in queue.text and "Approve the transfer of" in queue.text
    assert _post(client, f"/transfers/{transfer.id}/approve").status_code == 302
    assert last_event("custody:transfer:approve").subject_id == str(transfer.id)
    _post(client, "/logout")
    make.login(client, user=_user(make, "clinician", place["sending"]))
    page = client.get(f"/transfers/{transfer.id}")
    assert "Write the medical summary" in page.text and "Set a medical hold" in page.text
    _post(client, f"/transfers/{transfer.id}/medical-hold", {"reason": "Awaiting labs"})
    assert "Lift the medical hold" in client.get(f"/transfers/{transfer.id}").text
    form = client.get(f"/transfers/{transfer.id}/medical-summary")
    assert form.status_code == 200 and "medications-0-drug" in form.text
    bad = _post(client, f"/transfers/{transfer.id}/medical-summary", {})
    assert bad.status_code == 422 and "Say whether the person is fit to travel." in bad.text
    saved = _post(
        client,
        f"/transfers/{transfer.id}/medical-summary",
        {
            "fit_to_travel": "yes",
            "allergies": "Latex\nPeanuts",
            "medications-0-drug": "Insulin glargine",
            "medications-0-dose": "20 units",
            "medications-0-directions": "subcutaneous at bedtime",
            "medications-0-last_given_at": "2026-11-30T21:00",
            "tb_status": "Negative",
        },
    )
    assert saved.status_code == 302, saved.text
    db.session.refresh(transfer)
    assert transfer.summary_resource_id and transfer.is_fit_to_travel
    _post(client, f"/transfers/{transfer.id}/medical-hold/lift")
    _post(client, "/logout")
    make.login(client, user=_user(make, "officer", place["sending"]))
    page = client.get(f"/transfers/{transfer.id}")
    assert "Nothing blocks the departure." in page.text and "Record departure now" in page.text
    assert "Insulin" not in page.text  # officers see no clinical content
    assert _post(client, f"/transfers/{transfer.id}/depart").status_code == 302
    db.session.refresh(transfer)
    assert transfer.status == "in_transit"
    assert place["booking"].detainee.full_name in client.get("/transfers?status=in_transit").text
    _post(client, "/logout")
    make.login(client, user=_user(make, "officer", place["receiving"]))
    dashboard = client.get("/dashboard")
    assert "1</strong> arriving" in dashboard.text
    page = client.get(f"/transfers/{transfer.id}")
    assert "Record arrival now" in page.text
    _post(client, f"/transfers/{transfer.id}/arrive")
    assert "Acknowledge the medical summary" in client.get(f"/transfers/{transfer.id}").text
    _post(client, f"/transfers/{transfer.id}/acknowledge")
    db.session.refresh(transfer)
    assert transfer.status == "arrived" and transfer.acknowledged_at is not None
    page = client.get(f"/transfers/{transfer.id}")
    assert "Summary acknowledged" in page.text and "Movement history" in page.text


def test_third_facility_sees_nothing(client, make, place):
    transfer = _transfer(place)
    make.login(client, user=_user(make, "officer", make.facility(code="TPAG")))
    assert client.get(f"/transfers/{transfer.id}").status_code in (403, 404)
    listed = client.get("/transfers?status=requested")
    assert place["booking"].detainee.full_name not in listed.text
    nav = client.get("/dashboard").text
    assert 'href="/transfers"' in nav


def test_g28_on_the_booking_page(client, make, place):
    booking = place["booking"]
    make.login(client, user=_user(make, "officer", place["sending"]))
    assert "No G-28 on file." in client.get(f"/bookings/{booking.id}").text
    bad = _post(client, f"/bookings/{booking.id}/attorneys/new", {"attorney_name": "X"})
    assert bad.status_code == 422 and "Give the bar number." in bad.text
    done = _post(
        client,
        f"/bookings/{booking.id}/attorneys/new",
        {"attorney_name": "Mara Defensa", "bar_number": "123", "bar_state": "TX"},
    )
    assert done.status_code == 302
    page = client.get(f"/bookings/{booking.id}")
    assert "Mara Defensa" in page.text and "TX 123" in page.text
    aid = last_event("custody:counsel:file").subject_id
    _post(client, f"/bookings/{booking.id}/attorneys/{aid}/withdraw")
    assert last_event("custody:counsel:withdraw").subject_id == aid


def test_counsel_notification_from_the_transfer_page(client, make, place):
    system = Actor.system("test")
    file_g28(
        actor=system,
        booking_id=place["booking"].id,
        attorney_name="Iris Consejo",
        bar_number="4455",
        bar_state="TX",
    )
    transfer = _transfer(place)
    svc.approve_transfer(actor=system, transfer_id=transfer.id)
    clearance.record_medical_summary(actor=system, transfer_id=transfer.id, fit_to_travel=True)
    make.login(client, user=_user(make, "officer", place["sending"]))
    page = client.get(f"/transfers/{transfer.id}")
    assert "The attorney is notified once the person is en route." in page.text
    movement.depart(actor=system, transfer_id=transfer.id)
    page = client.get(f"/transfers/{transfer.id}")
    assert "has not been notified of this transfer yet" in page.text
    early = _post(
        client,
        f"/transfers/{transfer.id}/counsel",
        {"channel": "phone", "notified_at": "2001-01-01T09:00"},
    )
    assert early.status_code == 302
    assert "This time is before departure." in client.get(f"/transfers/{transfer.id}").text
    _post(client, f"/transfers/{transfer.id}/counsel", {"channel": "fax"})
    page = client.get(f"/transfers/{transfer.id}")
    assert "Fax ·" in page.text and "has not been notified" not in page.text
    assert last_event("custody:counsel:notify").outcome == "success"
