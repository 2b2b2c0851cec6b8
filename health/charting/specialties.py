"""Dental and mental-health charting: findings by tooth (universal numbering, ICD-10-CM
Conditions with the tooth as bodySite), the dental treatment urgency, and the
mental-health evaluation with its scored PHQ-9."""

from __future__ import annotations

from typing import Any

from core.actor import Actor
from core.validation import FieldErrors
from health.charting import checks, codes, questionnaires
from health.charting import resources as docs
from health.charting.encounter import Charted, Refs, chart, note_text
from health.charting.inputs import DentalIn, MentalHealthIn

MAX_FINDINGS = 64


def record_dental(*, actor: Actor, data: DentalIn) -> Charted:
    """A dental screening (closes the dental clock) or a dental encounter: one
    Condition per finding on a tooth, an Observation of the treatment urgency."""
    errors = FieldErrors()
    findings = []
    for item in data.findings[:MAX_FINDINGS]:
        tooth = item.tooth.strip().upper()
        if tooth not in codes.TEETH:
            errors.add("findings", f"{item.tooth[:8]!r} is not a tooth: use 1–32 or A–T.")
        elif item.finding not in codes.DENTAL_FINDINGS:
            errors.add("findings", "Choose a finding from the list.")
        else:
            findings.append((tooth, item.finding))
    if len(data.findings) > MAX_FINDINGS:
        errors.add("findings", f"Record at most {MAX_FINDINGS} findings at once.")
    urgency = errors.choice("urgency", data.urgency, codes.DENTAL_URGENCY)
    note = note_text(errors, "note", data.note, required=False)

    def build(refs: Refs) -> list[dict[str, Any]]:
        conditions = [
            docs.condition(
                refs,
                codes.Code(codes.ICD10, finding, codes.DENTAL_FINDINGS[finding]),
                body_site=docs.tooth(tooth),
            )
            for tooth, finding in findings
        ]
        level = codes.coded("dental-urgency", urgency, codes.DENTAL_URGENCY)
        extra = {"note": [{"text": note}]} if note else {}
        summary = docs.observation(
            refs,
            codes.coded("screening", "dental-urgency", codes.SCREENING),
            "exam",
            valueCodeableConcept=level.concept(),
            **extra,
        )
        return [*conditions, summary]

    kind = "dental-screening" if data.screening else "dental"
    return chart(actor=actor, data=data.encounter, type_code=kind, errors=errors, build=build)


def record_mental_health_evaluation(*, actor: Actor, data: MentalHealthIn) -> Charted:
    """The mental-health evaluation (closes the 72-hour referral clock): the PHQ-9 as a
    scored QuestionnaireResponse with an Observation of its total (LOINC 44261-6) and
    severity band, an evaluation note, diagnoses in ICD-10-CM."""
    errors = FieldErrors()
    answers = {}
    for item in questionnaires.phq9_items():
        answer = data.phq9.get(item["linkId"], "")
        if answer not in questionnaires.PHQ9_ANSWERS:
            errors.add(f"phq9_{item['linkId']}", "Choose an answer.")
        else:
            answers[item["linkId"]] = answer
    if data.difficulty and data.difficulty not in questionnaires.DIFFICULTY:
        errors.add("difficulty", "Choose from the listed values.")
    note = note_text(errors, "note", data.note, required=False)
    conditions = checks.code_list(errors, "conditions", data.conditions, codes.ICD10)

    def build(refs: Refs) -> list[dict[str, Any]]:
        refs_qr = {
            "subject": refs.subject,
            "encounter": refs.encounter,
            "when": refs.when,
            "author": refs.author,
        }
        response = questionnaires.phq9_response(answers, data.difficulty or None, refs_qr)
        score = questionnaires.phq9_score(answers)
        band = codes.Code(codes.local("phq-9-severity"), score.band, score.label)
        total = docs.observation(
            refs,
            codes.loinc("44261-6"),
            valueInteger=score.total,
            interpretation=[band.concept()],
        )
        out = [response, total]
        if note:
            out.append(
                docs.composition(refs, "Mental-health evaluation", "11506-3", [("51848-0", note)])
            )
        out += [docs.condition(refs, c) for c in conditions]
        return out

    return chart(
        actor=actor,
        data=data.encounter,
        type_code="mental-health-evaluation",
        errors=errors,
        build=build,
    )
