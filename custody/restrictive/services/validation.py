"""Field checks of restrictive housing's writing services: each adds its message to the
errors under the field's name; `_raise` raises them all at once. Kept apart from
writing.py until the shared validation toolkit replaces them."""

from __future__ import annotations

import datetime as dt
from typing import Any

from core.db import utcnow
from core.errors import ValidationFailed
from custody.common import checked_time


def _when(value: Any, name: str, errors: dict[str, list[str]]) -> dt.datetime:
    """The time given, or now when none (or when it is refused: the error says so)."""
    return checked_time(value, name, errors) or utcnow()


def _choice(value: Any, allowed: dict[Any, str], name: str, errors: dict[str, list[str]]) -> str:
    text = str(value or "").strip().lower()
    if text not in allowed:
        errors[name] = [f"Choose one of: {', '.join(str(k) for k in allowed)}."]
    return text


def _text(value: Any, name: str, errors: dict[str, list[str]], *, limit: int, what: str) -> str:
    text = str(value or "").strip()
    if not text:
        errors[name] = [f"Give {what}."]
    elif len(text) > limit:
        errors[name] = [f"Use at most {limit} characters."]
    return text


def _not_before(
    when: dt.datetime, start: dt.datetime, name: str, message: str, errors: dict[str, list[str]]
) -> None:
    if name not in errors and when < start:
        errors.setdefault(name, []).append(message)


def _raise(errors: dict[str, list[str]]) -> None:
    if errors:
        raise ValidationFailed(errors)
