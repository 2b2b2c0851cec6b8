"""The resource types we store and the syntax of a resource id: the checks every layer
makes before it touches a type or an id.

We speak FHIR R4 (4.0.1), and validate with fhir.resources' R4B (4.3.0) models, the
closest release it ships (8.3 has R5, R4B and STU3, no R4). R4 has 146 resource types
(the R4 `resource-types` value set less `Resource` and `DomainResource`); R4B kept 128
of them unchanged in name, added 13 and removed 18. We store the 128 (RESOURCE_TYPES).
The 13 R4B-only types are not R4: refused as unknown (404). The 18 R4-only types have
no model to validate them with, so they are refused as unsupported (404, the reason in
the diagnostics and docs/fhir.md) rather than stored unchecked."""

from __future__ import annotations

import re
from typing import Any

from core.db import MAX_ID
from health.fhir.errors import InvalidRequest, UnknownResource

# The R4 types that fhir.resources.R4B validates (tests check this list, R4B_ONLY and
# R4_ONLY against the R4B package and the R4 spec's list).
RESOURCE_TYPES = frozenset(
    [
        "Account",
        "ActivityDefinition",
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
        "Claim",
        "ClaimResponse",
        "ClinicalImpression",
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
        "InsurancePlan",
        "Invoice",
        "Library",
        "Linkage",
        "List",
        "Location",
        "Measure",
        "MeasureReport",
        "Media",
        "Medication",
        "MedicationAdministration",
        "MedicationDispense",
        "MedicationKnowledge",
        "MedicationRequest",
        "MedicationStatement",
        "MessageDefinition",
        "MessageHeader",
        "MolecularSequence",
        "NamingSystem",
        "NutritionOrder",
        "Observation",
        "ObservationDefinition",
        "OperationDefinition",
        "OperationOutcome",
        "Organization",
        "OrganizationAffiliation",
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
        "Substance",
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

# Added by R4B (4.3.0): not R4 types.
R4B_ONLY = frozenset(
    [
        "AdministrableProductDefinition",
        "Citation",
        "ClinicalUseDefinition",
        "EvidenceReport",
        "Ingredient",
        "ManufacturedItemDefinition",
        "MedicinalProductDefinition",
        "NutritionProduct",
        "PackagedProductDefinition",
        "RegulatedAuthorization",
        "SubscriptionStatus",
        "SubscriptionTopic",
        "SubstanceDefinition",
    ]
)
# Removed by R4B: R4 types with no model in fhir.resources 8.3 to validate them.
R4_ONLY = frozenset(
    [
        "EffectEvidenceSynthesis",
        "MedicinalProduct",
        "MedicinalProductAuthorization",
        "MedicinalProductContraindication",
        "MedicinalProductIndication",
        "MedicinalProductIngredient",
        "MedicinalProductInteraction",
        "MedicinalProductManufactured",
        "MedicinalProductPackaged",
        "MedicinalProductPharmaceutical",
        "MedicinalProductUndesirableEffect",
        "RiskEvidenceSynthesis",
        "SubstanceNucleicAcid",
        "SubstancePolymer",
        "SubstanceProtein",
        "SubstanceReferenceInformation",
        "SubstanceSourceMaterial",
        "SubstanceSpecification",
    ]
)
R4_ONLY_REASON = (
    "is an R4 type this server does not support: fhir.resources, which validates every "
    "resource we store, has no model for it (R4B removed it), and an unvalidated "
    "resource is not stored."
)

ID_PATTERN = re.compile(r"^[A-Za-z0-9\-.]{1,64}$")


def check_id(resource_type: str, value: Any) -> None:
    if not isinstance(value, str) or not ID_PATTERN.match(value):
        raise InvalidRequest(
            "An id is 1 to 64 characters: letters, digits, '-' and '.'.",
            expression=[f"{resource_type}.id"],
            code="value",
        )


def whole_number(value: str, limit: int = MAX_ID) -> int | None:
    """`value` as a whole number from 0 to `limit` in ASCII digits, else None. Refused
    before `int()` or the database sees them: "²" (a digit to `str.isdigit`, not to
    `int`), "٣", signs, spaces, 4,300 digits, numbers too large for an INTEGER column."""
    if not (value.isascii() and value.isdigit()) or len(value) > len(str(limit)):
        return None
    number = int(value)
    return number if number <= limit else None


def check_type(resource_type: str) -> None:
    """UnknownResource (404, `not-supported`) unless we store `resource_type`: an R4B-only
    or made-up type is unknown; an R4-only type says why it is not supported."""
    if resource_type in RESOURCE_TYPES:
        return
    if resource_type in R4_ONLY:
        raise UnknownResource(f"{resource_type} {R4_ONLY_REASON}", code="not-supported")
    raise UnknownResource(
        f"Unknown resource type {resource_type!r} (this server speaks FHIR R4 4.0.1).",
        code="not-supported",
    )
