"""Base marshmallow schemas shared by every API input."""

from __future__ import annotations

from typing import Any

from marshmallow import Schema, ValidationError, fields, pre_load

from core.validation import MESSAGES, has_control_characters, id_problem, parse_id

__all__ = ["DatabaseId", "InSchema", "has_control_characters"]


class InSchema(Schema):
    """Input schemas refuse control characters (a NUL cannot even be stored in PostgreSQL)."""

    @pre_load
    def _refuse_control_characters(self, data: Any, **_: Any) -> Any:
        if isinstance(data, dict):
            bad = {
                key: [MESSAGES["control_characters"]]
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


class DatabaseId(fields.Field[int]):
    """A row id in a body, a query or a path: an integer or a string of digits (ids in
    JSON are strings), 1 to `core.db.MAX_ID`, nothing looser (no bools, floats, signs,
    spaces or leading zeros). Loads as an int, dumps as a string. Whether the row
    exists is the service's question."""

    default_error_messages = {
        "not_id": MESSAGES["not_id"],
        "unknown_id": MESSAGES["unknown_id"],
    }

    def __init__(self, **kwargs: Any) -> None:
        documented = {"type": "string", "pattern": "^[1-9][0-9]*$", "example": "42"}
        kwargs["metadata"] = {**documented, **kwargs.get("metadata", {})}
        super().__init__(**kwargs)

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> int:
        number = parse_id(value)
        if number is None:
            raise self.make_error(id_problem(value) or "not_id")
        return number

    def _serialize(self, value: Any, attr: str | None, obj: Any, **kwargs: Any) -> str | None:
        return None if value is None else str(value)
