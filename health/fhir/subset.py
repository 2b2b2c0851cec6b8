"""Subsetted resources: `_summary` and `_elements` as R4 has them (search.html#summary,
#elements), applied to the stored JSON of a read or of a search's matches and includes.

- `_summary=true`: the elements the R4 definitions mark as summary (fhir.resources'
  `summary_element_property`), within backbone elements too, plus the mandatory ones;
- `_summary=text`: `text`, `id`, `meta` and the top-level mandatory elements;
- `_summary=data`: everything but `text`;
- `_elements=a,b`: those top-level elements (a choice by its name, `value`, or a
  concrete one, `valueQuantity`; `Type.a` for one type only) plus `id`, `meta` and the
  mandatory elements.

`resourceType`, `id` and `meta` always stay, and every subsetted resource gets the
`meta.tag` SUBSETTED. `_summary=count` and `false` subset nothing."""

from __future__ import annotations

import dataclasses
import typing
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from fhir.resources.R4B import get_fhir_model_class
from fhir.resources.R4B.backboneelement import BackboneElement

from health.fhir import jsontext
from health.fhir.errors import InvalidRequest
from health.fhir.resource_types import RESOURCE_TYPES
from health.fhir.store import Stored

SUMMARY_MODES = ("true", "text", "data", "count", "false")
SUBSETTED = {
    "system": "http://terminology.hl7.org/CodeSystem/v3-ObservationValue",
    "code": "SUBSETTED",
    "display": "Resource encoded in summary mode",
}
ALWAYS = frozenset({"resourceType", "id", "meta"})


@dataclass(frozen=True)
class Subset:
    """What a request keeps: a `_summary` mode (true, text, data) or `_elements` names
    (bare: for every type; `Type.name`: for that type)."""

    summary: str | None = None
    elements: frozenset[str] | None = None

    def __bool__(self) -> bool:
        return self.summary in ("true", "text", "data") or self.elements is not None


@dataclass(frozen=True)
class _Shape:
    """A model's elements by JSON key: their base names (a choice's group name), which
    are summary, which mandatory, and the backbone classes to recurse into."""

    base: dict[str, str]
    summary: frozenset[str]
    mandatory: frozenset[str]
    backbone: dict[str, type]


@lru_cache(maxsize=512)
def _shape(model: Any) -> _Shape:
    base: dict[str, str] = {}
    summary, mandatory, backbone = set(), set(), {}
    for field_name, info in model.model_fields.items():
        extra = info.json_schema_extra if isinstance(info.json_schema_extra, dict) else {}
        if field_name.endswith("__ext") or not extra.get("element_property"):
            continue
        key = info.alias or field_name
        group = str(extra.get("one_of_many") or key)
        base[key] = base["_" + key] = group
        if extra.get("summary_element_property"):
            summary.add(group)
        if info.is_required() or extra.get("element_required") or extra.get("one_of_many_required"):
            mandatory.add(group)
        inner = _backbone_of(info.annotation)
        if inner is not None and inner.__module__ == model.__module__:  # not Timing
            backbone[key] = inner
    return _Shape(base, frozenset(summary), frozenset(mandatory), backbone)


def _backbone_of(annotation: Any) -> type | None:
    """The BackboneElement class an element holds (in a list or optional), if any."""
    klass = getattr(annotation, "get_model_klass", None)
    if klass is not None:
        found = klass()
        return found if issubclass(found, BackboneElement) else None
    for arg in typing.get_args(annotation):
        if (inner := _backbone_of(arg)) is not None:
            return inner
    return None


@lru_cache(maxsize=512)
def element_names(resource_type: str) -> frozenset[str]:
    """The names `_elements` may give for a type: top-level keys and choice names."""
    shape = _shape(get_fhir_model_class(resource_type))
    return frozenset(k for k in shape.base if not k.startswith("_")) | frozenset(
        shape.base.values()
    )


