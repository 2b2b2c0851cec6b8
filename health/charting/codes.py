"""The code systems the charting forms use, shipped as data or a package: ICD-10-CM
(the simple-icd-10-cm package), a LOINC subset and a CVX subset (JSON in `data/`, with
their source and date), and our own small vocabularies under the canonical base
(`{FHIR_BASE}/CodeSystem/<name>`: encounter types, screening items, tooth numbers).

`search(system, text)` answers the as-you-type lookups; `display(system, code)` says
whether a code exists (None when not) and how it reads.
"""

from __future__ import annotations

import functools
import importlib
import json
import re
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from health.fhir.services import fhir_base

DATA = Path(__file__).parent / "data"


@functools.cache
def _icd() -> Any:
    """simple-icd-10-cm, loaded on the first ICD-10-CM lookup: importing it builds its
    whole code table (about 165 MB resident), which a process that never codes a
    problem (an export worker, a web worker before its first charting form) should not
    carry. It reads its data with a deprecated importlib call: that warning is muted."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return importlib.import_module("simple_icd_10_cm")


ICD10 = "http://hl7.org/fhir/sid/icd-10-cm"
LOINC = "http://loinc.org"
CVX = "http://hl7.org/fhir/sid/cvx"
SNOMED = "http://snomed.info/sct"
UCUM = "http://unitsofmeasure.org"
BCP47 = "urn:ietf:bcp:47"

# the systems searchable as you type, by the short name the pages use
SEARCHABLE = {"icd10": ICD10, "loinc": LOINC, "cvx": CVX}
MAX_RESULTS = 20


def local(name: str) -> str:
    """One of our code systems: `{FHIR_BASE}/CodeSystem/<name>`."""
    return f"{fhir_base()}/CodeSystem/{name}"


def structure(name: str) -> str:
    return f"{fhir_base()}/StructureDefinition/{name}"


ENCOUNTER_TYPES = {
    "intake-screening": "Intake health screening",
    "health-assessment": "Comprehensive health assessment",
    "dental-screening": "Dental screening",
    "dental": "Dental encounter",
    "mental-health-evaluation": "Mental-health evaluation",
    "follow-up": "Clinical follow-up",
}
# the same codes and wording as the sick-call pages (one CodeSystem)
INTERPRETER_MODES = {
    "none": "No interpreter: we share a language",
    "in-person": "In person",
    "telephone": "Telephone",
    "video": "Video",
}
# screening items with no code of their own in the shipped subsets: {base}/CodeSystem/screening
SCREENING = {
    "tb-symptom-screen": "Tuberculosis symptom screen",
    "withdrawal-risk": "Withdrawal risk",
    "disability": "Disability",
    "accommodation": "Accommodations needed",
    "suicide-risk-screen": "Suicide-risk screen",
    "phq-9-severity": "PHQ-9 severity",
    "dental-urgency": "Dental treatment urgency",
}
TB_SYMPTOMS = {
    "cough-3-weeks": "Cough for 3 weeks or more",
    "hemoptysis": "Coughing up blood",
    "fever": "Fever",
    "night-sweats": "Night sweats",
    "weight-loss": "Unexplained weight loss",
}
WITHDRAWAL_RISKS = {"none": "None", "low": "Low", "moderate": "Moderate", "high": "High"}
SUBSTANCES = {
    "alcohol": "Alcohol",
    "opioids": "Opioids",
    "benzodiazepines": "Benzodiazepines",
    "stimulants": "Stimulants",
}
DISABILITIES = {
    "mobility": "Mobility",
    "hearing": "Hearing",
    "vision": "Vision",
    "cognitive": "Cognitive",
    "speech": "Speech",
}
ACCOMMODATIONS = {
    "lower-bunk": "Lower bunk",
    "accessible-cell": "Accessible cell",
    "mobility-aid": "Wheelchair, cane or walker",
    "hearing-aid": "Hearing aid or sign-language interpreter",
    "large-print": "Large print or reader",
}
# SNOMED CT answers of LOINC 82810-3 Pregnancy status (as US Core uses them)
PREGNANCY = {
    "77386006": "Pregnant",
    "60001007": "Not pregnant",
    "261665006": "Unknown",
}
DENTAL_URGENCY = {
    "routine": "Routine",
    "soon": "Needs treatment within 30 days",
    "urgent": "Urgent",
}
# dental findings by tooth, as ICD-10-CM codes
DENTAL_FINDINGS = {
    "K02.9": "Dental caries, unspecified",
    "K04.7": "Periapical abscess without sinus",
    "K03.81": "Cracked tooth",
    "K08.409": "Partial loss of teeth, unspecified cause, unspecified class",
    "K05.30": "Chronic periodontitis, unspecified",
    "K08.9": "Disorder of teeth and supporting structures, unspecified",
}
# Universal numbering: permanent teeth 1 to 32, primary teeth A to T
TEETH = {str(n): f"Tooth {n}" for n in range(1, 33)} | {
    chr(c): f"Primary tooth {chr(c)}" for c in range(ord("A"), ord("T") + 1)
}


@dataclass(frozen=True)
class Code:
    system: str
    code: str
    display: str

    def concept(self) -> dict[str, Any]:
        """A CodeableConcept with this one coding."""
        return {
            "coding": [{"system": self.system, "code": self.code, "display": self.display}],
            "text": self.display,
        }


@functools.cache
def _table(name: str) -> dict[str, Any]:
    with (DATA / name).open(encoding="utf-8") as handle:
        table: dict[str, Any] = json.load(handle)
    return table


def _listed(name: str) -> dict[str, str]:
    return {code: label for code, label in _table(name)["codes"]}


def loinc(code: str) -> Code:
    """A LOINC code of the shipped subset (KeyError for any other)."""
    return Code(LOINC, code, _listed("loinc.json")[code])


def coded(name: str, code: str, vocabulary: dict[str, str]) -> Code:
    """A code of one of our own code systems."""
    return Code(local(name), code, vocabulary[code])


def display(system: str, code: str) -> str | None:
    """How `code` of `system` reads; None when it is not a code of it (ICD-10-CM: only
    billable codes, the leaves, are taken)."""
    code = code.strip()
    if system == ICD10:
        code = code.upper()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            icd = _icd()
            if not icd.is_valid_item(code) or not icd.is_leaf(code):
                return None
            return str(icd.get_description(code))
    table = {LOINC: "loinc.json", CVX: "cvx.json"}.get(system)
    return None if table is None else _listed(table).get(code)


def lookup(system: str, code: str) -> Code | None:
    label = display(system, code)
    if label is None:
        return None
    return Code(system, code.strip().upper() if system == ICD10 else code.strip(), label)


@functools.cache
def _icd_index() -> tuple[tuple[str, str, str], ...]:
    """(code, description, lower-case description) of every billable ICD-10-CM code."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        rows = []
        icd = _icd()
        for code in icd.get_all_codes(with_dots=True):
            if icd.is_leaf(code):
                description = str(icd.get_description(code))
                rows.append((str(code), description, description.lower()))
    return tuple(rows)


