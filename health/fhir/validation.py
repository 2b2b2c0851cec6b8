"""Validation of incoming resources: the R4B models first, then what they do not check
(id syntax and length, empty values, the required code bindings we rely on)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pydantic
from fhir.resources.R4B import get_fhir_model_class

from health.fhir.errors import InvalidRequest, Issue, RuleViolation, UnknownResource

# Every resource type fhir.resources.R4B knows (tests check this list against the package).
RESOURCE_TYPES = frozenset(
    [
        "Account",
        "ActivityDefinition",
        "AdministrableProductDefinition",
        "AdverseEvent",
        "AllergyIntolerance",
        "Appointment",
        "AppointmentResponse",
        "AuditEvent",
        "Basic",
        "Binary",
        "BiologicallyDerivedProduct",
        "BodyStructure",
        "Bundle",
        "CapabilityStatement",
        "CarePlan",
        "CareTeam",
        "CatalogEntry",
        "ChargeItem",
        "ChargeItemDefinition",
        "Citation",
        "Claim",
        "ClaimResponse",
        "ClinicalImpression",
        "ClinicalUseDefinition",
        "CodeSystem",
        "Communication",
        "CommunicationRequest",
        "CompartmentDefinition",
        "Composition",
        "ConceptMap",
        "Condition",
        "Consent",
        "Contract",
        "Coverage",
        "CoverageEligibilityRequest",
        "CoverageEligibilityResponse",
        "DetectedIssue",
        "Device",
        "DeviceDefinition",
        "DeviceMetric",
        "DeviceRequest",
        "DeviceUseStatement",
        "DiagnosticReport",
        "DocumentManifest",
        "DocumentReference",
        "Encounter",
        "Endpoint",
        "EnrollmentRequest",
        "EnrollmentResponse",
        "EpisodeOfCare",
        "EventDefinition",
        "Evidence",
        "EvidenceReport",
        "EvidenceVariable",
        "ExampleScenario",
        "ExplanationOfBenefit",
        "FamilyMemberHistory",
        "Flag",
        "Goal",
        "GraphDefinition",
        "Group",
        "GuidanceResponse",
        "HealthcareService",
        "ImagingStudy",
        "Immunization",
        "ImmunizationEvaluation",
        "ImmunizationRecommendation",
        "ImplementationGuide",
        "Ingredient",
        "InsurancePlan",
        "Invoice",
        "Library",
        "Linkage",
        "List",
        "Location",
        "ManufacturedItemDefinition",
        "Measure",
        "MeasureReport",
        "Media",
        "Medication",
        "MedicationAdministration",
        "MedicationDispense",
        "MedicationKnowledge",
        "MedicationRequest",
        "MedicationStatement",
        "MedicinalProductDefinition",
        "MessageDefinition",
        "MessageHeader",
        "MolecularSequence",
        "NamingSystem",
        "NutritionOrder",
        "NutritionProduct",
        "Observation",
        "ObservationDefinition",
        "OperationDefinition",
        "OperationOutcome",
        "Organization",
        "OrganizationAffiliation",
        "PackagedProductDefinition",
        "Parameters",
        "Patient",
        "PaymentNotice",
        "PaymentReconciliation",
        "Person",
        "PlanDefinition",
        "Practitioner",
        "PractitionerRole",
        "Procedure",
        "Provenance",
        "Questionnaire",
        "QuestionnaireResponse",
        "RegulatedAuthorization",
        "RelatedPerson",
        "RequestGroup",
        "ResearchDefinition",
        "ResearchElementDefinition",
        "ResearchStudy",
        "ResearchSubject",
        "RiskAssessment",
        "Schedule",
        "SearchParameter",
        "ServiceRequest",
        "Slot",
        "Specimen",
        "SpecimenDefinition",
        "StructureDefinition",
        "StructureMap",
        "Subscription",
        "SubscriptionStatus",
        "SubscriptionTopic",
        "Substance",
        "SubstanceDefinition",
        "SupplyDelivery",
        "SupplyRequest",
        "Task",
        "TerminologyCapabilities",
        "TestReport",
        "TestScript",
        "ValueSet",
        "VerificationResult",
        "VisionPrescription",
    ]
)

ID_PATTERN = re.compile(r"^[A-Za-z0-9\-.]{1,64}$")

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


def check_id(resource_type: str, value: Any) -> None:
    if not isinstance(value, str) or not ID_PATTERN.match(value):
        raise InvalidRequest(
            "An id is 1 to 64 characters: letters, digits, '-' and '.'.",
            expression=[f"{resource_type}.id"],
            code="value",
        )


def check_type(resource_type: str) -> None:
    if resource_type not in RESOURCE_TYPES:
        raise UnknownResource(f"Unknown resource type {resource_type!r}.", code="not-supported")


def validate(document: Any, resource_type: str | None = None) -> str:
    """Raise InvalidRequest (not valid FHIR) or RuleViolation (a coded value outside its
    required value set) unless the resource is valid. Returns its resource type."""
    if not isinstance(document, dict):
        raise InvalidRequest("The body must be a JSON object (a FHIR resource).")
    found = document.get("resourceType")
    if not isinstance(found, str) or found not in RESOURCE_TYPES:
        raise InvalidRequest(f"Unknown resourceType {found!r}.", expression=["resourceType"])
    if resource_type is not None and found != resource_type:
        raise InvalidRequest(
            f"resourceType {found!r} does not match the URL ({resource_type}).",
            expression=[f"{found}.resourceType"] if found else ["resourceType"],
        )
    if "id" in document:
        check_id(found, document["id"])
    problems = [] if _has_no_empty_value(document) else list(_empty_values(document, found))
    if problems:
        raise InvalidRequest("Empty values are not allowed.", issues=problems)
    _validate_model(document, found)
    _check_codes(document, found)
    return found


def _validate_model(document: dict[str, Any], resource_type: str) -> None:
    model = get_fhir_model_class(resource_type)
    try:
        model.model_validate(document)
    except pydantic.ValidationError as err:
        issues = [
            Issue(f"{error['msg']}", (_expression(resource_type, error["loc"]),))
            for error in err.errors()[:50]
        ]
        raise InvalidRequest("The resource is not valid FHIR R4.", issues=issues) from None
    except (ValueError, TypeError) as err:  # model-level checks outside pydantic's errors
        raise InvalidRequest(f"The resource is not valid FHIR R4: {err}") from None


def _expression(resource_type: str, loc: tuple[Any, ...]) -> str:
    path = resource_type
    for part in loc:
        if isinstance(part, int):
            path += f"[{part}]"
        elif part not in ("__root__",):
            path += f".{part}"
    return path


def _has_no_empty_value(value: Any) -> bool:
    """The fast check (no paths built); `_empty_values` says where when it fails."""
    if isinstance(value, dict):
        return bool(value) and all(_has_no_empty_value(item) for item in value.values())
    if isinstance(value, list):
        return bool(value) and all(_has_no_empty_value(item) for item in value)
    return not isinstance(value, str) or bool(value.strip())


def _empty_values(value: Any, path: str) -> Iterator[Issue]:
    if isinstance(value, dict):
        if not value:
            yield Issue("An element may not be an empty object.", (path,))
        for key, item in value.items():
            yield from _empty_values(item, f"{path}.{key}")
    elif isinstance(value, list):
        if not value:
            yield Issue("An array may not be empty.", (path,))
        for index, item in enumerate(value):
            yield from _empty_values(item, f"{path}[{index}]")
    elif isinstance(value, str) and not value.strip():
        yield Issue("A string may not be empty.", (path,))


def _check_codes(document: dict[str, Any], resource_type: str) -> None:
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
