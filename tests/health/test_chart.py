"""The patient chart (issue 14, points 1 and 4): content from FHIR resources, the
vitals trend, the timeline filter, audit, facility scope and restricted notes."""

from __future__ import annotations

import re

import pytest

from core.i18n import a_number
from custody.people.models import DetaineeLanguage
from health.chart.record import patient_record
from health.fhir.link import patient_id_of
from tests.health import chart_data
from tests.health.conftest import Fhir
from tests.helpers import csrf_token, events, last_event


class Scene:
    """A person booked at facility A (Chicago time), with a clinical history."""

    def __init__(self, client, make) -> None:
        self.a, self.b = make.facility(code="CHTA"), make.facility(code="CHTB")
        self.person = make.detainee(family_name="Quintero", given_name="Lucia")
        self.person.languages = [
            DetaineeLanguage(code="es", position=0, interpreter_needed=True),
            DetaineeLanguage(code="en", position=1),
        ]
        self.booking = make.booking(facility=self.a, detainee=self.person)
        self.pid = patient_id_of(self.person.a_number)
        therapist = Fhir(client, make.headers("mental_health"))
        documents, restricted = chart_data.history(self.pid)
        self.ids = {}
        for document in [*documents, *restricted]:
            created = therapist.create(document)
            self.ids.setdefault(document["resourceType"], []).append(created["id"])


@pytest.fixture
def scene(client, make) -> Scene:
    return Scene(client, make)


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def test_the_chart_shows_names_problems_medications_vitals_and_the_timeline(client, make, scene):
    user = make.login(client, role="clinician")
    response = client.get(f"/health/patients/{scene.pid}")
    assert response.status_code == 200
    html, text = response.text, _text(response.text)
    assert "Quintero, Lucia" in text and a_number(scene.person.a_number) in text
    assert scene.a.name in text  # the facility, from custody through core.whereabouts
    # languages from the booking's Patient.communication, by name
    assert "Language Spanish (preferred), English" in text and "Interpreter needed" in text
    # problems by name (active only), medications (prescribed and reported, active only)
    assert "Essential (primary) hypertension" in text and "Type 2 diabetes mellitus" in text
    assert "Acute upper respiratory infection" not in text
    assert "Lisinopril 10 MG Oral Tablet" in text and "1 tablet by mouth once daily" in text
    assert "Metformin 500 MG Oral Tablet" in text and "Amoxicillin" not in text
    assert "Penicillin G" in text and "(high risk)" in text
    # the latest vitals, in the facility's local time with its zone (15:00Z is 08:15 CST)
    assert "128/82 mmHg" in text and "76 /min" in text and "79.5 kg" in text
    assert "11/25/2026 08:15 CST" in text
    assert "Influenza, seasonal, injectable, preservative free" in text
    # the timeline, names not codes
    for title in ("Intake health screening", "Dental screening", "Mental-health evaluation"):
        assert title in text
    assert "intake-screening" not in text
    # alerts: custody-visible and clinical-only, with the clinical reason for clinicians
    assert "Lower bunk" in text and "Seizure disorder: fall risk from an upper bunk" in text
    assert "Latex sensitivity: use nitrile gloves" in text
    # read audited per patient
    entry = last_event("health:chart:read")
    assert (entry.subject_type, entry.subject_id, entry.actor_id, entry.outcome) == (
        "Patient",
        scene.pid,
        user.id,
        "success",
    )
    assert '<svg class="custodia-trend__svg"' in html


def test_the_vitals_trend_is_an_accessible_svg_with_its_values(client, make, scene):
    make.login(client, role="clinician")
    html = client.get(f"/health/patients/{scene.pid}").text
    svgs = re.findall(r"<svg.*?</svg>", html, flags=re.S)
    assert len(svgs) == 2  # blood pressure and pulse; weight
    bp, weight = svgs
    assert '<title id="trend-bp-title">Blood pressure and pulse' in bp and "<desc" in bp
    for value in ("Systolic 142 mmHg", "Systolic 128 mmHg", "Diastolic 91 mmHg", "Pulse 76 /min"):
        assert f"<title>{value}</title>" in bp
    assert bp.count("<polyline") == 3 and bp.count("<circle") == 9
    assert "<title>Weight 81.4 kg</title>" in weight
    # the data table lists the same values; no script, no CDN
    table = html.split('id="trend-bp-caption"')[1]
    assert "142 mmHg" in table and "91 mmHg" in table and "96 /min" in table
    assert "<script" not in html.split("<main")[1].split("</main>")[0]


