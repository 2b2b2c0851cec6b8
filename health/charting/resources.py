"""The FHIR documents the forms write (plain dicts; the store validates them). Each
takes the `Refs` of its encounter: subject, encounter, author and time."""

from __future__ import annotations

import html
from decimal import Decimal
from typing import Any

from health.charting import codes
from health.charting.codes import Code
from health.charting.encounter import Refs
from health.charting.inputs import AllergyIn, MedicationIn, VitalsIn

OBS_CATEGORY = "http://terminology.hl7.org/CodeSystem/observation-category"
CLINICAL = "http://terminology.hl7.org/CodeSystem/condition-clinical"
VERIFICATION = "http://terminology.hl7.org/CodeSystem/condition-ver-status"
CONDITION_CATEGORY = "http://terminology.hl7.org/CodeSystem/condition-category"
ALLERGY_CLINICAL = "http://terminology.hl7.org/CodeSystem/allergyintolerance-clinical"
ALLERGY_VERIFICATION = "http://terminology.hl7.org/CodeSystem/allergyintolerance-verification"
NO_KNOWN_ALLERGY = Code(codes.SNOMED, "716186003", "No known allergy")

# LOINC code, vitals field, UCUM unit, unit shown
VITALS = (
    ("8867-4", "pulse", "/min", "beats/minute"),
    ("8310-5", "temperature_f", "[degF]", "°F"),
    ("9279-1", "respiratory_rate", "/min", "breaths/minute"),
    ("59408-5", "spo2", "%", "%"),
    ("29463-7", "weight_lb", "[lb_av]", "lb"),
    ("8302-2", "height_in", "[in_i]", "in"),
)


def _category(code: str, system: str = OBS_CATEGORY) -> list[dict[str, Any]]:
    return [{"coding": [{"system": system, "code": code}]}]


def observation(refs: Refs, code: Code, category: str = "survey", **value: Any) -> dict[str, Any]:
    return {
        "resourceType": "Observation",
        "status": "final",
        "category": _category(category),
        "code": code.concept(),
        "subject": refs.subject,
        "encounter": refs.encounter,
        "effectiveDateTime": refs.when,
        "performer": [refs.author],
        **value,
    }


def quantity(value: int | Decimal, unit: str, shown: str) -> dict[str, Any]:
    number = int(value) if isinstance(value, int) else float(value)
    return {"value": number, "unit": shown, "system": codes.UCUM, "code": unit}


def vitals(refs: Refs, data: VitalsIn) -> list[dict[str, Any]]:
    """LOINC-coded vital signs (FHIR vital-signs profile codes, UCUM units): the blood
    pressure as one panel with its two components."""
    documents = []
    if data.systolic is not None and data.diastolic is not None:
        components = [
            {"code": codes.loinc(code).concept(), "valueQuantity": quantity(v, "mm[Hg]", "mmHg")}
            for code, v in (("8480-6", data.systolic), ("8462-4", data.diastolic))
        ]
        documents.append(
            observation(refs, codes.loinc("85354-9"), "vital-signs", component=components)
        )
    for code, name, unit, shown in VITALS:
        value = getattr(data, name)
        if value is not None:
            documents.append(
                observation(
                    refs,
                    codes.loinc(code),
                    "vital-signs",
                    valueQuantity=quantity(value, unit, shown),
                )
            )
    return documents


def condition(refs: Refs, code: Code, *, body_site: Code | None = None, **extra: Any) -> dict:
    document: dict[str, Any] = {
        "resourceType": "Condition",
        "clinicalStatus": {"coding": [{"system": CLINICAL, "code": "active"}]},
        "verificationStatus": {"coding": [{"system": VERIFICATION, "code": "confirmed"}]},
        "category": _category(
            "encounter-diagnosis" if refs.encounter else "problem-list-item", CONDITION_CATEGORY
        ),
        "code": code.concept(),
        "subject": refs.subject,
        "recordedDate": refs.when,
        "recorder": refs.author,
        **extra,
    }
    if refs.encounter:
        document["encounter"] = refs.encounter
    if body_site is not None:
        document["bodySite"] = [body_site.concept()]
    return document


