"""GET /fhir/metadata: the CapabilityStatement, generated from what the server supports."""

from __future__ import annotations

import json
from functools import lru_cache

from health.fhir.entries import max_entries
from health.fhir.query import MAX_COUNT
from health.fhir.resource_types import RESOURCE_TYPES
from health.fhir.search import MAX_INCLUDES
from health.fhir.searchparams import COMMON, DEFINITIONS, params_for
from health.fhir.support import STRICTNESS

INTERACTIONS = (
    "read",
    "vread",
    "update",
    "patch",
    "delete",
    "history-instance",
    "history-type",
    "create",
    "search-type",
)
KIND_TYPES = {"uri": "uri"}
# the page limits a client must know (rest.documentation)
LIMITS = (
    f"Search pages hold at most {MAX_COUNT} matches (_count) and at most {MAX_INCLUDES}"
    " resources added by _include and _revinclude together; when more would have been"
    " added, the page carries an OperationOutcome entry (search.mode outcome, severity"
    " warning) saying so.",
    f"History and Patient/$everything pages hold at most {MAX_COUNT} resources (_count, _offset).",
    "Search pages link by keyset cursors (_after, _before; opaque, and valid only for the"
    " search that made them), unsorted or sorted by one key (_id, _lastUpdated or one"
    " parameter), so writes between page fetches skip or repeat no match; a search"
    " sorted by several keys pages by _offset.",
)
VALIDATE = {
    "name": "validate",
    "definition": "http://hl7.org/fhir/OperationDefinition/Resource-validate",
    "documentation": "POST the resource (or Parameters with `resource`); mode and profile "
    "are not supported.",
}
# what search supports beyond the listed parameters (R4 has no element for it)
SEARCH_FEATURES = (
    "Search supports one-level chaining (subject:Patient.name, patient.identifier; any"
    " parameter of the target type), one-level reverse chaining"
    " (_has:Observation:patient:code), :missing on every parameter, _include=* and"
    " Type:*, _include:iterate and _revinclude:iterate (one more level, within the same"
    " per-page cap), compartment search (GET Patient/{id}/{type}) and system search"
    " (GET ?_type=A,B on _id, _lastUpdated, _tag, _security, _profile; paged by"
    " _offset). Deeper chains and nested _has are refused with 400.",
)
DOCS = {
    "_id": "Logical id of the resource",
    "_lastUpdated": "When the resource version last changed",
}


def _params(resource_type: str) -> list[dict[str, str]]:
    out = [
        {"name": "_id", "type": "token", "documentation": DOCS["_id"]},
        {"name": "_lastUpdated", "type": "date", "documentation": DOCS["_lastUpdated"]},
    ]
    for param in params_for(resource_type).values():
        out.append(
            {
                "name": param.name,
                "type": KIND_TYPES.get(param.kind, param.kind),
                "documentation": "Paths: " + ", ".join(param.paths),
            }
        )
    return out


def _resource(resource_type: str) -> dict[str, object]:
    references = [p for p in params_for(resource_type).values() if p.kind == "reference"]
    entry: dict[str, object] = {
        "type": resource_type,
        "interaction": [{"code": code} for code in INTERACTIONS],
        "versioning": "versioned-update",
        "readHistory": True,
        "updateCreate": True,
        "conditionalCreate": True,
        "conditionalRead": "full-support",
        "conditionalUpdate": True,
        "conditionalDelete": "single",
        # local references must resolve (health.fhir.referential); external and
        # logical ones are kept as they are
        "referencePolicy": ["literal", "logical", "enforced"],
        "searchParam": _params(resource_type),
    }
    if references:  # FHIR arrays are never empty
        entry["searchInclude"] = [
            "*",
            f"{resource_type}:*",
            *(f"{resource_type}:{p.name}" for p in references),
        ]
    if resource_type in DEFINITIONS:
        revincludes = sorted(
            f"{source}:{p.name}"
            for source, params in DEFINITIONS.items()
            for p in params
            if p.kind == "reference" and (p.target in (None, resource_type))
        )
        if revincludes:
            entry["searchRevInclude"] = revincludes
    entry["operation"] = [VALIDATE]
    if resource_type == "Patient":
        entry["operation"] = [
            {
                "name": "everything",
                "definition": "http://hl7.org/fhir/OperationDefinition/Patient-everything",
                "documentation": "GET, or POST with a form or Parameters body.",
            },
            VALIDATE,
        ]
    return entry


PATIENT_COMPARTMENT = "http://hl7.org/fhir/CompartmentDefinition/patient"
MAX_ENTRIES_EXTENSION = "https://custodia.dev/fhir/StructureDefinition/max-bundle-entries"


def capability_statement(base: str) -> str:
    """The CapabilityStatement as JSON text (built once per base URL and entry cap)."""
    return _statement(base, max_entries())


def _batch_documentation(cap: int) -> str:
    return (
        f"Batch and transaction Bundles hold at most {cap} entries (a larger one is "
        "refused with 413 before any entry is processed). Entries refer to each other by "
        "fullUrl (urn:uuid:); such references are rewritten to Type/id, and one naming no "
        "entry of the Bundle is refused with 400. Conditional creates (If-None-Exist, "
        "request.ifNoneExist) are serialised per condition, and so are conditional "
        "updates, deletes and patches (request.url Type?params). A PATCH entry's resource "
        "is a Binary holding the JSON Patch (contentType application/json-patch+json, "
        "data in base64); a Parameters (FHIRPath Patch) is not supported."
    )


@lru_cache(maxsize=8)
def _statement(base: str, cap: int) -> str:
    statement = {
        "resourceType": "CapabilityStatement",
        "status": "active",
        "date": "2026-11-24",
        "publisher": "Custodia",
        "kind": "instance",
        "software": {"name": "Custodia FHIR store"},
        "implementation": {"description": "Custodia FHIR R4 API", "url": base},
        "fhirVersion": "4.0.1",
        "format": ["application/fhir+json", "json"],
        "patchFormat": ["application/json-patch+json", "application/merge-patch+json"],
        "rest": [
            {
                "mode": "server",
                "security": {
                    "cors": False,
                    "description": "Bearer tokens (custodia tokens create); clinicians "
                    "read and write; resources with a restricted security label need "
                    "health:restricted:read to be seen and health:restricted:write to be "
                    "written (the mental_health role).",
                },
                "documentation": " ".join(
                    [*LIMITS, STRICTNESS, *SEARCH_FEATURES, _batch_documentation(cap)]
                ),
                "extension": [{"url": MAX_ENTRIES_EXTENSION, "valueUnsignedInt": cap}],
                "resource": [_resource(t) for t in sorted(RESOURCE_TYPES)],
                "interaction": [
                    {"code": "transaction", "documentation": _batch_documentation(cap)},
                    {"code": "batch", "documentation": _batch_documentation(cap)},
                    {"code": "history-system"},
                    {"code": "search-system", "documentation": SEARCH_FEATURES[0]},
                ],
                "compartment": [PATIENT_COMPARTMENT],
                "searchParam": [
                    {"name": "_id", "type": "token", "documentation": DOCS["_id"]},
                    {"name": "_lastUpdated", "type": "date", "documentation": DOCS["_lastUpdated"]},
                    *({"name": p.name, "type": KIND_TYPES.get(p.kind, p.kind)} for p in COMMON),
                ],
            }
        ],
    }
    return json.dumps(statement, separators=(",", ":"))
