"""R4 means R4: the types we store are the R4 (4.0.1) types fhir.resources' R4B models
validate; R4B-only types are unknown (404); R4-only types are refused as unsupported
(404, with the reason); the CapabilityStatement lists exactly the stored ones."""

from __future__ import annotations

import importlib
import pkgutil

import pytest
import sqlalchemy as sa

from core.db import db
from health.fhir.models import FhirResource
from health.fhir.resource_types import R4_ONLY, R4B_ONLY, RESOURCE_TYPES
from tests.health.conftest import patient

# The R4 (4.0.1) resource types: the spec's resource list (hl7.org/fhir/R4/resourcelist,
# the `resource-types` value set less the abstract Resource and DomainResource).
R4_SPEC = frozenset([
    "Account", "ActivityDefinition", "AdverseEvent", "AllergyIntolerance", "Appointment",
    "AppointmentResponse", "AuditEvent", "Basic", "Binary", "BiologicallyDerivedProduct",
    "BodyStructure", "Bundle", "CapabilityStatement", "CarePlan", "CareTeam", "CatalogEntry",
    "ChargeItem", "ChargeItemDefinition", "Claim", "ClaimResponse", "ClinicalImpression",
    "CodeSystem", "Communication", "CommunicationRequest", "CompartmentDefinition", "Composition",
    "ConceptMap", "Condition", "Consent", "Contract", "Coverage", "CoverageEligibilityRequest",
    "CoverageEligibilityResponse", "DetectedIssue", "Device", "DeviceDefinition", "DeviceMetric",
    "DeviceRequest", "DeviceUseStatement", "DiagnosticReport", "DocumentManifest",
    "DocumentReference", "EffectEvidenceSynthesis", "Encounter", "Endpoint", "EnrollmentRequest",
    "EnrollmentResponse", "EpisodeOfCare", "EventDefinition", "Evidence", "EvidenceVariable",
    "ExampleScenario", "ExplanationOfBenefit", "FamilyMemberHistory", "Flag", "Goal",
    "GraphDefinition", "Group", "GuidanceResponse", "HealthcareService", "ImagingStudy",
    "Immunization", "ImmunizationEvaluation", "ImmunizationRecommendation", "ImplementationGuide",
    "InsurancePlan", "Invoice", "Library", "Linkage", "List", "Location", "Measure",
    "MeasureReport", "Media", "Medication", "MedicationAdministration", "MedicationDispense",
    "MedicationKnowledge", "MedicationRequest", "MedicationStatement", "MedicinalProduct",
    "MedicinalProductAuthorization", "MedicinalProductContraindication",
    "MedicinalProductIndication", "MedicinalProductIngredient", "MedicinalProductInteraction",
    "MedicinalProductManufactured", "MedicinalProductPackaged", "MedicinalProductPharmaceutical",
    "MedicinalProductUndesirableEffect", "MessageDefinition", "MessageHeader",
    "MolecularSequence", "NamingSystem", "NutritionOrder", "Observation", "ObservationDefinition",
    "OperationDefinition", "OperationOutcome", "Organization", "OrganizationAffiliation",
    "Parameters", "Patient", "PaymentNotice", "PaymentReconciliation", "Person", "PlanDefinition",
    "Practitioner", "PractitionerRole", "Procedure", "Provenance", "Questionnaire",
    "QuestionnaireResponse", "RelatedPerson", "RequestGroup", "ResearchDefinition",
    "ResearchElementDefinition", "ResearchStudy", "ResearchSubject", "RiskAssessment",
    "RiskEvidenceSynthesis", "Schedule", "SearchParameter", "ServiceRequest", "Slot", "Specimen",
    "SpecimenDefinition", "StructureDefinition", "StructureMap", "Subscription", "Substance",
    "SubstanceNucleicAcid", "SubstancePolymer", "SubstanceProtein",
    "SubstanceReferenceInformation", "SubstanceSourceMaterial", "SubstanceSpecification",
    "SupplyDelivery", "SupplyRequest", "Task", "TerminologyCapabilities", "TestReport",
    "TestScript", "ValueSet", "VerificationResult", "VisionPrescription",
])  # fmt: skip


