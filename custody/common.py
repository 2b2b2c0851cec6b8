"""Small helpers shared by the custody services."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from core.db import utcnow


def clean(value: Any) -> Any:
    """Text without surrounding spaces; anything else as given."""
    return value.strip() if isinstance(value, str) else value


def apply_changes(row: Any, values: Mapping[str, Any]) -> list[str]:
    """Set the values that differ on `row`; the names of those changed (for the audit)."""
    changed = []
    for name, value in values.items():
        if getattr(row, name) != value:
            setattr(row, name, value)
            changed.append(name)
    return changed


FUTURE_SLACK = dt.timedelta(minutes=5)  # clocks of shared workstations drift


def checked_time(value: Any, name: str, errors: dict[str, list[str]]) -> dt.datetime | None:
    """A time given by the caller: None when empty; an error on `name` when it has no
    time zone or lies in the future."""
    if value is None or value == "":
        return None
    if not isinstance(value, dt.datetime) or value.tzinfo is None:
        errors.setdefault(name, []).append("Give a date and time with its time zone.")
        return None
    if value > utcnow() + FUTURE_SLACK:
        errors.setdefault(name, []).append("This time is in the future.")
    return value
