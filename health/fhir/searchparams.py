"""Search-parameter definitions: name -> (kind, element paths[, target type]).

Paths are dot paths over the JSON; lists are walked; choice elements are listed by
their concrete names (`effectiveDateTime`, `effectivePeriod`). A `target` restricts a
reference parameter to one target type (`patient` is `subject` limited to Patient).
Every type also has `_id`, `_lastUpdated` (resource columns), `_tag`, `_security` and
`_profile`. The `patient` parameter also decides a resource's patient compartment.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class SearchParam:
    name: str
    kind: str  # token, string, date, reference, quantity, number, uri
    paths: tuple[str, ...]
    target: str | None = None


def _p(name: str, kind: str, *paths: str, target: str | None = None) -> SearchParam:
    return SearchParam(name, kind, paths, target)


def _subject(*extra: SearchParam) -> tuple[SearchParam, ...]:
    return (
        _p("identifier", "token", "identifier"),
        _p("patient", "reference", "subject", target="Patient"),
        _p("subject", "reference", "subject"),
        _p("encounter", "reference", "encounter"),
        *extra,
    )


COMMON = (
    _p("_tag", "token", "meta.tag"),
    _p("_security", "token", "meta.security"),
    _p("_profile", "uri", "meta.profile"),
)
_PERSON = (
    _p("identifier", "token", "identifier"),
    _p("name", "string", "name"),
    _p("family", "string", "name.family"),
    _p("given", "string", "name.given"),
    _p("gender", "token", "gender"),
    _p("active", "token", "active"),
    _p("telecom", "token", "telecom"),
    _p("address", "string", "address"),
    _p("address-city", "string", "address.city"),
    _p("address-postalcode", "string", "address.postalCode"),
)

DEFINITIONS: dict[str, tuple[SearchParam, ...]] = {
    "Patient": (
        *_PERSON,
        _p("birthdate", "date", "birthDate"),
        _p("death-date", "date", "deceasedDateTime"),
        _p("general-practitioner", "reference", "generalPractitioner"),
        _p("organization", "reference", "managingOrganization"),
    ),
    "Practitioner": _PERSON,
    "Organization": (
        _p("identifier", "token", "identifier"),
        _p("name", "string", "name", "alias"),
        _p("active", "token", "active"),
        _p("type", "token", "type"),
        _p("address", "string", "address"),
        _p("partof", "reference", "partOf"),
    ),
    "Location": (
        _p("identifier", "token", "identifier"),
        _p("name", "string", "name", "alias"),
        _p("status", "token", "status"),
        _p("type", "token", "type"),
        _p("address", "string", "address"),
        _p("organization", "reference", "managingOrganization"),
        _p("partof", "reference", "partOf"),
    ),
    "Encounter": (
        _p("identifier", "token", "identifier"),
        _p("patient", "reference", "subject", target="Patient"),
        _p("subject", "reference", "subject"),
        _p("status", "token", "status"),
        _p("class", "token", "class"),
        _p("type", "token", "type"),
        _p("date", "date", "period"),
        _p("participant", "reference", "participant.individual"),
        _p("practitioner", "reference", "participant.individual", target="Practitioner"),
        _p("location", "reference", "location.location"),
        _p("service-provider", "reference", "serviceProvider"),
        _p("reason-code", "token", "reasonCode"),
        _p("part-of", "reference", "partOf"),
    ),
    "Observation": _subject(
        _p("status", "token", "status"),
        _p("category", "token", "category"),
        _p("code", "token", "code"),
        _p("combo-code", "token", "code", "component.code"),
        _p("component-code", "token", "component.code"),
        _p("date", "date", "effectiveDateTime", "effectivePeriod", "effectiveInstant"),
        _p("value-quantity", "quantity", "valueQuantity"),
        _p("value-concept", "token", "valueCodeableConcept"),
        _p("value-string", "string", "valueString"),
        _p("performer", "reference", "performer"),
        _p("based-on", "reference", "basedOn"),
        _p("has-member", "reference", "hasMember"),
        _p("derived-from", "reference", "derivedFrom"),
    ),
    "Condition": _subject(
        _p("code", "token", "code"),
        _p("category", "token", "category"),
        _p("clinical-status", "token", "clinicalStatus"),
        _p("verification-status", "token", "verificationStatus"),
        _p("severity", "token", "severity"),
        _p("onset-date", "date", "onsetDateTime", "onsetPeriod"),
        _p("abatement-date", "date", "abatementDateTime", "abatementPeriod"),
        _p("recorded-date", "date", "recordedDate"),
        _p("asserter", "reference", "asserter"),
    ),
    "AllergyIntolerance": (
        _p("identifier", "token", "identifier"),
        _p("patient", "reference", "patient", target="Patient"),
        _p("encounter", "reference", "encounter"),
        _p("code", "token", "code", "reaction.substance"),
        _p("clinical-status", "token", "clinicalStatus"),
        _p("verification-status", "token", "verificationStatus"),
        _p("type", "token", "type"),
        _p("category", "token", "category"),
        _p("criticality", "token", "criticality"),
        _p("date", "date", "recordedDate"),
        _p("recorder", "reference", "recorder"),
        _p("asserter", "reference", "asserter"),
    ),
    "MedicationRequest": _subject(
        _p("status", "token", "status"),
        _p("intent", "token", "intent"),
        _p("category", "token", "category"),
        _p("code", "token", "medicationCodeableConcept"),
        _p("medication", "reference", "medicationReference"),
        _p("authoredon", "date", "authoredOn"),
        _p("requester", "reference", "requester"),
        _p("intended-performer", "reference", "performer"),
    ),
    # what the person reports taking (intake): in the patient's compartment, on the chart
    "MedicationStatement": _subject(
        _p("status", "token", "status"),
        _p("category", "token", "category"),
        _p("code", "token", "medicationCodeableConcept"),
        _p("medication", "reference", "medicationReference"),
        _p("effective", "date", "effectiveDateTime", "effectivePeriod"),
        _p("context", "reference", "context"),
        _p("source", "reference", "informationSource"),
    ),
    "MedicationAdministration": (
        _p("identifier", "token", "identifier"),
        _p("patient", "reference", "subject", target="Patient"),
        _p("subject", "reference", "subject"),
        _p("context", "reference", "context"),
        _p("encounter", "reference", "context", target="Encounter"),
        _p("status", "token", "status"),
        _p("code", "token", "medicationCodeableConcept"),
        _p("medication", "reference", "medicationReference"),
        _p("effective-time", "date", "effectiveDateTime", "effectivePeriod"),
        _p("performer", "reference", "performer.actor"),
        _p("request", "reference", "request"),
    ),
    "Immunization": (
        _p("identifier", "token", "identifier"),
        _p("patient", "reference", "patient", target="Patient"),
        _p("encounter", "reference", "encounter"),
        _p("status", "token", "status"),
        _p("vaccine-code", "token", "vaccineCode"),
        _p("date", "date", "occurrenceDateTime"),
        _p("location", "reference", "location"),
        _p("performer", "reference", "performer.actor"),
        _p("lot-number", "string", "lotNumber"),
        _p("reason-code", "token", "reasonCode"),
    ),
    "Procedure": _subject(
        _p("status", "token", "status"),
        _p("code", "token", "code"),
        _p("category", "token", "category"),
        _p("date", "date", "performedDateTime", "performedPeriod"),
        _p("performer", "reference", "performer.actor"),
        _p("location", "reference", "location"),
        _p("reason-code", "token", "reasonCode"),
    ),
    "QuestionnaireResponse": _subject(
        _p("status", "token", "status"),
        _p("questionnaire", "uri", "questionnaire"),
        _p("authored", "date", "authored"),
        _p("author", "reference", "author"),
        _p("source", "reference", "source"),
    ),
    "Flag": _subject(
        _p("status", "token", "status"),
        _p("category", "token", "category"),
        _p("code", "token", "code"),
        _p("date", "date", "period"),
        _p("author", "reference", "author"),
    ),
    "DocumentReference": (
        _p("identifier", "token", "identifier", "masterIdentifier"),
        _p("patient", "reference", "subject", target="Patient"),
        _p("subject", "reference", "subject"),
        _p("encounter", "reference", "context.encounter"),
        _p("status", "token", "status"),
        _p("type", "token", "type"),
        _p("category", "token", "category"),
        _p("date", "date", "date"),
        _p("period", "date", "context.period"),
        _p("author", "reference", "author"),
        _p("custodian", "reference", "custodian"),
        _p("description", "string", "description"),
        _p("contenttype", "token", "content.attachment.contentType"),
        _p("security-label", "token", "securityLabel"),
    ),
    # the medical transfer summary (health/transfers.py) is in its Patient's compartment
    "Composition": _subject(
        _p("status", "token", "status"),
        _p("type", "token", "type"),
        _p("date", "date", "date"),
        _p("author", "reference", "author"),
        _p("title", "string", "title"),
    ),
    "ServiceRequest": _subject(
        _p("status", "token", "status"),
        _p("intent", "token", "intent"),
        _p("code", "token", "code"),
        _p("category", "token", "category"),
        _p("authored", "date", "authoredOn"),
        _p("requester", "reference", "requester"),
    ),
    "DiagnosticReport": _subject(
        _p("status", "token", "status"),
        _p("category", "token", "category"),
        _p("code", "token", "code"),
        _p("date", "date", "effectiveDateTime", "effectivePeriod"),
        _p("issued", "date", "issued"),
        _p("performer", "reference", "performer"),
        _p("result", "reference", "result"),
    ),
    "CarePlan": _subject(
        _p("status", "token", "status"),
        _p("intent", "token", "intent"),
        _p("category", "token", "category"),
        _p("date", "date", "period"),
        _p("activity-code", "token", "activity.detail.code"),
        _p("care-team", "reference", "careTeam"),
        _p("goal", "reference", "goal"),
    ),
    "Goal": (
        _p("identifier", "token", "identifier"),
        _p("patient", "reference", "subject", target="Patient"),
        _p("subject", "reference", "subject"),
        _p("lifecycle-status", "token", "lifecycleStatus"),
        _p("category", "token", "category"),
        _p("start-date", "date", "startDate"),
        _p("target-date", "date", "target.dueDate"),
    ),
    "ImagingStudy": _subject(
        _p("status", "token", "status"),
        _p("started", "date", "started"),
        _p("modality", "token", "series.modality"),
        _p("bodysite", "token", "series.bodySite"),
    ),
    "Claim": (
        _p("identifier", "token", "identifier"),
        _p("patient", "reference", "patient", target="Patient"),
        _p("status", "token", "status"),
        _p("use", "token", "use"),
        _p("created", "date", "created"),
        _p("provider", "reference", "provider"),
        _p("insurer", "reference", "insurer"),
        _p("encounter", "reference", "item.encounter"),
    ),
    "Basic": (
        _p("identifier", "token", "identifier"),
        _p("patient", "reference", "subject", target="Patient"),
        _p("subject", "reference", "subject"),
        _p("code", "token", "code"),
        _p("created", "date", "created"),
        _p("author", "reference", "author"),
    ),
    "ExplanationOfBenefit": (
        _p("identifier", "token", "identifier"),
        _p("patient", "reference", "patient", target="Patient"),
        _p("status", "token", "status"),
        _p("created", "date", "created"),
        _p("provider", "reference", "provider"),
        _p("claim", "reference", "claim"),
        _p("coverage", "reference", "insurance.coverage"),
        _p("encounter", "reference", "item.encounter"),
    ),
    "Medication": (
        _p("identifier", "token", "identifier"),
        _p("code", "token", "code"),
        _p("status", "token", "status"),
        _p("form", "token", "form"),
    ),
    "Consent": (
        _p("identifier", "token", "identifier"),
        _p("patient", "reference", "patient", target="Patient"),
        _p("status", "token", "status"),
        _p("category", "token", "category"),
        _p("date", "date", "dateTime"),
    ),
    "Provenance": (
        _p("target", "reference", "target"),
        _p("patient", "reference", "target", target="Patient"),
        _p("agent", "reference", "agent.who"),
        _p("recorded", "date", "recorded"),
    ),
    "Questionnaire": (
        _p("identifier", "token", "identifier"),
        _p("url", "uri", "url"),
        _p("name", "string", "name"),
        _p("title", "string", "title"),
        _p("status", "token", "status"),
    ),
}

_BY_NAME = {rtype: {p.name: p for p in (*params, *COMMON)} for rtype, params in DEFINITIONS.items()}
_COMMON_BY_NAME = {p.name: p for p in COMMON}
RESULT_PARAMS = frozenset(
    {
        "_count",
        "_sort",
        "_include",
        "_revinclude",
        "_summary",
        "_total",
        "_totalMethod",  # Aidbox's, as fhirpy's count() sends it
        "_elements",
        "_format",
        "_pretty",
        "_contained",
        "_containedType",
        "_page",
        "_after",
        "_before",
        "_offset",
        "_at",
    }
)


def params_for(resource_type: str) -> dict[str, SearchParam]:
    return _BY_NAME.get(resource_type, _COMMON_BY_NAME)


def lookup(resource_type: str, name: str) -> SearchParam | None:
    return params_for(resource_type).get(name)
