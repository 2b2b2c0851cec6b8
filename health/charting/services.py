"""The charting services: each form's resources in one transaction through the shared
encounter writer (`health.charting.encounter`), its input checked first with one
`FieldErrors` (messages on the form's field names), nothing written when any check
fails. Dental and mental-health forms are in `health.charting.specialties`."""

from __future__ import annotations

import datetime as dt
from typing import Any

from core.actor import Actor
from core.db import utcnow
from core.validation import FieldErrors
from health.charting import checks, codes, questionnaires
from health.charting import resources as docs
from health.charting.encounter import Charted, Refs, chart, instant, note_text, write_resources
from health.charting.inputs import (
    AllergyIn,
    AssessmentIn,
    ImmunizationIn,
    IntakeScreeningIn,
    ProblemIn,
    SoapIn,
)

CRITICALITY = {"low": "Low", "high": "High", "unable-to-assess": "Unable to assess"}
REQUIRED_INTAKE_VITALS = ("systolic", "diastolic", "pulse", "temperature_f", "respiratory_rate")


def record_intake_screening(*, actor: Actor, data: IntakeScreeningIn) -> Charted:
    """The 12-hour intake health screening: vitals, TB symptoms, medications, allergies,
    chronic conditions (ICD-10-CM), pregnancy, disability and accommodations,
    withdrawal risk and the scored suicide-risk screener."""
    errors = FieldErrors()
    checks.vitals(errors, data.vitals, required=REQUIRED_INTAKE_VITALS)
    tb = checks.choices(errors, "tb_symptoms", data.tb_symptoms, codes.TB_SYMPTOMS)
    conditions = checks.code_list(errors, "conditions", data.conditions, codes.ICD10)
    if data.pregnancy and data.pregnancy not in codes.PREGNANCY:
        errors.add("pregnancy", "Choose from the listed values.")
    disabilities = checks.choices(errors, "disabilities", data.disabilities, codes.DISABILITIES)
    needs = checks.choices(errors, "accommodations", data.accommodations, codes.ACCOMMODATIONS)
    risk = errors.choice("withdrawal_risk", data.withdrawal_risk, codes.WITHDRAWAL_RISKS)
    substances = checks.choices(
        errors, "withdrawal_substances", data.withdrawal_substances, codes.SUBSTANCES
    )
    if risk and risk != "none" and not substances:
        errors.add("withdrawal_substances", "Choose the substances of the withdrawal risk.")
    screen = _screen_answers(errors, data.suicide_screen)
    medications = [m for m in data.medications if m.name.strip()]
    for medication in medications:
        errors.text("medications", medication.name, max_length=200)
        errors.text("medications", medication.dosage, max_length=200, required=False)
    allergies = _allergies(errors, data.allergies, data.no_known_allergies)

    def build(refs: Refs) -> list[dict[str, Any]]:
        out = docs.vitals(refs, data.vitals)
        out.append(docs.checklist(refs, "tb-symptom-screen", tb, codes.TB_SYMPTOMS, "tb-symptom"))
        out += [docs.medication_statement(refs, m) for m in medications]
        out += allergies(refs)
        out += [docs.condition(refs, c) for c in conditions]
        if data.pregnancy:
            answer = codes.Code(codes.SNOMED, data.pregnancy, codes.PREGNANCY[data.pregnancy])
            out.append(
                docs.observation(
                    refs, codes.loinc("82810-3"), valueCodeableConcept=answer.concept()
                )
            )
        out.append(
            docs.checklist(refs, "disability", disabilities, codes.DISABILITIES, "disability")
        )
        out.append(
            docs.checklist(refs, "accommodation", needs, codes.ACCOMMODATIONS, "accommodation")
        )
        out.append(_withdrawal(refs, risk, substances))
        out += _screener(refs, screen)
        return out

    return chart(
        actor=actor, data=data.encounter, type_code="intake-screening", errors=errors, build=build
    )


def _screen_answers(errors: FieldErrors, answers: dict[str, bool]) -> dict[str, bool]:
    """Every question answered yes or no (the field `screen_<question>`)."""
    for key in questionnaires.SCREENER_ITEMS:
        if not isinstance(answers.get(key), bool):
            errors.add(screen_field(key), "Answer yes or no.")
    return {key: bool(answers.get(key)) for key in questionnaires.SCREENER_ITEMS}


def screen_field(key: str) -> str:
    return "screen_" + key.replace("-", "_")


def _allergies(errors: FieldErrors, items: tuple[AllergyIn, ...], none_known: bool) -> Any:
    given = [a for a in items if a.substance.strip()]
    if none_known and given:
        errors.add("allergies", "Record allergies or no known allergies, not both.")
    for item in given:
        errors.text("allergies", item.substance, max_length=200)
        errors.text("allergies", item.reaction, max_length=200, required=False)
        errors.choice("allergies", item.criticality, CRITICALITY)

    def build(refs: Refs) -> list[dict[str, Any]]:
        if none_known:
            return [docs.no_known_allergies(refs)]
        return [docs.allergy(refs, a) for a in given]

    return build


