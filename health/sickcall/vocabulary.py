"""The sick-call vocabulary: the contract's codes, our local code systems and
extensions (all under the configurable canonical base, `health.fhir.services.fhir_base`),
and the labels the pages show. Plain module: services, forms and views share it."""

from __future__ import annotations

import datetime as dt
import functools
import re

from babel import Locale

from health.fhir.services import fhir_base

# The contract's codes ({base}/CodeSystem/encounter-type): the request opens the
# sick-call-triage clock at authoredOn; the Encounters close the two clocks.
SICK_CALL = "sick-call"
TRIAGE = "sick-call-triage"
VISIT = "sick-call-visit"
CODE_DISPLAY = {
    SICK_CALL: "Sick-call request",
    TRIAGE: "Sick-call triage",
    VISIT: "Sick-call visit",
}

TRIAGE_DUE = dt.timedelta(hours=24)  # request received → triaged (NCCHC J-E-07 practice)
VISIT_DUE = dt.timedelta(hours=24)  # triage → seen by a clinician (to confirm)

# ServiceRequest.priority (FHIR request-priority)
PRIORITIES = {
    "routine": "Routine",
    "urgent": "Urgent",
    "asap": "As soon as possible",
    "stat": "Stat",
}
# Encounter.priority (v3 ActPriority) for the same choice
ACT_PRIORITY = {"routine": "R", "urgent": "UR", "asap": "A", "stat": "S"}
ACT_PRIORITY_SYSTEM = "http://terminology.hl7.org/CodeSystem/v3-ActPriority"
ACT_CODE_SYSTEM = "http://terminology.hl7.org/CodeSystem/v3-ActCode"

# How the request reached staff ({base}/CodeSystem/sick-call-channel)
CHANNELS = {"paper-slip": "Paper slip", "verbal": "Told to staff", "tablet": "Tablet"}

# The triage's outcome ({base}/CodeSystem/sick-call-disposition)
SCHEDULE_VISIT = "schedule-visit"
DISPOSITIONS = {
    SCHEDULE_VISIT: "Schedule a sick-call visit",
    "refer": "Refer (mental health, dental, specialist, emergency)",
    "no-visit": "No visit needed",
}

# How the interpreter took part ({base}/CodeSystem/interpreter-mode); "none": the
# clinician and the person share a language.
INTERPRETER_MODES = {
    "none": "No interpreter: we share a language",
    "in-person": "In person",
    "telephone": "Telephone",
    "video": "Video",
}

# SOAP sections of the visit note (LOINC)
LOINC = "http://loinc.org"
NOTE_TYPE = ("11506-3", "Progress note")
SOAP_SECTIONS = (
    ("subjective", "61150-9", "Subjective"),
    ("objective", "61149-1", "Objective"),
    ("assessment", "51848-0", "Assessment"),
    ("plan", "18776-5", "Plan"),
)

# The standard extension for the language of a string element.
LANGUAGE_EXTENSION = "http://hl7.org/fhir/StructureDefinition/language"
LANGUAGE_SYSTEM = "urn:ietf:bcp:47"


def code_system(name: str) -> str:
    return f"{fhir_base()}/CodeSystem/{name}"


def extension_url(name: str) -> str:
    return f"{fhir_base()}/StructureDefinition/{name}"


def encounter_type_system() -> str:
    return code_system("encounter-type")


def coding(code: str) -> dict[str, str]:
    """A Coding of the contract's encounter-type CodeSystem."""
    return {"system": encounter_type_system(), "code": code, "display": CODE_DISPLAY[code]}


# --- languages (BCP-47 primary tags, named in English) -------------------------------

_CODE = re.compile(r"^[a-z]{2,3}$")
# ISO 639-3 languages often spoken in detention that CLDR does not name
EXTRA_LANGUAGES = {
    "mam": "Mam",
    "kjb": "Q'anjob'al",
    "acr": "Achi",
    "cac": "Chuj",
    "ixl": "Ixil",
    "jac": "Popti'",
    "tzo": "Tzotzil",
}
# offered first: the languages most heard in ICE detention
COMMON = ("es", "en", "ht", "pt", "fr", "zh", "hi", "pa", "ru", "ar", "mam", "quc", "kjb")


@functools.cache
def languages() -> dict[str, str]:
    """Language code → English name: the common ones first, then all by name."""
    names = {c: n for c, n in Locale("en").languages.items() if _CODE.match(c)}
    names.update(EXTRA_LANGUAGES)
    rest = sorted((c for c in names if c not in COMMON), key=lambda c: names[c])
    return {code: names[code] for code in (*COMMON, *rest)}


def language_name(code: str | None) -> str:
    return languages().get(code or "", code or "—")
