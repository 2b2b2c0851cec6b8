"""Input checks shared by the charting services: plausible vitals, codes that exist in
their code system, choices of our vocabularies. Each records its message on the form's
field name (`core.validation.FieldErrors`)."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from core.validation import FieldErrors
from health.charting import codes
from health.charting.codes import Code
from health.charting.inputs import VitalsIn

# field → (lowest, highest) plausible value
VITAL_RANGES: dict[str, tuple[Decimal, Decimal]] = {
    "systolic": (Decimal(50), Decimal(260)),
    "diastolic": (Decimal(30), Decimal(160)),
    "pulse": (Decimal(20), Decimal(250)),
    "temperature_f": (Decimal(86), Decimal(110)),
    "respiratory_rate": (Decimal(4), Decimal(60)),
    "spo2": (Decimal(50), Decimal(100)),
    "weight_lb": (Decimal(50), Decimal(700)),
    "height_in": (Decimal(36), Decimal(96)),
}
UNITS = {
    "systolic": "mmHg",
    "diastolic": "mmHg",
    "pulse": "beats/minute",
    "temperature_f": "°F",
    "respiratory_rate": "breaths/minute",
    "spo2": "%",
    "weight_lb": "lb",
    "height_in": "in",
}


def vitals(errors: FieldErrors, data: VitalsIn, *, required: tuple[str, ...] = ()) -> None:
    """Each given value within its plausible range; `required` ones given; systolic and
    diastolic together, diastolic below systolic."""
    for name, (low, high) in VITAL_RANGES.items():
        value = getattr(data, name)
        if value is None:
            if name in required:
                errors.add(name, "This field is required.")
            continue
        try:
            number = Decimal(value)
        except (InvalidOperation, TypeError, ValueError):
            errors.add(name, "Give a number.")
            continue
        if not low <= number <= high:
            errors.add(name, f"Give a value from {low} to {high} {UNITS[name]}.")
    if (data.systolic is None) != (data.diastolic is None):
        missing = "diastolic" if data.diastolic is None else "systolic"
        errors.add(missing, "Give both blood-pressure values.")
    elif (
        data.systolic is not None
        and data.diastolic is not None
        and "systolic" not in errors
        and "diastolic" not in errors
        and data.diastolic >= data.systolic
    ):
        errors.add("diastolic", "The diastolic value must be below the systolic.")


def code_list(errors: FieldErrors, field: str, values: tuple[str, ...], system: str) -> list[Code]:
    """Codes of `system`: one message naming the first unknown one, with suggestions."""
    found = []
    for value in values:
        if not value.strip():
            continue
        code = codes.lookup(system, value)
        if code is None:
            errors.add(field, unknown_code(system, value))
            return []
        found.append(code)
    return found


def unknown_code(system: str, value: str) -> str:
    suggestions = codes.search(system, value, limit=3)
    hint = "; ".join(f"{c.code} {c.display}" for c in suggestions)
    base = f"{value.strip()[:40]!r} is not a code of this list."
    return f"{base} Did you mean: {hint}?" if hint else f"{base} Search for the code."


def choices(
    errors: FieldErrors, field: str, values: tuple[str, ...], vocabulary: dict[str, str]
) -> tuple[str, ...]:
    unknown = [v for v in values if v not in vocabulary]
    if unknown:
        errors.add(field, "Choose from the listed values.")
        return ()
    return tuple(values)