def test_the_timeline_filters_by_kind_and_date(client, make, scene):
    make.login(client, role="clinician")
    dental = _text(client.get(f"/health/patients/{scene.pid}?kind=dental").text)
    assert "Dental screening" in dental
    assert "Intake health screening" not in dental and "Mental-health evaluation" not in dental
    assert "1 entry matching the filter" in dental
    medical = _text(client.get(f"/health/patients/{scene.pid}?kind=medical&kind=dental").text)
    assert "Intake health screening" in medical and "Dental screening" in medical
    assert "Mental-health evaluation" not in medical
    dated = _text(client.get(f"/health/patients/{scene.pid}?start=2026-11-10&end=2026-11-20").text)
    assert "Dental screening" in dated and "Comprehensive health assessment" in dated
    assert "Intake health screening" not in dated and "Mental-health evaluation" not in dated
    bad = client.get(f"/health/patients/{scene.pid}?start=2026-11-20&end=2026-11-10")
    assert bad.status_code == 200
    assert "The end date is before the start date." in bad.text
    assert "Please correct the form" in bad.text


def test_restricted_notes_only_with_the_restricted_permission(client, make, scene):
    make.login(client, role="clinician")
    plain = _text(client.get(f"/health/patients/{scene.pid}").text)
    assert "Psychotherapy session note" not in plain and "Therapy session 1" not in plain
    assert "Restricted mental-health therapy notes are not shown to you." in plain
    client.get("/logout")
    make.login(client, role="mental_health")
    full = _text(client.get(f"/health/patients/{scene.pid}").text)
    assert "Psychotherapy session note" in full and "Restricted" in full
    assert "Therapy session 1" in full


def test_patient_record_is_what_the_actor_may_see(make, scene):
    """The one function exports will reuse: restricted notes only with the permission."""
    clinician, therapist = make.actor("clinician"), make.actor("mental_health")
    seen = patient_record(actor=clinician, patient_id=scene.pid, types=None)
    assert "DocumentReference" not in seen.resources
    assert len(seen.of("Observation")) == 9 and len(seen.of("Flag")) == 3
    full = patient_record(actor=therapist, patient_id=scene.pid, types=None)
    assert [d["description"] for d in full.of("DocumentReference")] == ["Therapy session 1"]
    assert [e.subject_id for e in events("health:chart:read")] == [scene.pid, scene.pid]


def test_a_scoped_clinician_reads_only_charts_of_their_facility(client, make, scene):
    other = make.user("clinician", facility_id=scene.b.id)
    make.login(client, user=other)
    response = client.get(f"/health/patients/{scene.pid}")
    assert response.status_code == 403
    assert "Quintero" not in response.text
    denied = last_event("health:record:read", outcome="denied")
    assert (denied.subject_type, denied.subject_id) == ("Patient", scene.pid)
    assert not events("health:chart:read")
    found = client.get("/health/patients?q=Quintero")
    assert "0 found" in found.text and "Nobody matches" in found.text
    assert scene.pid not in found.text and scene.person.a_number not in found.text
    assert a_number(scene.person.a_number) not in found.text
    client.get("/logout")
    make.login(client, user=make.user("clinician", facility_id=scene.a.id))
    assert client.get(f"/health/patients/{scene.pid}").status_code == 200


def test_patient_search_by_name_a_number_and_date_of_birth(client, make, scene):
    make.login(client, role="clinician")
    a_number = scene.person.a_number
    dob = scene.person.date_of_birth.isoformat()
    for query in (
        "Quintero",
        f"A{a_number}",
        f"{a_number[:3]}-{a_number[3:6]}-{a_number[6:]}",
        dob,
    ):
        text = _text(client.get("/health/patients", query_string={"q": query}).text)
        assert "Quintero, Lucia" in text, query
        assert scene.a.name in text
    assert events("health:fhir:search", subject_id=scene.pid)
    nobody = _text(client.get("/health/patients?q=Zzyzx").text)
    assert "Nobody matches" in nobody


