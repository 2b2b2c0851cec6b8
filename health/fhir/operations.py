"""Operations called with POST: `$validate` (the body checked as a create or update
would check it, nothing written) and the input of `POST Patient/{id}/$everything`
(a form or a Parameters resource, read as the GET's query parameters)."""

from __future__ import annotations

import json
from typing import Any

from core.access import authorize
from core.actor import Actor
from health.fhir.errors import InvalidRequest
from health.fhir.incoming import check_strings
from health.fhir.outcome import operation_outcome
from health.fhir.resource_types import check_id, check_type
from health.fhir.validation import validate
from health.permissions import HealthPermission

# Parameters.parameter.value[x] of the primitive types an operation's input takes
PRIMITIVE_VALUES = (
    "valueString",
    "valueCode",
    "valueUri",
    "valueDate",
    "valueDateTime",
    "valueInstant",
    "valueInteger",
    "valueUnsignedInt",
    "valuePositiveInt",
    "valueId",
    "valueBoolean",
)


def _parameter_list(body: Any) -> list[Any]:
    if not isinstance(body, dict) or body.get("resourceType") != "Parameters":
        raise InvalidRequest("The operation takes a Parameters resource.", expression=["body"])
    found = body.get("parameter") or []
    if not isinstance(found, list):
        raise InvalidRequest("Parameters.parameter must be an array.")
    return found


def parameters_of(body: Any) -> list[tuple[str, str]]:
    """(name, value) of every primitive parameter of a Parameters resource."""
    pairs = []
    for index, item in enumerate(_parameter_list(body)):
        name = item.get("name") if isinstance(item, dict) else None
        values = [item[k] for k in PRIMITIVE_VALUES if isinstance(item, dict) and k in item]
        if not isinstance(name, str) or len(values) != 1:
            raise InvalidRequest(
                "Each parameter needs a name and one primitive value[x].",
                expression=[f"Parameters.parameter[{index}]"],
            )
        value = values[0]
        pairs.append((name, json.dumps(value) if isinstance(value, bool) else str(value)))
    return pairs


def resource_to_validate(body: Any) -> Any:
    """The resource a `$validate` body carries: itself, or the `resource` parameter of
    a Parameters resource."""
    if isinstance(body, dict) and body.get("resourceType") == "Parameters":
        for item in _parameter_list(body):
            if isinstance(item, dict) and item.get("name") == "resource":
                return item.get("resource")
        raise InvalidRequest("$validate's Parameters need a `resource` parameter.")
    return body


def validate_resource(
    *, actor: Actor, resource_type: str, body: Any, resource_id: str | None = None
) -> str:
    """`$validate`: an OperationOutcome (JSON text) with one information issue when the
    resource is valid; InvalidRequest (400) or RuleViolation (422) with its errors when
    it is not. Reads and writes nothing stored (so nothing to audit)."""
    authorize(actor, HealthPermission.READ, subject_type=resource_type, subject_id=resource_id)
    check_type(resource_type)
    document = resource_to_validate(body)
    check_strings(document, resource_type)
    validate(document, resource_type)
    if resource_id is not None:
        check_id(resource_type, resource_id)
        if document.get("id") not in (None, resource_id):
            raise InvalidRequest(
                "The resource id must equal the id in the URL.",
                expression=[f"{resource_type}.id"],
            )
    issue = {
        "severity": "information",
        "code": "informational",
        "diagnostics": f"The {resource_type} is valid FHIR R4.",
    }
    return json.dumps(operation_outcome([issue]))
