"""Validation of incoming resources: the R4B models first (pydantic's errors mapped to
OperationOutcome issues), then what they do not check: id syntax and length
(`resource_types`), empty values, the required code bindings we rely on (`bindings`)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pydantic
from fhir.resources.R4B import get_fhir_model_class

from health.fhir.bindings import check_codes
from health.fhir.errors import InvalidRequest, Issue
from health.fhir.resource_types import RESOURCE_TYPES, check_id


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
    _check_contained(document, found)
    check_codes(document, found)
    return found


def _check_contained(document: dict[str, Any], resource_type: str) -> None:
    """A contained resource must be of an R4 type we store too (the R4B model accepts
    R4B-only types there)."""
    for index, item in enumerate(document.get("contained") or []):
        found = item.get("resourceType") if isinstance(item, dict) else None
        if found not in RESOURCE_TYPES:
            raise InvalidRequest(
                f"Unknown resourceType {found!r} in a contained resource (FHIR R4 4.0.1).",
                expression=[f"{resource_type}.contained[{index}].resourceType"],
            )


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
