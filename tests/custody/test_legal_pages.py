"""Legal-access pages and API: the person's log and its form (kind fields, local times with
the zone, errors with focus, values kept), the facility reports with the accessible denial
chart, the presentation form's search, visiting hours, the consular list, and the API's
contract shape."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa

from core.db import db, utcnow
from custody.legal import services
from custody.legal.inputs import EntryIn
from custody.legal.models import LegalAccessEntry, LegalPresentation
from tests.helpers import csrf_token, last_event

CHICAGO = ZoneInfo("America/Chicago")


@pytest.fixture
def booking(make):
    facility = make.facility(time_zone="America/Chicago")
    person = make.detainee(family_name="Quillfeather", given_name="Ana")
    return make.booking(
        facility=facility, detainee=person, booked_at=utcnow() - dt.timedelta(days=9)
    )


def _local_form_time(when: dt.datetime) -> str:
    return when.astimezone(CHICAGO).strftime("%Y-%m-%dT%H:%M")


def test_booking_page_links_to_legal_access(client, make, booking):
    make.login(client, role="officer")
    page = client.get(f"/bookings/{booking.id}")
    assert f'href="/bookings/{booking.id}/legal-access"' in page.text
    nav = client.get("/dashboard").text
    assert 'href="/legal-access"' in nav and "Legal access" in nav


def test_officer_adds_an_entry_in_facility_time(client, make, booking):
    officer = make.login(client, role="officer")
    url = f"/bookings/{booking.id}/legal-access"
    page = client.get(url)
    assert page.status_code == 200 and "There is no notes field on purpose." in page.text
    assert "America/Chicago" in page.text and 'name="is_pro_bono"' in page.text
    start = (utcnow() - dt.timedelta(hours=3)).replace(second=0, microsecond=0)
    response = client.post(
        url,
        data={
            "csrf_token": csrf_token(page.text),
            "kind": "legal_call",
            "outcome": "completed",
            "started_at": _local_form_time(start),
            "minutes": "25",
            "is_pro_bono": "yes",
            "counsel_name": "Pro Bono Line",
        },
    )
    assert response.status_code == 302, response.text
    made = db.session.scalar(
        sa.select(LegalAccessEntry).where(LegalAccessEntry.booking_id == booking.id)
    )
    assert (made.started_at, made.minutes, made.is_pro_bono) == (start, 25, True)
    assert last_event("custody:legal_access:create").actor_id == officer.id
    shown = client.get(url).text
    assert "Legal call recorded." in shown and "Free pro bono platform" in shown
    assert start.astimezone(CHICAGO).strftime("%m/%d/%Y %H:%M %Z") in shown


def test_refused_entry_keeps_values_and_focuses_the_error_summary(client, make, booking):
    make.login(client, role="officer")
    url = f"/bookings/{booking.id}/legal-access"
    start = utcnow() - dt.timedelta(hours=2)
    response = client.post(
        url,
        data={
            "csrf_token": csrf_token(client.get(url).text),
            "kind": "legal_mail",
            "outcome": "completed",
            "started_at": _local_form_time(start),
            "opened_in_presence": "no",
            "counsel_name": "Kept Value Esq",
        },
    )
    assert response.status_code == 422
    assert 'tabindex="-1" autofocus' in response.text
    assert "the mail was opened outside the person&#39;s presence" in response.text
    assert 'value="Kept Value Esq"' in response.text and 'href="#reason"' in response.text
    assert db.session.scalar(sa.select(sa.func.count()).select_from(LegalAccessEntry)) == 0


def test_auditor_reads_but_has_no_form_and_clinician_is_refused(client, make, booking):
    make.login(client, role="auditor")
    page = client.get(f"/bookings/{booking.id}/legal-access")
    assert page.status_code == 200 and "Add an entry" not in page.text
    client.get("/logout")
    make.login(client, role="clinician")
    assert client.get(f"/bookings/{booking.id}/legal-access").status_code == 403


def test_facility_page_has_an_accessible_denial_chart(client, make, booking):
    services.record_entry(
        actor=make.actor("officer"),
        booking_id=booking.id,
        entry=EntryIn(
            kind="attorney_visit",
            started_at=utcnow() - dt.timedelta(hours=5),
            outcome="denied",
            counsel_name="C. Example",
            denial_reason="no_room",
            reason="Both rooms in use",
        ),
    )
    make.login(client, role="auditor")
    page = client.get(f"/facilities/{booking.facility.code}/legal-access")
    assert page.status_code == 200
    assert 'role="img" aria-labelledby="denials-title denials-desc"' in page.text
    assert (
        '<title id="denials-title">' in page.text
        and "No visiting room or library seat available, 1." in page.text
    )
    assert "<caption>Denials from" in page.text  # the table fallback
    assert "Quillfeather" in page.text  # below the law-library minimum
    assert "Record a legal rights presentation" not in page.text  # auditors only read


def test_presentation_attendees_are_found_by_search_and_kept(client, make, booking):
    other = make.booking(
        facility=booking.facility,
        detainee=make.detainee(family_name="Zephyrine"),
        booked_at=booking.booked_at,
    )
    make.login(client, role="officer")
    url = f"/facilities/{booking.facility.code}/legal-access/presentation"
    page = client.get(url)
    assert page.status_code == 200 and "Quillfeather" not in page.text  # no population list
    start = _local_form_time(utcnow() - dt.timedelta(hours=4))
    form = {
        "csrf_token": csrf_token(page.text),
        "started_at": start,
        "minutes": "60",
        "outcome": "completed",
        "counsel_name": "Rights Clinic",
    }
    found = client.post(url, data={**form, "action": "search", "query": "quillfeather"})
    assert (
        found.status_code == 200 and "Quillfeather" in found.text and "Zephyrine" not in found.text
    )
    assert 'value="Rights Clinic"' in found.text
    again = client.post(
        url, data={**form, "action": "search", "query": "zephyrine", "attendees": [str(booking.id)]}
    )
    assert "Quillfeather" in again.text and "Zephyrine" in again.text
    saved = client.post(
        url, data={**form, "action": "save", "attendees": [str(booking.id), str(other.id)]}
    )
    assert saved.status_code == 302, saved.text
    [event] = db.session.scalars(sa.select(LegalPresentation)).all()
    assert {e.booking_id for e in event.attendees} == {booking.id, other.id}


def test_visiting_hours_page_for_supervisors_and_admins(client, make, booking):
    code = booking.facility.code
    make.login(client, role="supervisor")
    url = f"/facilities/{code}/legal-access/visiting-hours"
    page = client.get(url)
    today = dt.datetime.now(CHICAGO).date()
    response = client.post(
        url, data={"csrf_token": csrf_token(page.text), "day": today.isoformat(), "hours": "7.5"}
    )
    assert response.status_code == 302
    assert "7.5" in client.get(url).text
    bad = client.post(
        url, data={"csrf_token": csrf_token(page.text), "day": today.isoformat(), "hours": "30"}
    )
    assert bad.status_code == 422
    client.get("/logout")
    make.login(client, role="officer")
    assert client.get(url).status_code == 403


def test_admin_edits_the_consular_list(client, make):
    make.login(client, role="admin")
    page = client.get("/admin/consular-countries")
    assert page.status_code == 200 and "United Kingdom" in page.text
    added = client.post(
        "/admin/consular-countries", data={"csrf_token": csrf_token(page.text), "country": "MX"}
    )
    assert (
        added.status_code == 302
        and last_event("custody:consular_country:create").subject_id == "MX"
    )
    removed = client.post(
        "/admin/consular-countries/remove",
        data={"csrf_token": csrf_token(page.text), "country": "GB"},
    )
    assert (
        removed.status_code == 302
        and last_event("custody:consular_country:delete").subject_id == "GB"
    )
    listed = client.get("/admin/consular-countries").text
    row = '<th scope="row" data-label="Country">{}</th>'
    assert row.format("Mexico") in listed and row.format("United Kingdom") not in listed


# --- the API ----------------------------------------------------------------------------


def test_api_contract_shape(client, make, booking):
    headers = make.headers("officer")
    start = (utcnow() - dt.timedelta(hours=6)).replace(microsecond=0)
    body = {
        "kind": "attorney_visit",
        "started_at": start.isoformat(),
        "ended_at": (start + dt.timedelta(minutes=50)).isoformat(),
        "counsel_name": "B. Example",
        "outcome": "completed",
    }
    created = client.post(f"/api/v1/bookings/{booking.id}/legal-access", json=body, headers=headers)
    assert created.status_code == 201, created.text
    out = created.json
    assert isinstance(out["id"], str) and out["booking_id"] == str(booking.id)
    assert (out["kind"], out["minutes"], out["outcome"], out["reason"]) == (
        "attorney_visit",
        50,
        "completed",
        None,
    )
    library = {"kind": "law_library", "started_at": start.isoformat(), "minutes": 90}
    client.post(f"/api/v1/bookings/{booking.id}/legal-access", json=library, headers=headers)
    read = client.get(
        f"/api/v1/bookings/{booking.id}/legal-access", headers=make.headers("auditor")
    )
    assert read.status_code == 200
    log = read.json
    assert log["booking_id"] == str(booking.id) and log["time_zone"] == "America/Chicago"
    assert {e["kind"] for e in log["entries"]} == {"attorney_visit", "law_library"}
    current = [w for w in log["weekly_law_library"] if w["is_current"]]
    assert current and current[0]["minimum_hours"] == 5.0
    assert sum(w["minutes"] for w in log["weekly_law_library"]) == 90
    assert set(current[0]) >= {
        "week_start",
        "week_end",
        "hours",
        "below_minimum",
        "remaining_hours",
    }


def test_api_period_and_errors(client, make, booking):
    headers = make.headers("officer")
    url = f"/api/v1/bookings/{booking.id}/legal-access"
    refused = client.post(
        url,
        json={"kind": "law_library", "started_at": utcnow().isoformat(), "outcome": "denied"},
        headers=headers,
    )
    assert refused.status_code == 422 and "reason" in refused.json["errors"]
    assert refused.json["message"]
    missing = client.post(url, json={"kind": "law_library"}, headers=headers)
    assert missing.status_code == 422 and "started_at" in missing.json["errors"]
    empty = client.get(url + "?from=2026-01-05&to=2026-01-11", headers=headers).json
    assert (empty["from"], empty["to"], empty["entries"]) == ("2026-01-05", "2026-01-11", [])
    assert [w["week_start"] for w in empty["weekly_law_library"]] == ["2026-01-05"]
    backwards = client.get(url + "?from=2026-01-11&to=2026-01-05", headers=headers)
    assert backwards.status_code == 422
    assert client.post(url, json={}, headers=make.headers("auditor")).status_code == 403
    assert client.get(url, headers=make.headers("clinician")).status_code == 403


def test_api_presentation_and_facility_report(client, make, booking):
    headers = make.headers("officer")
    code = booking.facility.code
    start = (utcnow() - dt.timedelta(hours=3)).isoformat()
    made = client.post(
        f"/api/v1/facilities/{code}/legal-rights-presentations",
        json={"attendees": [str(booking.id)], "started_at": start, "minutes": 60},
        headers=headers,
    )
    assert made.status_code == 201, made.text
    assert [a["booking_id"] for a in made.json["attendees"]] == [str(booking.id)]
    report = client.get(f"/api/v1/facilities/{code}/legal-access", headers=make.headers("auditor"))
    assert report.status_code == 200
    body = report.json
    assert body["minimums"]["law_library_minutes_per_week"] == 300
    assert [w["is_current"] for w in body["law_library"]] == [False, True]
    assert len(body["visits_by_day"]) == 14 and body["denials_by_reason"] == []


def test_a_supervisor_gives_the_facility_its_own_minimums(client, make, booking):
    code = booking.facility.code
    make.login(client, role="supervisor")
    url = f"/facilities/{code}/legal-access/visiting-hours"
    page = client.get(url)
    assert "follows its standards set (PBNDS-2011-R2016)" in page.text
    assert 'name="law_library_hours"' in page.text and 'value="5.00"' in page.text
    form = {"csrf_token": csrf_token(page.text), "law_library_hours": "15",
            "weekday_hours": "8", "weekend_hours": "4", "citation": "Contract 12.3"}  # fmt: skip
    bad = client.post(
        f"/facilities/{code}/legal-access/minimums", data={**form, "weekday_hours": "25"}
    )
    assert bad.status_code == 422 and 'tabindex="-1" autofocus' in bad.text
    saved = client.post(f"/facilities/{code}/legal-access/minimums", data=form)
    assert saved.status_code == 302
    audited = last_event("custody:legal_minimum:update")
    assert (
        audited.facility_id == booking.facility_id
        and "law_library_minutes" in audited.changed_fields
    )
    assert "has its own minimums" in client.get(url).text
    report = client.get(f"/api/v1/facilities/{code}/legal-access", headers=make.headers("auditor"))
    assert report.json["minimums"]["law_library_minutes_per_week"] == 900
    assert report.json["minimums"]["source"] == "facility"
