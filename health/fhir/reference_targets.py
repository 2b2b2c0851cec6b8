"""Where a resource holds references, and to which types each element may refer: the
R4B models' field metadata (`enum_reference_types`, the element's targetProfile list)
walked alongside the document, with the R4 (4.0.1) lists where R4B changed them.

`R4_TARGETS` is every element whose target list differs between the R4 models
(fhir.resources 6.4.0, the last release built on 4.0.1) and the R4B models we validate
with, compared element by element (model and JSON name) over all 809 R4 reference
elements: six differ (docs/fhir.md, "Referential integrity", has the comparison script).
Elements of R4-only types and the R4 `Evidence` elements R4B removed have no R4B model
to check them with; those types are refused (docs/fhir.md, "Resource types")."""

from __future__ import annotations

import functools
import typing
from collections.abc import Iterator
from typing import Any

from fhir.resources.R4B import get_fhir_model_class

from health.fhir.resource_types import RESOURCE_TYPES

# "<model>.<JSON name>" -> the R4 (4.0.1) target list, in the spec's order, where R4B's
# differs.
R4_TARGETS: dict[str, tuple[str, ...]] = {
    # R4B added Ingredient
    "ActivityDefinition.productReference": ("Medication", "Substance"),
    # R4B added Medication, Organization, Practitioner, Procedure and Substance
    "DiagnosticReport.subject": ("Patient", "Group", "Device", "Location"),
    "Observation.subject": ("Patient", "Group", "Device", "Location"),
    # R4B replaced ActivityDefinition by any canonical resource
    "EvidenceVariableCharacteristic.definitionCanonical": ("ActivityDefinition",),
    # R4B added EvidenceVariable
    "EvidenceVariableCharacteristic.definitionReference": ("Group",),
    # R4B added RelatedPerson
    "GroupMember.entity": (
        "Patient",
        "Practitioner",
        "PractitionerRole",
        "Device",
        "Medication",
        "Substance",
        "Group",
    ),
}
ANY = "Resource"  # Reference(Any): every type allowed


@functools.cache
def _fields(model: type) -> dict[str, tuple[type | None, tuple[str, ...]]]:
    """JSON key -> (the element's model, or None for primitives and nested resources;
    its allowed target types, empty when it is not a Reference)."""
    fields: dict[str, tuple[type | None, tuple[str, ...]]] = {}
    for name, field in getattr(model, "model_fields", {}).items():
        extra = field.json_schema_extra if isinstance(field.json_schema_extra, dict) else {}
        key = field.alias or name
        targets = R4_TARGETS.get(f"{model.__name__}.{key}", extra.get("enum_reference_types") or ())
        fields[key] = (_model_of(field.annotation), tuple(targets))
    return fields


def _model_of(annotation: Any) -> type | None:
    """The model class of an element type (`Optional[List[abc.ReferenceType]]` ->
    Reference); None for primitives and for nested resources (`contained`,
    `Bundle.entry.resource`: checked as resources of their own when written)."""
    pending = [annotation]
    while pending:
        current = pending.pop()
        klass = getattr(current, "get_model_klass", None)
        if isinstance(current, type) and callable(klass):
            if current.__name__ == "ResourceType":
                return None
            found = klass()
            return found if isinstance(found, type) else None
        pending.extend(typing.get_args(current))
    return None


_EXTENSIONS = ("extension", "modifierExtension")


@functools.cache
def _reaches(model: type, seen: frozenset[type] = frozenset()) -> bool:
    """Whether an element of `model` can hold a Reference other than through its
    extensions (which every element has, so they are looked at where present)."""
    for key, (child, _) in _fields(model).items():
        if child is None or key in _EXTENSIONS or child in seen:
            continue
        if child.__name__ == "Reference" or _reaches(child, seen | {model}):
            return True
    return False


def references(
    resource_type: str, document: dict[str, Any]
) -> Iterator[tuple[str, str, tuple[str, ...]]]:
    """(expression, `reference` text, allowed target types) of every Reference element
    that has a `reference` (logical references, identifier only, have none), contained
    resources' included."""
    yield from _walk(get_fhir_model_class(resource_type), document, resource_type)
    for index, item in enumerate(document.get("contained") or []):
        kind = item.get("resourceType") if isinstance(item, dict) else None
        if isinstance(kind, str) and kind in RESOURCE_TYPES:  # validation refused others
            yield from _walk(
                get_fhir_model_class(kind), item, f"{resource_type}.contained[{index}]"
            )


def _walk(
    model: type, value: dict[str, Any], path: str
) -> Iterator[tuple[str, str, tuple[str, ...]]]:
    fields = _fields(model)
    for key, item in value.items():
        child, targets = fields.get(key, (None, ()))
        if child is None:
            continue
        many = isinstance(item, list)
        for index, element in enumerate(item if many else [item]):
            if not isinstance(element, dict):
                continue
            where = f"{path}.{key}[{index}]" if many else f"{path}.{key}"
            if child.__name__ == "Reference":
                text = element.get("reference")
                if isinstance(text, str):
                    yield where, text, targets
            elif _reaches(child) or any(k in element for k in _EXTENSIONS):
                yield from _walk(child, element, where)
