"""The charting pages: forms validate like the custody pages (error summary, values
kept, messages next to the fields), times are typed in the facility's local time, the
code lookups answer as you type and without JavaScript."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from health.charting.questionnaires import phq9_items
from tests.health.charting_helpers import codes_of, current, patient_id_of, resources
from tests.helpers import csrf_token, last_event


@pytest.fixture
def patient(make):
    facility = make.facility(code="TZ01", time_zone="America/Chicago")
    person = make.detainee(a_number="923400002", family_name="Okafor", given_name="Amara")
    make.booking(facility=facility, detainee=person)
    return patient_id_of(person.a_number)


@pytest.fixture
def signed_in(client, make):
    make.login(client, role="clinician")
    return client


def _local(minutes_ago: int) -> str:
    now = dt.datetime.now(ZoneInfo("America/Chicago")) - dt.timedelta(minutes=minutes_ago)
    return now.strftime("%Y-%m-%dT%H:%M")


def _encounter(page_html: str) -> dict:
    return {
        "csrf_token": csrf_token(page_html),
        "start": _local(40),
        "end": _local(10),
        "interpreter_mode": "in-person",
        "interpreter_language": "quc",
        "interpreter_id": "INT-7",
    }


INTAKE = {
    "systolic": "132",
    "diastolic": "84",
    "pulse": "80",
    "temperature_f": "98.4",
    "respiratory_rate": "16",
    "spo2": "97",
    "weight_lb": "150",
    "height_in": "64",
    "tb_symptoms": ["fever"],
    "medications": "Lisinopril 10 mg tablet; once a day",
    "allergies": "Sulfa; rash",
    "conditions": "I10, e78.5",
    "pregnancy": "60001007",
    "withdrawal_risk": "none",
    "screen_wished_dead": "no",
    "screen_better_off_dead": "no",
    "screen_thoughts": "no",
    "screen_attempt": "no",
    "screen_now": "no",
}


def test_landing_lists_the_forms(signed_in, patient):
    page = signed_in.get(f"/health/patients/{patient}/charting")
    assert page.status_code == 200
    assert "Amara Okafor" in page.text and "America/Chicago" in page.text
    for label in ("intake health screening", "dental encounter", "SOAP note", "PHQ-9"):
        assert label in page.text
    assert last_event("health:fhir:read", subject_id=patient)


def test_intake_form_saves_in_local_time(signed_in, patient):
    url = f"/health/patients/{patient}/intake-screening"
    form = signed_in.get(url)
    assert form.status_code == 200 and 'type="datetime-local"' in form.text
    data = {**_encounter(form.text), **INTAKE}
    response = signed_in.post(url, data=data)
    assert response.status_code == 302, response.text
    # back to the chart, whose timeline shows it, with every form one click away
    assert response.headers["Location"].endswith(f"/health/patients/{patient}")
    chart = signed_in.get(response.headers["Location"]).text
    assert "Intake health screening saved." in chart and "New intake screening" in chart
    assert f'href="/health/patients/{patient}/soap-note"' in chart
    (encounter,) = resources("Encounter", patient)
    end = dt.datetime.fromisoformat(encounter["period"]["end"].replace("Z", "+00:00"))
    assert end.astimezone(ZoneInfo("America/Chicago")).strftime("%Y-%m-%dT%H:%M") == data["end"]
    modes = {p["url"]: p for p in encounter["extension"][0]["extension"]}
    assert modes["language"]["valueCode"] == "quc" and modes["mode"]["valueCoding"]["code"] == (
        "in-person"
    )
    conditions = {c["code"]["coding"][0]["code"] for c in resources("Condition", patient)}
    assert conditions == {"I10", "E78.5"}
    (allergy,) = resources("AllergyIntolerance", patient)
    assert allergy["code"]["text"] == "Sulfa"
    pregnancy = [
        o
        for o in resources("Observation", patient)
        if ("http://loinc.org", "82810-3") in codes_of(o)
    ]
    assert pregnancy[0]["valueCodeableConcept"]["coding"][0]["code"] == "60001007"


def test_refused_form_keeps_values_and_says_why(signed_in, patient):
    url = f"/health/patients/{patient}/intake-screening"
    form = signed_in.get(url)
    data = {**_encounter(form.text), **INTAKE, "systolic": "300", "conditions": "sugar"}
    del data["screen_now"]
    response = signed_in.post(url, data=data)
    assert response.status_code == 422
    page = response.text
    assert "Please correct the form" in page
    assert 'href="#systolic"' in page and "Give a value from 50 to 260 mmHg." in page
    assert 'value="300"' in page and "Lisinopril 10 mg tablet; once a day" in page
    assert "Answer yes or no." in page
    assert resources("Encounter", patient) == []


def test_service_refusals_show_next_to_the_field(signed_in, patient):
    url = f"/health/patients/{patient}/intake-screening"
    form = signed_in.get(url)
    data = {**_encounter(form.text), **INTAKE, "conditions": "sugar diabetes"}
    response = signed_in.post(url, data=data)
    assert response.status_code == 422
    assert 'id="conditions-error"' in response.text and "is not a code" in response.text


def test_dental_and_phq9_pages(signed_in, patient):
    url = f"/health/patients/{patient}/dental"
    form = signed_in.get(url)
    data = {
        **_encounter(form.text),
        "findings-0-tooth": "3",
        "findings-0-finding": "K02.9",
        "findings-1-tooth": "T",
        "findings-1-finding": "K03.81",
        "urgency": "routine",
    }
    assert signed_in.post(url, data=data).status_code == 302
    sites = {c["bodySite"][0]["coding"][0]["code"] for c in resources("Condition", patient)}
    assert sites == {"3", "T"}
    url = f"/health/patients/{patient}/mental-health-evaluation"
    form = signed_in.get(url)
    data = {**_encounter(form.text), **{f"phq9_{i['linkId']}": "LA6569-3" for i in phq9_items()}}
    assert signed_in.post(url, data=data).status_code == 302
    (response,) = resources("QuestionnaireResponse", patient)
    assert {i["linkId"]: i for i in response["item"]}["TotalScore"]["answer"][0][
        "valueInteger"
    ] == 9
    encounters = {e["type"][0]["coding"][0]["code"] for e in resources("Encounter", patient)}
    assert encounters == {"dental", "mental-health-evaluation"}
    assert current("Questionnaire", "phq-9-questionnaire")["item"][8]["linkId"] == "SelfHarm"


def test_code_search_json_and_plain_page(signed_in):
    found = signed_in.get("/health/codes/icd10?q=essential hypertension").json["items"]
    assert {"code": "I10", "display": "Essential (primary) hypertension"} in found
    assert signed_in.get("/health/codes/cvx?q=115").json["items"][0]["code"] == "115"
    assert signed_in.get("/health/codes/loinc?q=heart rate").json["items"][0]["code"] == "8867-4"
    page = signed_in.get("/health/codes/icd10/search?q=asthma")
    assert page.status_code == 200 and "J45.909" in page.text
    assert signed_in.get("/health/codes/snomed?q=x").status_code == 404


def test_officers_are_refused(client, make, patient):
    make.login(client, role="officer")
    assert client.get(f"/health/patients/{patient}/intake-screening").status_code == 403
    assert client.get("/health/codes/icd10?q=I10").status_code == 403


def test_assessment_soap_problem_allergy_and_immunization_pages(signed_in, patient):
    base = f"/health/patients/{patient}"
    form = signed_in.get(f"{base}/health-assessment")
    vitals = {k: INTAKE[k] for k in ("systolic", "diastolic", "pulse", "temperature_f")}
    data = {
        **_encounter(form.text),
        **vitals,
        "respiratory_rate": "18",
        "history": "Headaches for a week.",
        "exam": "Normal neurological examination.",
        "assessment": "Tension headache.",
        "plan": "Paracetamol as needed.",
        "conditions": "G44.209",
    }
    assert signed_in.post(f"{base}/health-assessment", data=data).status_code == 302
    form = signed_in.get(f"{base}/soap-note")
    data = {
        **_encounter(form.text),
        "type_code": "follow-up",
        "subjective": "Better.",
        "objective": "Calm.",
        "assessment": "Resolved.",
        "plan": "None.",
        "refer_mental_health": "y",
    }
    assert signed_in.post(f"{base}/soap-note", data=data).status_code == 302
    (referral,) = resources("ServiceRequest", patient)
    assert referral["code"]["coding"][0]["code"] == "mental-health-evaluation"
    notes = resources("Composition", patient)
    assert {n["title"] for n in notes} == {
        "Comprehensive health assessment",
        "SOAP note: Clinical follow-up",
    }
    form = signed_in.get(f"{base}/problems/new")
    token = csrf_token(form.text)
    refused = signed_in.post(f"{base}/problems/new", data={"csrf_token": token, "code": "G44"})
    assert refused.status_code == 422 and 'id="code-error"' in refused.text
    ok = signed_in.post(f"{base}/problems/new", data={"csrf_token": token, "code": "F41.1"})
    assert ok.status_code == 302
    ok = signed_in.post(
        f"{base}/allergies/new",
        data={"csrf_token": token, "substance": "Latex", "criticality": "low"},
    )
    assert ok.status_code == 302
    ok = signed_in.post(
        f"{base}/immunizations/new",
        data={"csrf_token": token, "cvx": "115", "occurred": _local(60), "lot": "TD-88"},
    )
    assert ok.status_code == 302
    (shot,) = resources("Immunization", patient)
    assert shot["vaccineCode"]["coding"][0] == {
        "system": "http://hl7.org/fhir/sid/cvx",
        "code": "115",
        "display": "Tdap",
    }
    assert {c["code"]["coding"][0]["code"] for c in resources("Condition", patient)} == {
        "G44.209",
        "F41.1",
    }
    assert {a["code"]["text"] for a in resources("AllergyIntolerance", patient)} == {"Latex"}
