"""Small helpers shared by the custody services."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


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
