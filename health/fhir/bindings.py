"""Required bindings the R4B models do not enforce: the coded values (status, intent,
gender, Encounter.class, ...) we rely on, checked against their value sets."""

from __future__ import annotations

from typing import Any

from health.fhir.errors import Issue, RuleViolation

_EVENT = (
    "preparation",
    "in-progress",
    "not-done",
    "on-hold",
    "stopped",
    "completed",
    "entered-in-error",
    "unknown",
)
_REQUEST = ("draft", "active", "on-hold", "revoked", "completed", "entered-in-error", "unknown")
_INTENT = (
    "proposal",
    "plan",
    "directive",
    "order",
    "original-order",
    "reflex-order",
    "filler-order",
    "instance-order",
    "option",
)
_FINANCIAL = ("active", "cancelled", "draft", "entered-in-error")

# (resource type, element) -> the codes of its required binding.
REQUIRED_CODES: dict[tuple[str, str], tuple[str, ...]] = {
    ("Patient", "gender"): ("male", "female", "other", "unknown"),
    ("Practitioner", "gender"): ("male", "female", "other", "unknown"),
    ("Observation", "status"): (
        "registered",
        "preliminary",
        "final",
        "amended",
        "corrected",
        "cancelled",
        "entered-in-error",
        "unknown",
    ),
    ("Encounter", "status"): (
        "planned",
        "arrived",
        "triaged",
        "in-progress",
        "onleave",
        "finished",
        "cancelled",
        "entered-in-error",
        "unknown",
    ),
    ("MedicationRequest", "status"): (
        "active",
        "on-hold",
        "cancelled",
        "completed",
        "entered-in-error",
        "stopped",
        "draft",
        "unknown",
    ),
    ("MedicationRequest", "intent"): _INTENT,
    ("MedicationAdministration", "status"): (
        "in-progress",
        "not-done",
        "on-hold",
        "completed",
        "entered-in-error",
        "stopped",
        "unknown",
    ),
    ("Immunization", "status"): ("completed", "entered-in-error", "not-done"),
    ("Procedure", "status"): _EVENT,
    ("QuestionnaireResponse", "status"): (
        "in-progress",
        "completed",
        "amended",
        "entered-in-error",
        "stopped",
    ),
    ("Flag", "status"): ("active", "inactive", "entered-in-error"),
    ("DocumentReference", "status"): ("current", "superseded", "entered-in-error"),
    ("DiagnosticReport", "status"): (
        "registered",
        "partial",
        "preliminary",
        "final",
        "amended",
        "corrected",
        "appended",
        "cancelled",
        "entered-in-error",
        "unknown",
    ),
    ("CarePlan", "status"): _REQUEST,
    ("CarePlan", "intent"): ("proposal", "plan", "order", "option"),
    ("ServiceRequest", "status"): _REQUEST,
    ("ServiceRequest", "intent"): _INTENT,
    ("Goal", "lifecycleStatus"): (
        "proposed",
        "planned",
        "accepted",
        "active",
        "on-hold",
        "completed",
        "cancelled",
        "entered-in-error",
        "rejected",
    ),
    ("Claim", "status"): _FINANCIAL,
    ("ExplanationOfBenefit", "status"): _FINANCIAL,
    ("ImagingStudy", "status"): (
        "registered",
        "available",
        "cancelled",
        "entered-in-error",
        "unknown",
    ),
    ("AllergyIntolerance", "criticality"): ("low", "high", "unable-to-assess"),
}
ACT_CODE = "http://terminology.hl7.org/CodeSystem/v3-ActCode"
ENCOUNTER_CLASSES = (
    "AMB",
    "EMER",
    "FLD",
    "HH",
    "IMP",
    "ACUTE",
    "NONAC",
    "OBSENC",
    "PRENC",
    "SS",
    "VR",
)


def check_codes(document: dict[str, Any], resource_type: str) -> None:
    issues: list[Issue] = []
    for (rtype, element), codes in REQUIRED_CODES.items():
        if rtype == resource_type and element in document and document[element] not in codes:
            issues.append(
                Issue(
                    f"{element} must be one of: {', '.join(codes)}.",
                    (f"{resource_type}.{element}",),
                    "code-invalid",
                )
            )
    if resource_type == "Encounter":
        klass = document.get("class")
        if (
            isinstance(klass, dict)
            and klass.get("system", ACT_CODE) == ACT_CODE
            and klass.get("code") not in ENCOUNTER_CLASSES
        ):
            issues.append(
                Issue(
                    "class must be a v3 ActCode encounter class: " + ", ".join(ENCOUNTER_CLASSES),
                    ("Encounter.class",),
                    "code-invalid",
                )
            )
    if issues:
        raise RuleViolation("A coded value is not in its required value set.", issues=issues)
