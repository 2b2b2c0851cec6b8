"""What search supports, in one place: `refusal` says why a search parameter cannot be
applied (None when it can). Search is strict by default: a refusal is a 400 naming the
parameter. With `Prefer: handling=lenient` the parameter is dropped instead, left out of
the self link and named in an OperationOutcome entry of the searchset (`warning`).

Chains, `_has` and `:missing` are refused for the reasons `health.fhir.chains` gives
(their form and the parameters they name); `_include:iterate`, `_revinclude:iterate`
and `_include=*` / `Type:*` are applied (`health.fhir.includes`). To support another
feature, teach `refusal` to let it through and `health.fhir.query.parse` to apply it."""

from __future__ import annotations

import re
from typing import Any

from health.fhir.chains import is_linked, linked_refusal
from health.fhir.conditions import MODIFIERS
from health.fhir.resource_types import RESOURCE_TYPES
from health.fhir.searchparams import lookup
from health.fhir.subset import SUMMARY_MODES, unknown_elements

# result parameters search applies, and that a page's `self` link carries when applied
APPLIED = frozenset(
    {
        "_count",
        "_sort",
        "_include",
        "_revinclude",
        "_summary",
        "_elements",
        "_total",
        # Aidbox's spelling, which fhirpy's count() sends: count means _total=accurate
        "_totalMethod",
    }
)
# every result parameter search takes (paging cursors; _format and _pretty need nothing)
CONTROL = APPLIED | {"_offset", "_after", "_before", "_format", "_pretty"}
# R4 parameters for every resource (or special ones) that this server does not apply
NOT_SUPPORTED = {
    "_filter": "_filter is not supported.",
    "_text": "_text (search on the narrative) is not supported.",
    "_content": "_content (full-text search) is not supported.",
    "_list": "_list is not supported.",
    "_query": "Named queries (_query) are not supported.",
    "_type": "_type is not supported in a search of one type.",
    "_contained": "_contained is not supported.",
    "_containedType": "_containedType is not supported.",
    "_source": "_source is not supported.",
}
# the composite search parameters of R4's base resources (none is supported)
COMPOSITE = frozenset(
    {
        "code-value-concept",
        "code-value-date",
        "code-value-quantity",
        "code-value-string",
        "combo-code-value-concept",
        "combo-code-value-quantity",
        "component-code-value-concept",
        "component-code-value-quantity",
        "characteristic-value",
        "context-type-quantity",
        "context-type-value",
        "relationship",
        "target-disease-dosage",
        "variant",
    }
)
TOTALS = ("none", "estimate", "accurate")
TOTAL_METHODS = ("none", "estimate", "count")
STRICTNESS = (
    "Search is strict by default: an unknown or unsupported search parameter, modifier,"
    " chain, composite parameter or _include/_sort/_summary/_elements form is refused"
    " with 400 and an OperationOutcome naming it. With the header Prefer:"
    " handling=lenient such a parameter is dropped instead: the self link leaves it out"
    " and the searchset carries an OperationOutcome entry (search.mode outcome, severity"
    " warning) naming each dropped parameter. _summary (true, text, data, count, false)"
    " and _elements apply to search (matches and includes) and to read; a subsetted"
    " resource carries the meta.tag SUBSETTED (v3-ObservationValue)."
)


def lenient(prefer: str) -> bool:
    """Whether a Prefer header asks for `handling=lenient` (among other preferences)."""
    return any(
        part.replace(" ", "").lower() == "handling=lenient" for part in re.split(r"[,;]", prefer)
    )


def refusal(resource_type: str, raw_name: str, value: str) -> str | None:
    """Why the search parameter `raw_name=value` cannot be applied; None when it can."""
    name, _, modifier = raw_name.partition(":")
    if is_linked(name, modifier) and name not in CONTROL:
        return linked_refusal(resource_type, name, modifier)
    if name in NOT_SUPPORTED:
        return NOT_SUPPORTED[name]
    if name in CONTROL:
        iterate = modifier == "iterate" and name in ("_include", "_revinclude")
        if modifier and not iterate:
            return f"{name}:{modifier} is not supported."
        return _control_refusal(resource_type, name, value, iterate)
    if name in ("_id", "_lastUpdated"):
        return f"Modifier :{modifier} is not supported on {name!r}." if modifier else None
    param = lookup(resource_type, name)
    if param is None:
        if name in COMPOSITE:
            return f"{name!r} is a composite parameter; composite parameters are not supported."
        return f"Unknown search parameter {name!r} for {resource_type}."
    if modifier not in MODIFIERS[param.kind]:
        return f"Modifier :{modifier} is not supported on {name!r}."
    return None


def _control_refusal(resource_type: str, name: str, value: str, iterate: bool) -> str | None:
    if name in ("_include", "_revinclude"):
        return _include_refusal(resource_type, name, value, iterate)
    if name == "_sort":
        for key in filter(None, value.split(",")):
            key = key.removeprefix("-")
            if key not in ("_id", "_lastUpdated") and lookup(resource_type, key) is None:
                return f"Cannot sort by {key!r}."
    if name == "_summary" and value not in SUMMARY_MODES:
        return f"_summary={value!r} is not one of {', '.join(SUMMARY_MODES)}."
    if name == "_elements" and (unknown := unknown_elements(resource_type, value)):
        return f"_elements names no element of {resource_type}: {', '.join(unknown)}."
    if name == "_total" and value not in TOTALS:
        return f"_total={value!r} is not one of {', '.join(TOTALS)}."
    if name == "_totalMethod" and value not in TOTAL_METHODS:
        return f"_totalMethod={value!r} is not one of {', '.join(TOTAL_METHODS)}."
    return None


def _include_refusal(resource_type: str, name: str, value: str, iterate: bool) -> str | None:
    """`Type:param[:Target]` with a reference `param` (or `*`: every one); `_include`'s
    Type is the searched type, except with `:iterate` (any type, e.g. an included one);
    `_include=*` alone is the searched type's references (any type's with `:iterate`)."""
    if value == "*":
        return None if name == "_include" else f"{name}=* is not supported."
    source, _, rest = value.partition(":")
    param_name, _, target = rest.partition(":")
    param: Any = lookup(source, param_name) if source in RESOURCE_TYPES else None
    wrong_source = name == "_include" and source != resource_type and not iterate
    star = param_name == "*" and source in RESOURCE_TYPES
    if wrong_source or not (star or (param is not None and param.kind == "reference")):
        return f"Cannot {name.lstrip('_')} {value!r}."
    if target and target not in RESOURCE_TYPES:
        return f"Cannot {name.lstrip('_')} {value!r}: {target!r} is no resource type."
    return None