def medication_statement(refs: Refs, medication: MedicationIn) -> dict[str, Any]:
    document: dict[str, Any] = {
        "resourceType": "MedicationStatement",
        "status": "active",
        "medicationCodeableConcept": {"text": medication.name},
        "subject": refs.subject,
        "context": refs.encounter,
        "dateAsserted": refs.when,
        "informationSource": refs.author,
    }
    if medication.dosage:
        document["dosage"] = [{"text": medication.dosage}]
    return document


def allergy(refs: Refs, item: AllergyIn) -> dict[str, Any]:
    document: dict[str, Any] = {
        "resourceType": "AllergyIntolerance",
        "clinicalStatus": {"coding": [{"system": ALLERGY_CLINICAL, "code": "active"}]},
        "verificationStatus": {"coding": [{"system": ALLERGY_VERIFICATION, "code": "unconfirmed"}]},
        "criticality": item.criticality,
        "code": {"text": item.substance},
        "patient": refs.subject,
        "recordedDate": refs.when,
        "recorder": refs.author,
    }
    if refs.encounter:
        document["encounter"] = refs.encounter
    if item.reaction:
        document["reaction"] = [{"manifestation": [{"text": item.reaction}]}]
    return document


def no_known_allergies(refs: Refs) -> dict[str, Any]:
    document = allergy(refs, AllergyIn(substance=""))
    document["code"] = NO_KNOWN_ALLERGY.concept()
    document["verificationStatus"]["coding"][0]["code"] = "confirmed"
    del document["criticality"]
    return document


def checklist(
    refs: Refs, item: str, chosen: tuple[str, ...], vocabulary: dict[str, str], name: str
) -> dict[str, Any]:
    """An Observation of one screening item whose components say which of
    `vocabulary` were found (true) or not (false)."""
    components = [
        {
            "code": codes.coded(name, key, vocabulary).concept(),
            "valueBoolean": key in chosen,
        }
        for key in vocabulary
    ]
    found = bool(chosen)
    return observation(
        refs,
        codes.coded("screening", item, codes.SCREENING),
        valueBoolean=found,
        component=components,
    )


def tooth(number: str) -> Code:
    return codes.coded("tooth-universal", number, codes.TEETH)


def composition(
    refs: Refs, title: str, type_code: str, sections: list[tuple[str, str]]
) -> dict[str, Any]:
    """A note: LOINC-typed Composition whose sections (LOINC code, text) are narrative."""
    return {
        "resourceType": "Composition",
        "status": "final",
        "type": codes.loinc(type_code).concept(),
        "subject": refs.subject,
        "encounter": refs.encounter,
        "date": refs.when,
        "author": [refs.author],
        "title": title,
        "section": [
            {
                "title": codes.loinc(code).display,
                "code": codes.loinc(code).concept(),
                "text": {"status": "generated", "div": narrative(text)},
            }
            for code, text in sections
            if text
        ],
    }


def narrative(text: str) -> str:
    paragraphs = "".join(f"<p>{html.escape(line)}</p>" for line in text.splitlines() if line)
    return f'<div xmlns="http://www.w3.org/1999/xhtml">{paragraphs or "<p></p>"}</div>'


def immunization(refs: Refs, vaccine: Code, occurred: str, lot: str) -> dict[str, Any]:
    document: dict[str, Any] = {
        "resourceType": "Immunization",
        "status": "completed",
        "vaccineCode": vaccine.concept(),
        "patient": refs.subject,
        "occurrenceDateTime": occurred,
        "recorded": refs.when,
        "primarySource": True,
        "performer": [{"actor": refs.author}],
    }
    if lot:
        document["lotNumber"] = lot
    return document
