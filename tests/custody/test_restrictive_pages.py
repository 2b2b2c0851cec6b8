"""Restrictive-housing pages: the facility board, one placement with its one-tap check,
and the supervisor's forms, which keep what was typed when refused."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from core.actor import Actor
from core.db import db, utcnow
from custody.restrictive import services as svc
from tests.helpers import csrf_token, events, last_event

MIN = dt.timedelta(minutes=1)


@pytest.fixture
def booking(make):
    facility = make.facility()
    return make.booking(facility=facility, booked_at=utcnow() - dt.timedelta(days=3))


@pytest.fixture
def placement(booking):
    return svc.place_in_restrictive_housing(
        actor=Actor.system("test"),
        booking_id=booking.id,
        kind="disciplinary",
        reason="Sanction after a hearing",
        placed_at=utcnow() - 45 * MIN,
    )


def _post(client, path, data, page="/dashboard"):
    token = csrf_token(client.get(page).text)
    return client.post(path, data={"csrf_token": token, **data})


def test_facility_board_shows_what_is_overdue(client, make, booking, placement):
    make.login(client, role="officer")
    page = client.get(f"/facilities/{booking.facility.code}/restrictive-housing")
    assert page.status_code == 200
    assert booking.detainee.full_name in page.text
    assert "Check overdue" in page.text and "1 gap" in page.text  # 45 min, no check
    assert "Record check now" in page.text
    assert "Place a person" not in page.text  # officers do not place


def test_one_tap_check_from_the_placement_page(client, make, placement):
    officer = make.login(client, role="officer")
    url = f"/restrictive-housing/{placement.id}"
    page = client.get(url)
    assert page.status_code == 200 and "Record check now" in page.text
    assert "Gap over 30 min" in page.text
    response = client.post(url + "/checks", data={"csrf_token": csrf_token(page.text)})
    assert response.status_code == 302 and response.headers["Location"].endswith(url)
    after = client.get(url)
    assert "Check recorded for" in after.text
    event = last_event("custody:restrictive:check")
    assert event.actor_id == officer.id and event.subject_id == str(placement.id)
    db.session.refresh(placement)
    assert len(placement.checks) == 1 and placement.checks[0].observation == "observed"


def test_one_tap_check_from_the_board_goes_back_to_the_board(client, make, booking, placement):
    make.login(client, role="officer")
    board = f"/facilities/{booking.facility.code}/restrictive-housing"
    token = csrf_token(client.get(board).text)
    response = client.post(
        f"/restrictive-housing/{placement.id}/checks",
        data={"csrf_token": token, "back": "facility"},
    )
    assert response.status_code == 302 and response.headers["Location"].endswith(board)
    assert len(events("custody:restrictive:check")) == 1


def test_check_without_csrf_is_refused(client, make, placement):
    make.login(client, role="officer")
    response = client.post(f"/restrictive-housing/{placement.id}/checks", data={})
    assert response.status_code == 400
    assert not events("custody:restrictive:check")


def test_check_on_a_released_placement_says_why(client, make, placement):
    svc.release_from_restrictive_housing(
        actor=Actor.system("test"), placement_id=placement.id, note="Done"
    )
    make.login(client, role="officer")
    response = _post(client, f"/restrictive-housing/{placement.id}/checks", {})
    assert response.status_code == 302
    page = client.get(response.headers["Location"])
    assert "was released" in page.text and "Record check now" not in page.text


def test_clinician_cannot_check(client, make, placement):
    make.login(client, role="clinician")
    page = client.get(f"/restrictive-housing/{placement.id}")
    assert page.status_code == 200 and "Record check now" not in page.text
    response = _post(client, f"/restrictive-housing/{placement.id}/checks", {})
    assert response.status_code == 403


def test_supervisor_places_from_a_booking(client, make, booking):
    make.login(client, role="supervisor")
    url = f"/facilities/{booking.facility.code}/restrictive-housing/new"
    form = client.get(url + f"?booking_id={booking.id}")
    assert form.status_code == 200
    assert f'name="booking" type="hidden" value="{booking.id}"' in form.text
    assert booking.detainee.full_name in form.text and "Choose someone else" in form.text
    response = client.post(
        url,
        data={
            "csrf_token": csrf_token(form.text),
            "booking": str(booking.id),
            "kind": "administrative",
            "reason": "Protective custody requested",
            "bed": "",
        },
    )
    assert response.status_code == 302
    event = last_event("custody:restrictive:place")
    assert response.headers["Location"].endswith(f"/restrictive-housing/{event.subject_id}")


def test_placement_form_errors_keep_what_was_typed(client, make, booking):
    make.login(client, role="supervisor")
    url = f"/facilities/{booking.facility.code}/restrictive-housing/new"
    response = _post(
        client,
        url,
        {"booking": str(booking.id), "kind": "", "reason": "Fight in the dayroom <b>"},
        page=url,
    )
    assert response.status_code == 422
    assert "Choose administrative or disciplinary." in response.text
    assert 'id="kind-error"' in response.text
    assert "Fight in the dayroom &lt;b&gt;" in response.text  # kept, escaped
    assert f'name="booking" type="hidden" value="{booking.id}"' in response.text
    assert not events("custody:restrictive:place")


def test_general_bed_is_refused_next_to_the_bed_field(client, make, booking):
    make.login(client, role="supervisor")
    rhu = make.unit(facility=booking.facility, kind="restrictive", name="RHU")
    make.bed(unit=rhu, label="R-01", is_in_service=False)  # not offered
    url = f"/facilities/{booking.facility.code}/restrictive-housing/new"
    page = client.get(url)
    assert "R-01" not in page.text
    response = _post(
        client,
        url,
        {"booking": str(booking.id), "kind": "administrative", "reason": "x", "bed": "999999"},
        page=url,
    )
    assert response.status_code == 422  # not a choice: the form refuses it


def test_review_form_errors_then_success(client, make, placement):
    make.login(client, role="supervisor")
    url = f"/restrictive-housing/{placement.id}/review"
    page = client.get(url)
    assert page.status_code == 200 and "Record a review" in page.text
    refused = _post(client, url, {"decision": "", "note": "Hearing set for Friday"}, page=url)
    assert refused.status_code == 422
    assert 'id="decision-error"' in refused.text and "Hearing set for Friday" in refused.text
    saved = _post(client, url, {"decision": "continue", "note": "Hearing set for Friday"}, page=url)
    assert saved.status_code == 302
    assert last_event("custody:restrictive:review").subject_id == str(placement.id)
    assert "Hearing set for Friday" in client.get(f"/restrictive-housing/{placement.id}").text


def test_notification_form(client, make, placement):
    make.login(client, role="supervisor")
    url = f"/restrictive-housing/{placement.id}/notification"
    refused = _post(client, url, {"recipient": "FOD San Antonio", "method": ""}, page=url)
    assert refused.status_code == 422 and 'value="FOD San Antonio"' in refused.text
    saved = _post(client, url, {"recipient": "FOD San Antonio", "method": "phone"}, page=url)
    assert saved.status_code == 302
    assert last_event("custody:restrictive:notify").subject_id == str(placement.id)


def test_release_form(client, make, booking, placement):
    make.login(client, role="supervisor")
    url = f"/restrictive-housing/{placement.id}/release"
    assert _post(client, url, {"note": ""}, page=url).status_code == 422
    assert _post(client, url, {"note": "Sanction served"}, page=url).status_code == 302
    assert last_event("custody:restrictive:release").subject_id == str(placement.id)
    board = client.get(f"/facilities/{booking.facility.code}/restrictive-housing")
    assert "No one is in restrictive housing." in board.text


def test_officer_cannot_open_supervisor_forms(client, make, booking, placement):
    make.login(client, role="officer")
    for path in ("review", "notification", "release"):
        assert client.get(f"/restrictive-housing/{placement.id}/{path}").status_code == 403
    new = f"/facilities/{booking.facility.code}/restrictive-housing/new"
    assert client.get(new).status_code == 403


def test_scoped_officer_cannot_see_another_facility(client, make, booking, placement):
    other = make.facility()
    make.login(client, make.user("officer", facility_id=other.id))
    assert client.get(f"/restrictive-housing/{placement.id}").status_code == 403
    assert client.get(f"/facilities/{booking.facility.code}/restrictive-housing").status_code == 403


def test_the_person_is_found_by_search_not_a_list_of_everyone(client, make, booking):
    make.login(client, role="supervisor")
    other = make.booking(facility=booking.facility, detainee=make.detainee(family_name="Zapata"))
    url = f"/facilities/{booking.facility.code}/restrictive-housing/new"
    page = client.get(url)
    assert page.status_code == 200 and 'role="search"' in page.text
    assert (
        booking.detainee.full_name not in page.text
        and "<select" not in page.text.split("<main")[1].split('role="search"')[0]
    )
    found = client.get(url + "?q=zapata")
    assert f"booking_id={other.id}" in found.text and f"booking_id={booking.id}" not in found.text
    by_number = client.get(url + f"?q={booking.detainee.a_number}")
    assert f"booking_id={booking.id}" in by_number.text


def test_a_check_records_what_was_observed_and_when(client, make, placement):
    make.login(client, role="officer")
    url = f"/restrictive-housing/{placement.id}"
    page = client.get(url)
    assert 'name="observation"' in page.text and "Refused to be seen" in page.text
    assert 'name="checked_at_time"' in page.text
    facility = placement.booking.facility
    local = (placement.placed_at + dt.timedelta(minutes=20)).astimezone(
        ZoneInfo(facility.time_zone)
    )
    data = {
        "csrf_token": csrf_token(page.text),
        "observation": "no_response",
        "checked_at": local.strftime("%m/%d/%Y"),
        "checked_at_time": local.strftime("%H:%M"),
    }
    future = local + dt.timedelta(days=2)
    refused = client.post(
        url + "/checks",
        data={**data, "checked_at": future.strftime("%m/%d/%Y")},
    )
    assert refused.status_code == 422 and 'id="checked_at-error"' in refused.text
    assert "in the future" in refused.text and not events("custody:restrictive:check")
    early = local - dt.timedelta(hours=3)
    refused = client.post(
        url + "/checks", data={**data, "checked_at_time": early.strftime("%H:%M")}
    )
    assert refused.status_code == 422 and "placement" in refused.text
    response = client.post(url + "/checks", data=data)
    assert response.status_code == 302
    db.session.refresh(placement)
    check = placement.checks[0]
    assert check.observation == "no_response"
    assert check.checked_at == local.replace(second=0, microsecond=0).astimezone(dt.UTC)
    assert check.recorded_at >= check.checked_at
    page = client.get(url).text
    assert "No response (escalated)" in page and "entered later" in page
