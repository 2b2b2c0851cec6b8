"""Typed inputs of the booking services: a booking, a change to its intake, a property
line and a classification worksheet. Plain frozen dataclasses (no database, no Flask):
the API builds them from the loaded JSON, the pages from their forms, the seed and the
tests directly. The services check the values (`core.validation.FieldErrors`)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from core.validation import UNSET, Unset


@dataclass(frozen=True)
class PropertyLine:
    """One line of the property receipt."""

    description: str
    quantity: int = 1
    value_cents: int | None = None
    is_valuable: bool = False


@dataclass(frozen=True)
class BookingIn:
    """A booking: who (`detainee_id`; None while intake records the person), where, when
    they arrived (None: now) and the intake details."""

    facility_code: str
    detainee_id: int | None = None
    booked_at: dt.datetime | None = None
    orientation_at: dt.datetime | None = None
    arresting_agency: str | None = None
    program: str | None = None
    handbook_language: str | None = None
    property: tuple[PropertyLine, ...] = ()


@dataclass(frozen=True)
class IntakePatch:
    """A change to a booking's intake details: the fields not sent stay as they are."""

    orientation_at: dt.datetime | Unset | None = UNSET
    handbook_language: str | Unset | None = UNSET
    arresting_agency: str | Unset | None = UNSET
    program: str | Unset | None = UNSET
    property: tuple[PropertyLine, ...] | Unset = UNSET


@dataclass(frozen=True)
class WorksheetIn:
    """A classification worksheet: the answers by factor name, and a supervisor's
    `level` (with `override_reason`) when it differs from the scored one.
    `classified_at` records a worksheet done earlier on paper (None: now)."""

    inputs: Mapping[str, Any] = field(default_factory=dict)
    reasons: str | None = None
    level: int | None = None
    override_reason: str | None = None
    classified_at: dt.datetime | None = None


def property_lines(items: Iterable[Mapping[str, Any]]) -> tuple[PropertyLine, ...]:
    """Property lines from loaded JSON or a parsed form (dicts with the same names)."""
    return tuple(PropertyLine(**item) for item in items)


def booking_in(data: Mapping[str, Any]) -> BookingIn:
    """A `BookingIn` from loaded JSON (`schemas.BookingIn`)."""
    return BookingIn(**{**data, "property": property_lines(data.get("property") or ())})


def intake_patch(data: Mapping[str, Any]) -> IntakePatch:
    """An `IntakePatch` from loaded JSON: the keys present are the fields sent."""
    if "property" in data:
        data = {**data, "property": property_lines(data["property"] or ())}
    return IntakePatch(**data)
