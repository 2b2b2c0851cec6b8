"""The scored questionnaires: PHQ-9 (HL7's official example Questionnaire, shipped in
`data/`) and the intake suicide-risk screener (ours, after the NIMH ASQ items), their
scoring, and the QuestionnaireResponses the forms write.

HL7's example PHQ-9 lists eight of the nine scored items: the stored copy adds item 9
(LOINC 44260-8, thoughts of self-harm), without which the score cannot reach 27 nor
the question that matters most in detention be asked. The shipped file is unchanged.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import Any

from health.charting import codes
from health.fhir import incoming, store, writes
from health.fhir.services import fhir_base

PHQ9_ID = "phq-9-questionnaire"
SCREENER_ID = "suicide-risk-screener"

# LOINC answer list LL358-3: the frequency answers and their scores
PHQ9_ANSWERS = {
    "LA6568-5": ("Not at all", 0),
    "LA6569-3": ("Several days", 1),
    "LA6570-1": ("More than half the days", 2),
    "LA6571-9": ("Nearly every day", 3),
}
# LOINC answer list LL417-7 for the difficulty question (not scored)
DIFFICULTY = {
    "LA6572-7": "Not difficult at all",
    "LA6573-5": "Somewhat difficult",
    "LA6575-0": "Very difficult",
    "LA6574-3": "Extremely difficult",
}
ITEM9 = {
    "linkId": "SelfHarm",
    "code": [{"system": codes.LOINC, "code": "44260-8"}],
    "text": "Thoughts that you would be better off dead, or of hurting yourself in some way",
    "type": "choice",
    "required": True,
    "answerValueSet": "http://loinc.org/vs/LL358-3",
}
SEVERITY = (
    (4, "minimal", "Minimal depression"),
    (9, "mild", "Mild depression"),
    (14, "moderate", "Moderate depression"),
    (19, "moderately-severe", "Moderately severe depression"),
    (27, "severe", "Severe depression"),
)

SCREENER_ITEMS = {
    "wished-dead": "In the past few weeks, have you wished you were dead?",
    "better-off-dead": (
        "In the past few weeks, have you felt that you or your family would be better off "
        "if you were dead?"
    ),
    "thoughts": "In the past week, have you been having thoughts about killing yourself?",
    "attempt": "Have you ever tried to kill yourself?",
    "now": "Are you having thoughts of killing yourself right now?",
}


def phq9_items() -> list[dict[str, Any]]:
    """The scored items in order (the official eight, then item 9)."""
    items = codes.phq9_questionnaire()["item"]
    scored = [i for i in items if i["linkId"] not in ("TotalScore", "Difficulty")]
    return [*scored, ITEM9]


def phq9_document() -> dict[str, Any]:
    document = copy.deepcopy(codes.phq9_questionnaire())
    items = document["item"]
    at = next(i for i, item in enumerate(items) if item["linkId"] == "TotalScore")
    items.insert(at, copy.deepcopy(ITEM9))
    document["url"] = f"{fhir_base()}/Questionnaire/{PHQ9_ID}"
    return document


def screener_document() -> dict[str, Any]:
    return {
        "resourceType": "Questionnaire",
        "id": SCREENER_ID,
        "url": f"{fhir_base()}/Questionnaire/{SCREENER_ID}",
        "name": "SuicideRiskScreener",
        "title": "Intake suicide-risk screener",
        "status": "active",
        "subjectType": ["Patient"],
        "description": (
            "Five yes/no questions after the NIMH Ask Suicide-Screening Questions (ASQ). "
            "Any yes to the first four is a positive screen; yes to the fifth is acute."
        ),
        "item": [
            *(
                {"linkId": key, "text": text, "type": "boolean", "required": True}
                for key, text in SCREENER_ITEMS.items()
            ),
            {"linkId": "score", "text": "Number of yes answers", "type": "integer"},
        ],
    }


def ensure_questionnaires() -> list[writes.Pending]:
    """The Questionnaires the forms answer, to be written with them when the store lacks
    them (shared reference data: no patient's compartment). In the caller's unit."""
    pendings = []
    for resource_id, build in ((PHQ9_ID, phq9_document), (SCREENER_ID, screener_document)):
        current = store.current("Questionnaire", resource_id)  # no lock: written once
        if current is None or current.is_deleted:
            document = build()
            document["id"] = resource_id
            pendings.append(incoming.pending_update("Questionnaire", resource_id, document, None))
    return pendings


@dataclass(frozen=True)
class Phq9Score:
    total: int
    band: str
    label: str


def phq9_score(answers: dict[str, str]) -> Phq9Score:
    """The total (0–27) of the nine answers (LOINC answer codes) and its severity band."""
    total = sum(PHQ9_ANSWERS[answers[item["linkId"]]][1] for item in phq9_items())
    band, label = next((b, lab) for top, b, lab in SEVERITY if total <= top)
    return Phq9Score(total, band, label)


def phq9_response(
    answers: dict[str, str], difficulty: str | None, refs: dict[str, Any]
) -> dict[str, Any]:
    score = phq9_score(answers)
    items = [
        {
            "linkId": item["linkId"],
            "text": item["text"],
            "answer": [{"valueCoding": _answer(answers[item["linkId"]])}],
        }
        for item in phq9_items()
    ]
    items.append(
        {"linkId": "TotalScore", "text": "Total score", "answer": [{"valueInteger": score.total}]}
    )
    if difficulty:
        items.append(
            {
                "linkId": "Difficulty",
                "answer": [
                    {
                        "valueCoding": {
                            "system": codes.LOINC,
                            "code": difficulty,
                            "display": DIFFICULTY[difficulty],
                        }
                    }
                ],
            }
        )
    return _response(f"{fhir_base()}/Questionnaire/{PHQ9_ID}", items, refs)


def _answer(code: str) -> dict[str, Any]:
    label, value = PHQ9_ANSWERS[code]
    return {"system": codes.LOINC, "code": code, "display": label, "extension": [_ordinal(value)]}


def _ordinal(value: int) -> dict[str, Any]:
    return {"url": "http://hl7.org/fhir/StructureDefinition/ordinalValue", "valueDecimal": value}


def screener_score(answers: dict[str, bool]) -> tuple[int, str]:
    """(number of yes answers, result): negative, positive (non-acute) or acute."""
    total = sum(1 for value in answers.values() if value)
    if answers.get("now"):
        return total, "acute"
    return total, "positive" if total else "negative"


def screener_response(answers: dict[str, bool], refs: dict[str, Any]) -> dict[str, Any]:
    total, _ = screener_score(answers)
    items = [
        {"linkId": key, "text": text, "answer": [{"valueBoolean": bool(answers.get(key))}]}
        for key, text in SCREENER_ITEMS.items()
    ]
    items.append({"linkId": "score", "answer": [{"valueInteger": total}]})
    return _response(f"{fhir_base()}/Questionnaire/{SCREENER_ID}", items, refs)


def _response(questionnaire: str, items: list[dict[str, Any]], refs: dict[str, Any]) -> dict:
    return {
        "resourceType": "QuestionnaireResponse",
        "questionnaire": questionnaire,
        "status": "completed",
        "subject": refs["subject"],
        "encounter": refs["encounter"],
        "authored": refs["when"],
        "author": refs["author"],
        "item": items,
    }
