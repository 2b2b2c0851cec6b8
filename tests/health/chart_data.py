"""A synthetic clinical history for one patient (the chart's tests and screenshots):
problems, medications, vitals on three dates, an immunization, medical, dental and
mental-health encounters, a restricted therapy note, custody-visible and clinical-only
flags. `history(pid)` returns (documents, restricted documents)."""

from __future__ import annotations

from typing import Any

BASE = "https://custodia.dev/fhir"
ENCOUNTER_TYPE = f"{BASE}/CodeSystem/encounter-type"
CUSTODY_ALERT = f"{BASE}/CodeSystem/custody-alert"
LOINC = "http://loinc.org"
PSY = {"system": "http://terminology.hl7.org/CodeSystem/v3-ActCode", "code": "PSYTHPN"}
DATES = ("2026-11-02T15:00:00Z", "2026-11-12T16:30:00Z", "2026-11-25T14:15:00Z")
BP = ((142, 91), (134, 86), (128, 82))
PULSE = (96, 84, 76)
WEIGHT = (81.4, 80.2, 79.5)


def _ref(pid: str) -> dict[str, str]:
    return {"reference": f"Patient/{pid}"}


def _quantity(value: float, unit: str, code: str) -> dict[str, Any]:
    return {"value": value, "unit": unit, "system": "http://unitsofmeasure.org", "code": code}


def _vital(pid: str, code: str, display: str, when: str, **value: Any) -> dict[str, Any]:
    return {
        "resourceType": "Observation",
        "status": "final",
        "category": [
            {
                "coding": [
                    {
                        "system": "http://terminology.hl7.org/CodeSystem/observation-category",
                        "code": "vital-signs",
                    }
                ]
            }
        ],
        "code": {"coding": [{"system": LOINC, "code": code, "display": display}]},
        "subject": _ref(pid),
        "effectiveDateTime": when,
        **value,
    }


def vitals(pid: str) -> list[dict[str, Any]]:
    found = []
    for when, (systolic, diastolic), pulse, weight in zip(DATES, BP, PULSE, WEIGHT, strict=True):
        found.append(
            _vital(
                pid,
                "85354-9",
                "Blood pressure panel with all children optional",
                when,
                component=[
                    {
                        "code": {"coding": [{"system": LOINC, "code": "8480-6"}]},
                        "valueQuantity": _quantity(systolic, "mmHg", "mm[Hg]"),
                    },
                    {
                        "code": {"coding": [{"system": LOINC, "code": "8462-4"}]},
                        "valueQuantity": _quantity(diastolic, "mmHg", "mm[Hg]"),
                    },
                ],
            )
        )
        found.append(
            _vital(
                pid, "8867-4", "Heart rate", when, valueQuantity=_quantity(pulse, "/min", "/min")
            )
        )
        found.append(
            _vital(pid, "29463-7", "Body weight", when, valueQuantity=_quantity(weight, "kg", "kg"))
        )
    return found


def encounter(pid: str, code: str, display: str, when: str, **extra: Any) -> dict[str, Any]:
    return {
        "resourceType": "Encounter",
        "status": "finished",
        "class": {
            "system": "http://terminology.hl7.org/CodeSystem/v3-ActCode",
            "code": "AMB",
            "display": "ambulatory",
        },
        "type": [{"coding": [{"system": ENCOUNTER_TYPE, "code": code, "display": display}]}],
        "subject": _ref(pid),
        "period": {"start": when, "end": when},
        **extra,
    }


def flag(pid: str, code: str | None, reason: str, system: str = CUSTODY_ALERT) -> dict[str, Any]:
    concept: dict[str, Any] = {"text": reason}
    if code:
        concept["coding"] = [{"system": system, "code": code}]
    return {
        "resourceType": "Flag",
        "status": "active",
        "code": concept,
        "subject": _ref(pid),
        "period": {"start": DATES[0]},
        "extension": [{"url": f"{BASE}/StructureDefinition/flag-reason", "valueString": reason}],
    }