def _words(text: str) -> list[str]:
    return [w for w in re.split(r"[^a-z0-9.]+", text.lower()) if w]


def search(system: str, text: str, limit: int = MAX_RESULTS) -> list[Code]:
    """Codes whose code starts with `text` or whose description holds every word of it;
    codes first, then descriptions, each in the table's order."""
    words = _words(text)
    if not words:
        return []
    if system == ICD10:
        rows: Any = _icd_index()
    else:
        table = {LOINC: "loinc.json", CVX: "cvx.json"}.get(system)
        if table is None:
            return []
        rows = [(c, d, d.lower()) for c, d in _listed(table).items()]
    prefix = text.strip().upper()
    by_code = [r for r in rows if r[0].upper().startswith(prefix)]
    by_words = [r for r in rows if all(w in r[2] for w in words) and r not in by_code]
    return [Code(system, code, label) for code, label, _ in [*by_code, *by_words][:limit]]


def source_of(system: str) -> str:
    """Where a shipped subset comes from and when it was taken (for the pages and docs)."""
    if system == ICD10:
        return "ICD-10-CM, from the simple-icd-10-cm package"
    table = _table({LOINC: "loinc.json", CVX: "cvx.json"}[system])
    return f"{table['source']} ({table['date']})"


@functools.cache
def phq9_questionnaire() -> dict[str, Any]:
    """The official PHQ-9 Questionnaire (HL7's example resource), as shipped."""
    return dict(_table("Questionnaire-phq-9-questionnaire.json"))