def _withdrawal(refs: Refs, risk: str, substances: tuple[str, ...]) -> dict[str, Any]:
    level = codes.coded("withdrawal-risk", risk or "none", codes.WITHDRAWAL_RISKS)
    components = [
        {"code": codes.coded("substance", s, codes.SUBSTANCES).concept(), "valueBoolean": True}
        for s in substances
    ]
    extra: dict[str, Any] = {"component": components} if components else {}
    return docs.observation(
        refs,
        codes.coded("screening", "withdrawal-risk", codes.SCREENING),
        valueCodeableConcept=level.concept(),
        **extra,
    )


def _screener(refs: Refs, answers: dict[str, bool]) -> list[dict[str, Any]]:
    """The QuestionnaireResponse and an Observation of its result (positive, acute…)."""
    response = questionnaires.screener_response(answers, _qr_refs(refs))
    total, result = questionnaires.screener_score(answers)
    interpretation = codes.Code(
        codes.local("suicide-risk-result"), result, result.capitalize()
    ).concept()
    summary = docs.observation(
        refs,
        codes.coded("screening", "suicide-risk-screen", codes.SCREENING),
        valueInteger=total,
        interpretation=[interpretation],
    )
    return [response, summary]


def _qr_refs(refs: Refs) -> dict[str, Any]:
    return {
        "subject": refs.subject,
        "encounter": refs.encounter,
        "when": refs.when,
        "author": refs.author,
    }


def record_assessment(*, actor: Actor, data: AssessmentIn) -> Charted:
    """The 14-day comprehensive health assessment: vitals, history, physical exam,
    assessment and plan (a Composition), diagnoses (ICD-10-CM Conditions)."""
    errors = FieldErrors()
    checks.vitals(errors, data.vitals, required=REQUIRED_INTAKE_VITALS)
    history = note_text(errors, "history", data.history)
    exam = note_text(errors, "exam", data.exam)
    assessment = note_text(errors, "assessment", data.assessment)
    plan = note_text(errors, "plan", data.plan)
    conditions = checks.code_list(errors, "conditions", data.conditions, codes.ICD10)

    def build(refs: Refs) -> list[dict[str, Any]]:
        sections = [("10164-2", history), ("29545-1", exam), ("51848-0", assessment)]
        sections.append(("18776-5", plan))
        note = docs.composition(refs, "Comprehensive health assessment", "11506-3", sections)
        return [
            *docs.vitals(refs, data.vitals),
            note,
            *(docs.condition(refs, c) for c in conditions),
        ]

    return chart(
        actor=actor, data=data.encounter, type_code="health-assessment", errors=errors, build=build
    )


def record_soap_note(*, actor: Actor, data: SoapIn, type_code: str = "follow-up") -> Charted:
    """A SOAP note (a Composition typed Progress note, its four sections LOINC-coded)
    on an encounter of any type."""
    errors = FieldErrors()
    kind = errors.choice("type_code", type_code, codes.ENCOUNTER_TYPES)
    sections = [
        ("61150-9", note_text(errors, "subjective", data.subjective)),
        ("61149-1", note_text(errors, "objective", data.objective)),
        ("51848-0", note_text(errors, "assessment", data.assessment)),
        ("18776-5", note_text(errors, "plan", data.plan)),
    ]
    title = f"SOAP note: {codes.ENCOUNTER_TYPES.get(kind, 'encounter')}"
    return chart(
        actor=actor,
        data=data.encounter,
        type_code=kind or "follow-up",
        errors=errors,
        build=lambda refs: [docs.composition(refs, title, "11506-3", sections)],
    )


def add_problem(*, actor: Actor, data: ProblemIn) -> Charted:
    """A problem-list entry: a Condition coded in ICD-10-CM."""
    errors = FieldErrors()
    found = checks.code_list(errors, "code", (data.code,), codes.ICD10)
    if not found and "code" not in errors:
        errors.add("code", "This field is required.")
    if data.onset is not None and data.onset > dt.date.today():
        errors.add("onset", "This date is in the future.")
    errors.raise_if_any()
    extra: dict[str, Any] = {"onsetDateTime": data.onset.isoformat()} if data.onset else {}
    return write_resources(
        actor=actor,
        patient_id=data.patient_id,
        build=lambda refs: [docs.condition(refs, code, **extra) for code in found],
    )


def add_allergy(*, actor: Actor, patient_id: str, data: AllergyIn) -> Charted:
    errors = FieldErrors()
    errors.text("substance", data.substance, max_length=200)
    errors.text("reaction", data.reaction, max_length=200, required=False)
    errors.choice("criticality", data.criticality, CRITICALITY)
    errors.raise_if_any()
    return write_resources(
        actor=actor, patient_id=patient_id, build=lambda refs: [docs.allergy(refs, data)]
    )


def add_immunization(*, actor: Actor, data: ImmunizationIn) -> Charted:
    """An immunization given or reported, coded in CVX."""
    errors = FieldErrors()
    vaccine = codes.lookup(codes.CVX, data.cvx) if data.cvx.strip() else None
    if not data.cvx.strip():
        errors.add("cvx", "This field is required.")
    elif vaccine is None:
        errors.add("cvx", checks.unknown_code(codes.CVX, data.cvx))
    occurred = errors.time("occurred", data.occurred, default=utcnow())
    lot = errors.text("lot", data.lot, max_length=40, required=False)
    errors.raise_if_any()
    given = [vaccine] if vaccine is not None else []
    return write_resources(
        actor=actor,
        patient_id=data.patient_id,
        build=lambda refs: [docs.immunization(refs, v, instant(occurred), lot) for v in given],
    )
