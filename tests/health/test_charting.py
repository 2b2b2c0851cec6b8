"""The charting services (issue 14, point 2): each form writes its resources with the
right codes in one transaction, with the clinician as author and the interpreter on
the Encounter; audited; scoped; the clocks close from the Encounter."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest

from core.db import utcnow
from core.errors import Conflict, Forbidden, ValidationFailed
from core.events import subscribed
from health.charting import services, specialties
from health.charting.inputs import (
    DentalIn,
    MentalHealthIn,
    ProblemIn,
    SoapIn,
    ToothFindingIn,
    VitalsIn,
)
from health.charting.questionnaires import phq9_items
from health.events import FhirResourcesWritten
from health.fhir import store
from health.fhir.services import single_match
from health.permissions import HealthPermission
from tests.health.charting_helpers import (
    BASE,
    ENCOUNTER_TYPE,
    codes_of,
    current,
    encounter_in,
    intake_in,
    patient_id_of,
    resources,
)
from tests.helpers import events, last_event

LOINC = "http://loinc.org"


@pytest.fixture
def booked(make):
    person = make.detainee(a_number="923400001")
    arrived = utcnow() - dt.timedelta(hours=3)  # before the encounters the tests chart
    booking = make.booking(detainee=person, booked_at=arrived)
    return booking, patient_id_of(person.a_number)


@pytest.fixture
def clinician(make):
    return make.actor("clinician", full_name="Dr. Rosa Iglesias")


def _vital(patient_id: str, code: str) -> dict:
    (found,) = [o for o in resources("Observation", patient_id) if (LOINC, code) in codes_of(o)]
    return found


def test_intake_screening_writes_coded_resources_and_closes_the_clock(booked, clinician):
    booking, pid = booked
    charted = services.record_intake_screening(actor=clinician, data=intake_in(pid))
    encounter = current("Encounter", charted.encounter_id)
    assert encounter["status"] == "finished"
    assert encounter["type"][0]["coding"][0] == {
        "system": ENCOUNTER_TYPE,
        "code": "intake-screening",
        "display": "Intake health screening",
    }
    author = encounter["participant"][0]["individual"]["reference"]
    practitioner = current("Practitioner", author.split("/")[1])
    assert practitioner["name"][0]["text"] == "Dr. Rosa Iglesias"
    (interpreter,) = encounter["extension"]
    assert interpreter["url"] == f"{BASE}/StructureDefinition/interpreter"
    parts = {p["url"]: p for p in interpreter["extension"]}
    assert parts["language"]["valueCode"] == "ht"
    assert parts["mode"]["valueCoding"]["code"] == "telephone"
    assert parts["interpreterId"]["valueString"] == "LL-40211"
    bp = _vital(pid, "85354-9")
    assert {
        c["code"]["coding"][0]["code"]: c["valueQuantity"]["value"] for c in bp["component"]
    } == {
        "8480-6": 128,
        "8462-4": 82,
    }
    assert bp["component"][0]["valueQuantity"]["code"] == "mm[Hg]"
    assert _vital(pid, "8310-5")["valueQuantity"]["code"] == "[degF]"
    assert _vital(pid, "29463-7")["valueQuantity"] == {
        "value": 172.0,
        "unit": "lb",
        "system": "http://unitsofmeasure.org",
        "code": "[lb_av]",
    }
    assert _vital(pid, "8867-4")["performer"] == [{"reference": author}]
    conditions = resources("Condition", pid)
    assert {c["code"]["coding"][0]["code"] for c in conditions} == {"E11.9", "I10"}
    assert all(c["recorder"]["reference"] == author for c in conditions)
    (med,) = resources("MedicationStatement", pid)
    assert med["medicationCodeableConcept"]["text"] == "Metformin 500 mg tablet"
    (allergy,) = resources("AllergyIntolerance", pid)
    assert allergy["code"]["text"] == "Penicillin" and allergy["criticality"] == "high"
    responses = resources("QuestionnaireResponse", pid)
    (screen,) = responses
    assert screen["questionnaire"] == f"{BASE}/Questionnaire/suicide-risk-screener"
    assert screen["item"][-1]["answer"][0]["valueInteger"] == 1
    assert current("Questionnaire", "suicide-risk-screener")["status"] == "active"
    every = {r["encounter"]["reference"] for r in resources("Observation", pid)}
    assert every == {f"Encounter/{charted.encounter_id}"}
    # audited: one create entry naming the patient and every reference written
    entry = last_event("health:fhir:create", subject_id=pid)
    assert f"Encounter/{charted.encounter_id}" in entry.changed_fields
    assert entry.actor_id == clinician.user_id
    # the 12-hour clock closed from the finished Encounter
    clocks = {c.rule: c for c in booking.clocks}
    assert clocks["intake-health-screening"].met_at is not None


def test_a_failure_writes_nothing(booked, clinician):
    _, pid = booked
    bad = intake_in(pid, vitals=dataclasses.replace(intake_in(pid).vitals, systolic=400))
    before = len(events())
    with pytest.raises(ValidationFailed) as refused:
        services.record_intake_screening(actor=clinician, data=bad)
    assert "systolic" in refused.value.errors
    assert resources("Encounter", pid) == [] and resources("Observation", pid) == []
    assert len(events()) == before


def test_plausible_vitals_and_known_codes(booked, clinician):
    _, pid = booked
    data = intake_in(
        pid,
        vitals=VitalsIn(systolic=80, diastolic=95, pulse=500, temperature_f=None),
        conditions=("diabetes",),
    )
    with pytest.raises(ValidationFailed) as refused:
        services.record_intake_screening(actor=clinician, data=data)
    errors = refused.value.errors
    assert errors["diastolic"] == ["The diastolic value must be below the systolic."]
    assert "pulse" in errors and errors["temperature_f"] == ["This field is required."]
    assert "Did you mean" in errors["conditions"][0]


def test_interpreter_needs_language_and_id(booked, clinician):
    _, pid = booked
    encounter = encounter_in(pid)
    encounter = dataclasses.replace(
        encounter, interpreter=dataclasses.replace(encounter.interpreter, interpreter_id="")
    )
    with pytest.raises(ValidationFailed) as refused:
        services.record_intake_screening(actor=clinician, data=intake_in(pid, encounter=encounter))
    assert "interpreter_id" in refused.value.errors


def test_dental_findings_by_tooth(booked, clinician):
    booking, pid = booked
    data = DentalIn(
        encounter=encounter_in(pid),
        screening=True,
        findings=(ToothFindingIn("14", "K02.9"), ToothFindingIn("a", "K04.7")),
        urgency="soon",
    )
    specialties.record_dental(actor=clinician, data=data)
    found = {
        (c["bodySite"][0]["coding"][0]["code"], c["code"]["coding"][0]["code"])
        for c in resources("Condition", pid)
    }
    assert found == {("14", "K02.9"), ("A", "K04.7")}
    (site,) = resources("Condition", pid)[0]["bodySite"]
    assert site["coding"][0]["system"] == f"{BASE}/CodeSystem/tooth-universal"
    assert {c.rule: c for c in booking.clocks}["dental-screening"].met_at is not None
    with pytest.raises(ValidationFailed) as refused:
        specialties.record_dental(
            actor=clinician,
            data=dataclasses.replace(data, findings=(ToothFindingIn("33", "K02.9"),)),
        )
    assert "not a tooth" in refused.value.errors["findings"][0]


def _phq9(answer: str) -> dict[str, str]:
    return {item["linkId"]: answer for item in phq9_items()}


@pytest.mark.parametrize(
    ("answer", "total", "band"),
    [("LA6568-5", 0, "minimal"), ("LA6570-1", 18, "moderately-severe"), ("LA6571-9", 27, "severe")],
)
def test_phq9_is_scored(booked, clinician, answer, total, band):
    _, pid = booked
    specialties.record_mental_health_evaluation(
        actor=clinician,
        data=MentalHealthIn(encounter=encounter_in(pid), phq9=_phq9(answer), note="Calm."),
    )
    (response,) = resources("QuestionnaireResponse", pid)
    assert response["questionnaire"] == f"{BASE}/Questionnaire/phq-9-questionnaire"
    items = {i["linkId"]: i for i in response["item"]}
    assert len(items) == 10 and items["TotalScore"]["answer"][0]["valueInteger"] == total
    (score,) = [o for o in resources("Observation", pid) if (LOINC, "44261-6") in codes_of(o)]
    assert score["valueInteger"] == total
    assert score["interpretation"][0]["coding"][0]["code"] == band
    stored = current("Questionnaire", "phq-9-questionnaire")
    assert [i["code"][0]["code"] for i in stored["item"]][:1] == ["44250-9"]


def test_phq9_needs_every_answer(booked, clinician):
    _, pid = booked
    answers = _phq9("LA6569-3")
    answers.pop("SelfHarm")
    with pytest.raises(ValidationFailed) as refused:
        specialties.record_mental_health_evaluation(
            actor=clinician, data=MentalHealthIn(encounter=encounter_in(pid), phq9=answers)
        )
    assert list(refused.value.errors) == ["phq9_SelfHarm"]


def test_referral_from_any_encounter(booked, clinician):
    _, pid = booked
    data = SoapIn(
        encounter=encounter_in(pid, refer_mental_health=True),
        subjective="Feels low since arrival.",
        objective="Tearful.",
        assessment="Adjustment reaction.",
        plan="Refer to mental health.",
    )
    charted = services.record_soap_note(actor=clinician, data=data)
    (request,) = resources("ServiceRequest", pid)
    assert request["status"] == "active"
    assert request["code"]["coding"][0] == {
        "system": ENCOUNTER_TYPE,
        "code": "mental-health-evaluation",
        "display": "Mental-health evaluation",
    }
    assert request["authoredOn"] and request["encounter"]["reference"].endswith(
        charted.encounter_id
    )
    (note,) = resources("Composition", pid)
    assert [s["code"]["coding"][0]["code"] for s in note["section"]] == [
        "61150-9",
        "61149-1",
        "51848-0",
        "18776-5",
    ]


def test_problem_and_immunization(booked, clinician):
    _, pid = booked
    services.add_problem(actor=clinician, data=ProblemIn(patient_id=pid, code="j45.909"))
    (problem,) = resources("Condition", pid)
    assert problem["code"]["coding"][0]["code"] == "J45.909"
    assert problem["category"][0]["coding"][0]["code"] == "problem-list-item"
    with pytest.raises(ValidationFailed):
        services.add_problem(actor=clinician, data=ProblemIn(patient_id=pid, code="J45"))


def test_scope_refusal_and_permissions(make, booked):
    _, pid = booked
    elsewhere = make.facility(code="ELSW")
    scoped = make.actor("clinician", facility_id=elsewhere.id)
    with pytest.raises(Forbidden):
        services.record_intake_screening(actor=scoped, data=intake_in(pid))
    assert resources("Encounter", pid) == []
    assert last_event(subject_id=pid).outcome == "denied"
    with pytest.raises(Forbidden):
        services.record_intake_screening(actor=make.actor("officer"), data=intake_in(pid))


def test_restricted_permission_is_unaffected(make, booked, clinician):
    """Forms write nothing labelled restricted: a plain clinician charts them all, a
    mental-health clinician too, and what they write stays readable by any clinician;
    the restricted permissions still belong to mental_health only."""
    _, pid = booked
    specialties.record_mental_health_evaluation(
        actor=clinician,
        data=MentalHealthIn(encounter=encounter_in(pid), phq9=_phq9("LA6569-3")),
    )
    services.add_problem(actor=make.actor("mental_health"), data=ProblemIn(pid, "F43.10"))
    written = [*resources("QuestionnaireResponse", pid), *resources("Condition", pid)]
    assert len(written) == 2
    assert all("security" not in r.get("meta", {}) for r in written)
    assert not clinician.can(HealthPermission.RESTRICTED_READ)
    assert make.actor("mental_health").can(HealthPermission.RESTRICTED_WRITE)


def test_a_failed_write_leaves_nothing_behind(booked, clinician):
    """A subscriber of the write event fails: the Encounter, its resources, the first
    Practitioner and Questionnaires and the audit entry all roll back together."""
    _, pid = booked

    def refuse(event: FhirResourcesWritten) -> None:
        raise Conflict("refused by a subscriber")

    before = len(events("health:fhir:create"))
    with subscribed(FhirResourcesWritten, refuse), pytest.raises(Conflict):
        services.record_intake_screening(actor=clinician, data=intake_in(pid))
    for resource_type in ("Encounter", "Observation", "Condition", "QuestionnaireResponse"):
        assert resources(resource_type, pid) == []
    who = f"identifier=https://custodia.dev/fhir/sid/user|{clinician.username}"
    assert single_match("Practitioner", who) is None
    assert store.current("Questionnaire", "suicide-risk-screener") is None
    assert len(events("health:fhir:create")) == before


def test_written_resources_are_found_through_the_fhir_api(client, make, booked, clinician):
    _, pid = booked
    charted = services.record_intake_screening(actor=clinician, data=intake_in(pid))
    headers = make.headers("clinician")
    found = client.get(
        f"/fhir/Encounter?patient={pid}&type={ENCOUNTER_TYPE}|intake-screening", headers=headers
    )
    assert [e["resource"]["id"] for e in found.json["entry"]] == [charted.encounter_id]
    vitals = client.get(
        f"/fhir/Observation?patient={pid}&code=http://loinc.org|8867-4", headers=headers
    )
    assert vitals.json["entry"][0]["resource"]["valueQuantity"]["value"] == 76
    meds = client.get(f"/fhir/Patient/{pid}/MedicationStatement", headers=headers)
    assert meds.status_code == 200 and len(meds.json["entry"]) == 1
