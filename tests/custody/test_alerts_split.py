"""The alerts split (issue 14, point 5): clinicians record alerts as FHIR Flags; custody
pages and the booking API show only the custody-visible ones, as labels, never the
clinical reason, and never a clinical-only Flag."""

from __future__ import annotations

import re

from core.actor import Actor
from custody.housing.assignment import assign_bed
from custody.housing.rules import check
from custody.people.alerts import active_kinds, shown_alerts
from custody.people.services import set_alerts
from health.fhir.link import patient_id_of
from health.transfers import lift_medical_hold, set_medical_hold
from tests.health import chart_data
from tests.health.conftest import Fhir
from tests.helpers import events

REASON = "Seizure disorder: fall risk from an upper bunk"


def _booked_with_flags(client, make):
    person = make.detainee()
    booking = make.booking(detainee=person)
    pid = patient_id_of(person.a_number)
    fhir = Fhir(client, make.headers("clinician"))
    fhir.create(chart_data.flag(pid, "lower-bunk", REASON))
    fhir.create(chart_data.flag(pid, "diet", "Diabetic diet"))
    fhir.create(chart_data.flag(pid, None, "Latex sensitivity"))  # clinical-only
    ended = chart_data.flag(pid, "suicide-watch", "Watch ended")
    ended["status"] = "inactive"
    fhir.create(ended)
    return person, booking, pid, fhir


def test_the_booking_api_shows_custody_visible_flags_without_the_reason(client, make):
    _person, booking, _, _ = _booked_with_flags(client, make)
    body = client.get(f"/api/v1/bookings/{booking.id}", headers=make.headers("officer")).json
    assert [(a["kind"], a["label"]) for a in body["alerts"]] == [
        ("lower_bunk", "Lower bunk"),
        ("diet", "Special diet"),
    ]
    raw = str(body)
    assert "Seizure" not in raw and "Latex" not in raw and "Diabetic" not in raw
    assert "Suicide" not in raw  # an inactive Flag no longer counts


def test_custody_pages_show_labels_only(client, make):
    person, booking, _, _ = _booked_with_flags(client, make)
    make.login(client, role="officer")
    for url in (f"/bookings/{booking.id}", f"/detainees/{person.id}"):
        page = client.get(url).text
        tags = re.findall(r'custodia-tag--alert">([^<]+)<', page)
        assert tags == ["Lower bunk", "Special diet"], url
        assert "Seizure" not in page and "Latex" not in page and "Diabetic" not in page


def test_custody_alerts_and_flags_merge_and_a_medical_hold_flag_counts(client, make):
    person, _, pid, fhir = _booked_with_flags(client, make)
    set_alerts(actor=make.actor("clinician"), detainee_id=person.id, kinds=["lower_bunk"])
    system = f"{chart_data.BASE}/CodeSystem/transfer-hold"  # transfers' own code system
    hold = chart_data.flag(pid, "medical-hold", "Not fit to travel", system=system)
    fhir.create(hold)
    labels = [alert.label for alert in shown_alerts(person)]
    assert labels == ["Lower bunk", "Medical hold", "Special diet"]  # one line per kind
    assert active_kinds(person) == {"lower_bunk", "medical_hold", "diet"}


def test_a_lower_bunk_flag_constrains_housing(client, make):
    """Housing rules read the merged alerts: a Flag set in the chart counts."""
    _person, booking, _, _ = _booked_with_flags(client, make)
    unit = make.unit(facility=booking.facility)
    upper = make.bed(unit=unit, is_lower_bunk=False)
    lower = make.bed(unit=unit, is_lower_bunk=True)
    found = check(booking, upper, bed_taken=False, occupants=(), has_placement=False)
    assert "lower_bunk_needed" in {v.rule for v in found}
    found = check(booking, lower, bed_taken=False, occupants=(), has_placement=False)
    assert "lower_bunk_needed" not in {v.rule for v in found}


def test_showing_flags_to_custody_is_an_audited_alert_read(client, make):
    person, booking, _, _ = _booked_with_flags(client, make)
    make.login(client, role="officer")
    for path in (f"/bookings/{booking.id}", f"/detainees/{person.id}"):
        before = len(events("custody:alert:read", subject_id=str(person.id)))
        client.get(path)
        after = events("custody:alert:read", subject_id=str(person.id))
        assert len(after) == before + 1, path
        assert after[-1].changed_fields == ["alerts"]  # the kinds are not logged


def test_the_housing_board_tags_occupants_with_their_flags(client, make):
    person, booking, _, _ = _booked_with_flags(client, make)
    make.classified(booking)
    bed = make.bed(unit=make.unit(facility=booking.facility), is_lower_bunk=True)
    assign_bed(actor=Actor.system("test"), booking_id=booking.id, bed_id=bed.id)
    make.login(client, role="officer")
    page = client.get(f"/facilities/{booking.facility.code}/board").text
    row = page.split(person.family_name)[1].split("</td>")[0]
    assert re.findall(r'custodia-tag--alert">([^<]+)<', row) == ["diet", "lower bunk"]
    assert "Seizure" not in page and "Latex" not in page


def test_a_transfer_medical_hold_is_a_custody_alert_without_its_reason(client, make):
    person = make.detainee()
    booking = make.booking(detainee=person)
    clinician = make.actor("clinician")
    set_medical_hold(
        actor=clinician, a_number=person.a_number, reason="Pending TB result", author="Dr Test"
    )
    body = client.get(f"/api/v1/bookings/{booking.id}", headers=make.headers("officer")).json
    assert [(a["kind"], a["label"]) for a in body["alerts"]] == [("medical_hold", "Medical hold")]
    assert "TB" not in str(body["alerts"])
    lift_medical_hold(actor=clinician, a_number=person.a_number)
    body = client.get(f"/api/v1/bookings/{booking.id}", headers=make.headers("officer")).json
    assert body["alerts"] == []
