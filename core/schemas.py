"""Base marshmallow schemas shared by every API input."""

from __future__ import annotations

from typing import Any

from marshmallow import Schema, ValidationError, pre_load

_FORBIDDEN = {chr(c) for c in range(32)} - {"\t", "\n", "\r"}


def has_control_characters(value: str) -> bool:
    return any(ch in _FORBIDDEN for ch in value)


class InSchema(Schema):
    """Input schemas refuse control characters (a NUL cannot even be stored in PostgreSQL)."""

    @pre_load
    def _refuse_control_characters(self, data: Any, **_: Any) -> Any:
        if isinstance(data, dict):
            bad = {
                key: ["Control characters are not allowed."]
                for key, value in data.items()
                if _tainted(value)
            }
            if bad:
                raise ValidationError(bad)
        return data


def _tainted(value: Any) -> bool:
    if isinstance(value, str):
        return has_control_characters(value)
    if isinstance(value, list):
        return any(_tainted(item) for item in value)
    return False