def test_the_booking_links_to_the_chart_for_clinical_roles_only(client, make, scene):
    booking_url = f"/bookings/{scene.booking.id}"
    make.login(client, role="officer")
    assert "Health chart" not in client.get(booking_url).text
    client.get("/logout")
    make.login(client, role="clinician")
    page = client.get(booking_url).text
    link = f"/health/patients/a-number/{scene.person.a_number}"
    assert link in page and "Health chart" in page
    response = client.get(link)
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/health/patients/{scene.pid}")
    assert client.get("/health/patients/a-number/999999999").status_code == 404


def test_the_clinician_landing_has_search_and_recent_charts(client, make, scene):
    make.login(client, role="clinician")
    home = _text(client.get("/dashboard").text)
    assert "Find a patient" in home and "No chart opened yet" in home
    client.get(f"/health/patients/{scene.pid}")
    home = _text(client.get("/dashboard").text)
    assert "Charts you opened recently" in home and "Quintero, Lucia" in home


def test_the_landing_of_an_officer_has_no_patient_panel(client, make):
    make.login(client, role="officer")
    assert "Charts you opened recently" not in client.get("/dashboard").text


def test_a_chart_without_custody_or_vitals(client, make):
    """A Patient who was never booked: no facility (UTC), no trend, empty sections."""
    fhir = Fhir(client, make.headers("clinician"))
    pid = fhir.create({"resourceType": "Patient", "name": [{"family": "Alone", "given": ["Ana"]}]})[
        "id"
    ]
    make.login(client, role="clinician")
    text = _text(client.get(f"/health/patients/{pid}").text)
    assert "not in custody" in text and "(UTC)" in text
    assert "No vital signs recorded." in text and "No encounter recorded." in text
    assert client.get("/health/patients/no-such-patient").status_code == 404


def test_a_clinician_sets_and_ends_alerts_on_the_chart(client, make, scene):
    make.login(client, role="clinician")
    url = f"/health/patients/{scene.pid}"
    token = csrf_token(client.get(url).text)
    empty = client.post(f"{url}/alerts", data={"csrf_token": token, "code": "", "reason": ""})
    assert empty.status_code == 422
    assert "Choose an alert." in empty.text and "Give the clinical reason." in empty.text
    before = len(events("health:fhir:create"))
    reason = "Post-operative: ground floor only"
    done = client.post(
        f"{url}/alerts",
        data={"csrf_token": token, "code": "accessible-bed", "reason": reason},
    )
    assert done.status_code == 302
    assert len(events("health:fhir:create")) == before + 1
    assert last_event("health:fhir:create").subject_id == scene.pid
    officer = make.headers("officer")
    alerts = client.get(f"/api/v1/bookings/{scene.booking.id}", headers=officer).json["alerts"]
    assert "Accessible bed" in [a["label"] for a in alerts] and reason not in str(alerts)
    page = client.get(url).text
    assert reason in page
    before_button = page.split("the alert Accessible bed")[0]
    flag_id = re.findall(r'/alerts/([^/"]+)/end"', before_button)[-1]
    client.post(f"{url}/alerts/{flag_id}/end", data={"csrf_token": token})
    assert last_event("health:fhir:update").subject_id == scene.pid
    alerts = client.get(f"/api/v1/bookings/{scene.booking.id}", headers=officer).json["alerts"]
    assert "Accessible bed" not in [a["label"] for a in alerts]


def test_alerts_of_another_facility_cannot_be_set(client, make, scene):
    make.login(client, user=make.user("clinician", facility_id=scene.b.id))
    token = csrf_token(client.get("/dashboard").text)
    response = client.post(
        f"/health/patients/{scene.pid}/alerts",
        data={"csrf_token": token, "code": "diet", "reason": "Diet"},
    )
    assert response.status_code == 403
    assert last_event(outcome="denied").subject_id == scene.pid


@pytest.mark.parametrize("query", ["2026-13-45", "A12", "x" * 101, "%_*"])
def test_odd_searches_answer_without_an_error(client, make, query):
    make.login(client, role="clinician")
    response = client.get("/health/patients", query_string={"q": query})
    assert response.status_code in (200, 422), query
    assert "Nobody matches" in response.text or "usa-error-message" in response.text