def unknown_elements(resource_type: str, value: str) -> list[str]:
    """The names of an `_elements` value that name no element of their type."""
    unknown = []
    for name in filter(None, (n.strip() for n in value.split(","))):
        if name in ALWAYS:  # always kept; fhirpy names resourceType
            continue
        kind, _, element = name.rpartition(".")
        kind = kind or resource_type
        if kind not in RESOURCE_TYPES or element not in element_names(kind):
            unknown.append(name)
    return unknown


def for_read(resource_type: str, params: list[tuple[str, str]]) -> Subset:
    """The subset a read asks for (`_summary` but `count`, `_elements`, not both);
    InvalidRequest naming the parameter otherwise. Nothing for an unknown type (the read
    answers 404)."""
    if resource_type not in RESOURCE_TYPES:
        return Subset()
    summary, elements = None, None
    for name, value in params:
        if name == "_summary":
            if value not in SUMMARY_MODES or value == "count":
                raise InvalidRequest(
                    f"_summary={value!r} is not one of true, text, data, false.",
                    expression=["_summary"],
                )
            summary = value
        elif name == "_elements":
            if unknown := unknown_elements(resource_type, value):
                message = f"_elements names no element of {resource_type}: {', '.join(unknown)}."
                raise InvalidRequest(message, expression=["_elements"])
            elements = (elements or frozenset()) | elements_of(value)
    if summary in ("true", "text", "data") and elements is not None:
        raise InvalidRequest(
            "_elements cannot be combined with _summary=true, text or data.",
            expression=["_elements"],
        )
    return Subset(summary, elements)


def elements_of(value: str) -> frozenset[str]:
    return frozenset(filter(None, (n.strip() for n in value.split(","))))


def apply(text: str, subset: Subset) -> str:
    """The stored JSON `text` subsetted, with the SUBSETTED tag."""
    document = jsontext.loads(text)
    resource_type = document.get("resourceType", "")
    if resource_type not in RESOURCE_TYPES:
        return text
    kept = _kept(document, get_fhir_model_class(resource_type), subset)
    meta = dict(kept.get("meta") or {})
    tags = list(meta.get("tag", []))
    if not any(
        t.get("code") == "SUBSETTED" and t.get("system") == SUBSETTED["system"] for t in tags
    ):
        tags.append(SUBSETTED)
    meta["tag"] = tags
    kept["meta"] = meta
    return jsontext.dumps({k: kept[k] for k in ("resourceType", "id", "meta") if k in kept} | kept)


def applied(items: list[Stored], subset: Subset | None) -> list[Stored]:
    """`items` with their text subsetted (as they are when there is nothing to subset)."""
    if not subset:
        return items
    return [
        dataclasses.replace(item, text=apply(item.text, subset)) if item.text else item
        for item in items
    ]


def _kept(document: dict[str, Any], model: type, subset: Subset) -> dict[str, Any]:
    shape = _shape(model)
    if subset.summary == "data":
        return {k: v for k, v in document.items() if k not in ("text", "_text")}
    if subset.summary == "true":
        return _summary(document, model)
    wanted = set(shape.mandatory)
    if subset.summary == "text":
        wanted.add("text")
    for name in subset.elements or ():
        kind, _, element = name.rpartition(".")
        if kind in ("", document.get("resourceType")):
            wanted.add(shape.base.get(element, element))
    return {k: v for k, v in document.items() if k in ALWAYS or shape.base.get(k) in wanted}


def _summary(document: dict[str, Any], model: type) -> dict[str, Any]:
    """Summary and mandatory elements, recursing into backbone elements; a backbone
    element left empty is dropped (FHIR has no empty objects)."""
    shape = _shape(model)
    wanted = shape.summary | shape.mandatory
    out: dict[str, Any] = {}
    for key, value in document.items():
        if key not in ALWAYS and shape.base.get(key) not in wanted:
            continue
        inner = shape.backbone.get(key)
        if inner is not None:
            value = _backbone(value, inner)
            if value is None:
                continue
        out[key] = value
    return out


def _backbone(value: Any, model: type) -> Any:
    if isinstance(value, list):
        items = [kept for item in value if (kept := _backbone(item, model)) is not None]
        return items or None
    if isinstance(value, dict):
        return _summary(value, model) or None
    return value