def _r4b_package_types() -> set[str]:
    import fhir.resources.R4B as r4b  # noqa: TID251 (a test reads the package's own list)
    from fhir.resources.R4B.resource import Resource  # noqa: TID251

    found = set()
    for module in pkgutil.iter_modules(r4b.__path__):
        if module.name.startswith("fhirtypes"):
            continue
        loaded = importlib.import_module(f"fhir.resources.R4B.{module.name}")
        for name, value in vars(loaded).items():
            if (
                isinstance(value, type)
                and issubclass(value, Resource)
                and value.__module__ == loaded.__name__
                and name not in ("Resource", "DomainResource")
            ):
                found.add(name)
    return found


def test_the_type_lists_partition_r4_and_r4b():
    assert len(R4_SPEC) == 146
    assert RESOURCE_TYPES | R4_ONLY == R4_SPEC and not RESOURCE_TYPES & R4_ONLY
    assert len(R4B_ONLY) == 13 and not R4B_ONLY & R4_SPEC
    assert _r4b_package_types() == RESOURCE_TYPES | R4B_ONLY
    assert {"SubscriptionTopic", "Citation"} <= R4B_ONLY
    assert {"MedicinalProduct", "EffectEvidenceSynthesis"} <= R4_ONLY


def test_capability_statement_lists_exactly_the_stored_types(client):
    body = client.get("/fhir/metadata").json
    listed = {r["type"] for r in body["rest"][0]["resource"]}
    assert body["fhirVersion"] == "4.0.1"
    assert listed == RESOURCE_TYPES
    assert not listed & R4B_ONLY and not listed & R4_ONLY


def _not_supported(response, *words: str) -> None:
    assert response.status_code == 404, response.text
    body = response.json
    assert body["resourceType"] == "OperationOutcome"
    issue = body["issue"][0]
    assert issue["code"] == "not-supported"
    for word in words:
        assert word in issue["diagnostics"]


@pytest.mark.parametrize("rtype", sorted(R4B_ONLY))
def test_r4b_only_types_are_unknown(fhir, rtype):
    _not_supported(fhir.post(rtype, {"resourceType": rtype}), rtype, "R4 4.0.1")
    _not_supported(fhir.get(f"{rtype}?_count=1"), rtype)
    _not_supported(fhir.get(f"{rtype}/x1"), rtype)
    _not_supported(fhir.put(f"{rtype}/x1", {"resourceType": rtype, "id": "x1"}), rtype)


def test_subscription_topic_is_not_stored(fhir):
    topic = {"resourceType": "SubscriptionTopic", "url": "http://example.org/t", "status": "draft"}
    _not_supported(fhir.post("SubscriptionTopic", topic))
    stored = db.session.scalar(
        sa.select(sa.func.count()).where(FhirResource.resource_type == "SubscriptionTopic")
    )
    assert stored == 0


@pytest.mark.parametrize("rtype", sorted(R4_ONLY))
def test_r4_only_types_say_why_they_are_not_supported(fhir, rtype):
    response = fhir.post(rtype, {"resourceType": rtype})
    _not_supported(response, rtype, "R4 type", "no model")


def test_a_transaction_entry_of_an_r4b_only_type_fails_the_transaction(fhir):
    bundle = {
        "resourceType": "Bundle",
        "type": "transaction",
        "entry": [
            {"resource": patient(), "request": {"method": "POST", "url": "Patient"}},
            {
                "resource": {"resourceType": "Citation", "status": "draft"},
                "request": {"method": "POST", "url": "Citation"},
            },
        ],
    }
    response = fhir.post("", bundle)  # the entry's URL names no type we know
    assert response.status_code == 400, response.text
    assert response.json["issue"][0]["expression"] == ["Bundle.entry[1].request.url"]
    assert "Citation" in response.json["issue"][0]["diagnostics"]
    assert fhir.get("Patient?_count=1").json["total"] == 0


def test_a_contained_r4b_only_resource_is_refused(fhir):
    document = patient(
        contained=[{"resourceType": "NutritionProduct", "id": "n1", "status": "active"}]
    )
    response = fhir.post("Patient", document)
    assert response.status_code == 400, response.text
    assert response.json["issue"][0]["expression"] == ["Patient.contained[0].resourceType"]
    kept = patient(contained=[{"resourceType": "Medication", "id": "m1"}])
    assert fhir.post("Patient", kept).status_code == 201
