"""Display names for the codes the chart shows, and how it groups them: the encounter
types of `{FHIR_BASE}/CodeSystem/encounter-type` by kind (medical, dental, mental
health), the LOINC vital signs it lists and draws, and a coding's best name.

A coding's own `display` wins; these tables name the codes that arrive without one.
"""

from __future__ import annotations

from collections.abc import Iterable
from enum import StrEnum
from typing import Any

LOINC = "http://loinc.org"


class Kind(StrEnum):
    MEDICAL = "medical"
    DENTAL = "dental"
    MENTAL_HEALTH = "mental-health"


KIND_LABELS = {Kind.MEDICAL: "Medical", Kind.DENTAL: "Dental", Kind.MENTAL_HEALTH: "Mental health"}

# {FHIR_BASE}/CodeSystem/encounter-type: code → (display, kind)
ENCOUNTER_TYPES: dict[str, tuple[str, Kind]] = {
    "intake-screening": ("Intake health screening", Kind.MEDICAL),
    "health-assessment": ("Comprehensive health assessment", Kind.MEDICAL),
    "sick-call-triage": ("Sick-call triage", Kind.MEDICAL),
    "sick-call-visit": ("Sick-call visit", Kind.MEDICAL),
    "soap": ("Clinical note (SOAP)", Kind.MEDICAL),
    "follow-up": ("Follow-up visit", Kind.MEDICAL),
    "transfer-summary": ("Transfer medical summary", Kind.MEDICAL),
    "dental-screening": ("Dental screening", Kind.DENTAL),
    "dental": ("Dental encounter", Kind.DENTAL),
    "dental-encounter": ("Dental encounter", Kind.DENTAL),
    "mental-health-evaluation": ("Mental-health evaluation", Kind.MENTAL_HEALTH),
    "mental-health": ("Mental-health encounter", Kind.MENTAL_HEALTH),
    "therapy": ("Therapy session", Kind.MENTAL_HEALTH),
    "suicide-watch-check": ("Suicide-watch check", Kind.MENTAL_HEALTH),
}


class Vital(StrEnum):
    """The vital signs the chart lists (LOINC codes)."""

    BLOOD_PRESSURE = "85354-9"
    SYSTOLIC = "8480-6"
    DIASTOLIC = "8462-4"
    PULSE = "8867-4"
    RESPIRATORY_RATE = "9279-1"
    TEMPERATURE = "8310-5"
    OXYGEN_SATURATION = "59408-5"
    OXYGEN_SATURATION_ARTERIAL = "2708-6"
    WEIGHT = "29463-7"
    HEIGHT = "8302-2"
    BMI = "39156-5"


VITAL_NAMES = {
    Vital.BLOOD_PRESSURE: "Blood pressure",
    Vital.SYSTOLIC: "Systolic blood pressure",
    Vital.DIASTOLIC: "Diastolic blood pressure",
    Vital.PULSE: "Pulse",
    Vital.RESPIRATORY_RATE: "Respiratory rate",
    Vital.TEMPERATURE: "Body temperature",
    Vital.OXYGEN_SATURATION: "Oxygen saturation",
    Vital.OXYGEN_SATURATION_ARTERIAL: "Oxygen saturation",
    Vital.WEIGHT: "Body weight",
    Vital.HEIGHT: "Body height",
    Vital.BMI: "Body mass index",
}

# languages the demo and intake use most (ISO 639-1), else the code itself
LANGUAGES = {
    "en": "English",
    "es": "Spanish",
    "fr": "French",
    "pt": "Portuguese",
    "ht": "Haitian Creole",
    "zh": "Chinese",
    "ar": "Arabic",
    "ru": "Russian",
    "hi": "Hindi",
    "pa": "Punjabi",
    "vi": "Vietnamese",
    "ro": "Romanian",
    "tr": "Turkish",
    "uk": "Ukrainian",
    "ti": "Tigrinya",
    "so": "Somali",
    "ne": "Nepali",
    "bn": "Bengali",
    "wo": "Wolof",
    "quc": "K'iche'",
    "mam": "Mam",
}


def codings(concept: Any) -> list[dict[str, Any]]:
    if not isinstance(concept, dict):
        return []
    return [c for c in concept.get("coding") or () if isinstance(c, dict)]


def concept_name(concept: Any, names: dict[str, str] | None = None) -> str:
    """A CodeableConcept's name: its text, a coding's display, a known name of a code,
    else the first code (never empty: "Not coded")."""
    if not isinstance(concept, dict):
        return "Not coded"
    if isinstance(concept.get("text"), str) and concept["text"]:
        return str(concept["text"])
    found = codings(concept)
    for coding in found:
        if coding.get("display"):
            return str(coding["display"])
    for coding in found:
        if names and coding.get("code") in names:
            return names[coding["code"]]
    return str(found[0].get("code")) if found and found[0].get("code") else "Not coded"


def has_code(concept: Any, codes: Iterable[str], system: str | None = None) -> str | None:
    """The first of `codes` the concept carries (in `system` when given)."""
    wanted = set(codes)
    for coding in codings(concept):
        if coding.get("code") in wanted and (system is None or coding.get("system") == system):
            return str(coding["code"])
    return None


def encounter_kind(encounter: dict[str, Any], encounter_system: str) -> tuple[str, Kind]:
    """(display name, kind) of an Encounter from its type codes; an Encounter without a
    known type is medical, named by its type's text or class."""
    for concept in encounter.get("type") or ():
        for coding in codings(concept):
            code = coding.get("code")
            if coding.get("system") == encounter_system and code in ENCOUNTER_TYPES:
                display, kind = ENCOUNTER_TYPES[code]
                return str(coding.get("display") or display), kind
    types = encounter.get("type") or []
    if types:
        return concept_name(types[0]), Kind.MEDICAL
    klass = encounter.get("class")
    name = klass.get("display") or klass.get("code") if isinstance(klass, dict) else None
    return str(name or "Encounter"), Kind.MEDICAL


def language_name(code: str) -> str:
    base = code.split("-")[0].lower()
    return LANGUAGES.get(base, code)