def history(pid: str) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    icd = "http://hl7.org/fhir/sid/icd-10-cm"
    rxnorm = "http://www.nlm.nih.gov/research/umls/rxnorm"
    active = {
        "coding": [
            {
                "system": "http://terminology.hl7.org/CodeSystem/condition-clinical",
                "code": "active",
            }
        ]
    }
    resolved = {
        "coding": [
            {
                "system": "http://terminology.hl7.org/CodeSystem/condition-clinical",
                "code": "resolved",
            }
        ]
    }
    documents: list[dict[str, Any]] = [
        {
            "resourceType": "Condition",
            "clinicalStatus": active,
            "code": {
                "coding": [
                    {"system": icd, "code": "I10", "display": "Essential (primary) hypertension"}
                ]
            },
            "subject": _ref(pid),
            "onsetDateTime": "2026-11-02",
        },
        {
            "resourceType": "Condition",
            "clinicalStatus": active,
            "code": {
                "coding": [{"system": icd, "code": "E11.9"}],
                "text": "Type 2 diabetes mellitus",
            },
            "subject": _ref(pid),
        },
        {
            "resourceType": "Condition",
            "clinicalStatus": resolved,
            "code": {
                "coding": [
                    {"system": icd, "code": "J06.9", "display": "Acute upper respiratory infection"}
                ]
            },
            "subject": _ref(pid),
        },
        {
            "resourceType": "MedicationRequest",
            "status": "active",
            "intent": "order",
            "medicationCodeableConcept": {
                "coding": [
                    {"system": rxnorm, "code": "314076", "display": "Lisinopril 10 MG Oral Tablet"}
                ]
            },
            "subject": _ref(pid),
            "authoredOn": "2026-11-02",
            "dosageInstruction": [{"text": "1 tablet by mouth once daily"}],
        },
        {
            "resourceType": "MedicationRequest",
            "status": "stopped",
            "intent": "order",
            "medicationCodeableConcept": {"text": "Amoxicillin 500 MG"},
            "subject": _ref(pid),
        },
        {
            "resourceType": "MedicationStatement",
            "status": "active",
            "medicationCodeableConcept": {
                "coding": [
                    {"system": rxnorm, "code": "860975", "display": "Metformin 500 MG Oral Tablet"}
                ]
            },
            "subject": _ref(pid),
            "effectiveDateTime": "2026-11-02",
            "dosage": [{"text": "twice daily with meals"}],
        },
        {
            "resourceType": "AllergyIntolerance",
            "clinicalStatus": {
                "coding": [
                    {
                        "system": "http://terminology.hl7.org/CodeSystem/allergyintolerance-clinical",
                        "code": "active",
                    }
                ]
            },
            "criticality": "high",
            "code": {"coding": [{"system": rxnorm, "code": "7980", "display": "Penicillin G"}]},
            "patient": _ref(pid),
        },
        {
            "resourceType": "Immunization",
            "status": "completed",
            "vaccineCode": {
                "coding": [
                    {
                        "system": "http://hl7.org/fhir/sid/cvx",
                        "code": "140",
                        "display": "Influenza, seasonal, injectable, preservative free",
                    }
                ]
            },
            "patient": _ref(pid),
            "occurrenceDateTime": "2026-11-12",
        },
        encounter(pid, "intake-screening", "Intake health screening", DATES[0]),
        encounter(pid, "dental-screening", "Dental screening", DATES[1]),
        encounter(pid, "health-assessment", "Comprehensive health assessment", DATES[1]),
        encounter(
            pid,
            "mental-health-evaluation",
            "Mental-health evaluation",
            DATES[2],
            reasonCode=[{"text": "Referral after intake screening"}],
        ),
        *vitals(pid),
        flag(pid, "lower-bunk", "Seizure disorder: fall risk from an upper bunk"),
        flag(pid, "diet", "Diabetic diet"),
        flag(pid, None, "Latex sensitivity: use nitrile gloves"),
    ]
    restricted = [
        {
            "resourceType": "DocumentReference",
            "meta": {"security": [PSY]},
            "status": "current",
            "type": {"text": "Psychotherapy session note"},
            "subject": _ref(pid),
            "date": "2026-11-26T15:00:00Z",
            "description": "Therapy session 1",
            "content": [{"attachment": {"contentType": "text/plain", "data": "U2Vzc2lvbiBub3Rl"}}],
        }
    ]
    return documents, restricted
