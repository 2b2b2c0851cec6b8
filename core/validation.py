"""One way to check a service's input: a `FieldErrors` collector with one wording per
check, taken from one table of message templates (`MESSAGES`).

A service collects every problem, then raises them together::

    errors = FieldErrors()
    reason = errors.text("reason", reason, max_length=2000)
    kind = errors.choice("kind", kind, KINDS)
    arrival = (booking.booked_at, "arrival")
    when = errors.time("placed_at", placed_at, required=False, default=now, not_before=arrival)
    if "kind" not in errors and ...:
        errors.add("kind", "A message only this service needs.")
    errors.raise_if_any()  # ValidationFailed({"reason": [...], ...}): a 422 naming fields

Each check records at most one message on its field and returns the cleaned value (an
empty or refused value gives "", None or the `default`). Checks that concern one
service alone (a ZIP code, a bed of this facility) use `add` with their own message.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import enum
import re
from collections.abc import Collection, Iterable, Mapping
from types import MappingProxyType
from typing import Any, Final, Literal, TypeAlias, overload

from core.db import MAX_ID, utcnow
from core.errors import ValidationFailed

MESSAGES: Final[Mapping[str, str]] = MappingProxyType(
    {
        "required": "This field is required.",
        "not_text": "Give text.",
        "control_characters": "Control characters are not allowed.",
        "too_long": "Use at most {max_length} characters.",
        "choice": "Choose one of: {options}.",
        "choice_listed": "Choose one of the listed values.",  # too many to list
        "not_time": "Give a date and time with its time zone.",
        "future_time": "This time is in the future.",
        "time_before": "This time is before {event}.",
        "not_date": "Give a date like 1990-04-30.",
        "future_date": "This date is in the future.",
        "date_before": "This date is before {event}.",
        "not_integer": "Give a whole number.",
        "not_integer_of": "Give a whole number of {unit}.",
        "not_positive": "Must be more than zero.",
        "too_small": "Must be at least {minimum}.",
        "too_large": "Must be at most {maximum}.",
        "not_boolean": "Give true or false.",
        "not_id": "Not a valid id: use a positive whole number.",
        "unknown_id": "Not a known id.",
        "unknown_field": "Unknown field.",
    }
)

FUTURE_SLACK = dt.timedelta(minutes=5)  # clocks of shared workstations drift
LATEST_OFFSET = dt.timedelta(hours=14)  # no place on Earth is further ahead of UTC
MAX_LISTED_CHOICES = 8
_CONTROL = {chr(c) for c in range(32)} - {"\t", "\n", "\r"}
_ID = re.compile(r"[1-9][0-9]*")


def message(key: str, **values: object) -> str:
    """The wording of check `key` (`MESSAGES`), filled in."""
    return MESSAGES[key].format(**values)


def has_control_characters(value: str) -> bool:
    """Control characters other than tab and line breaks (a NUL cannot even be stored in
    PostgreSQL)."""
    return any(ch in _CONTROL for ch in value)


def is_empty(value: object) -> bool:
    """Nothing given: None, a blank string or an empty collection."""
    if value is None:
        return True
    if isinstance(value, str):
        return not value.strip()
    return isinstance(value, Collection) and len(value) == 0


def id_problem(value: object) -> str | None:
    """Why `value` is not a database id (a `MESSAGES` key), or None when it is one: an
    integer or a string of ASCII digits without leading zeros (ids in JSON are
    strings), from 1 to `MAX_ID`. Refused: bools, floats, signs, spaces, "007", "²"."""
    if isinstance(value, bool):
        return "not_id"
    if isinstance(value, str) and _ID.fullmatch(value):
        if len(value) > len(str(MAX_ID)):  # (and int() refuses over 4,300 digits)
            return "unknown_id"
        value = int(value)
    if not isinstance(value, int) or value < 1:
        return "not_id"
    return "unknown_id" if value > MAX_ID else None  # a larger number names no row


def parse_id(value: object) -> int | None:
    """`value` as a database id, or None when it is not one (`id_problem`)."""
    return None if id_problem(value) else int(str(value))


def _option(value: object) -> str:
    return str(value.value) if isinstance(value, enum.Enum) else str(value)


class FieldErrors:
    """Problems per field, in the shape `ValidationFailed` carries (field → messages)."""

    def __init__(self) -> None:
        self._errors: dict[str, list[str]] = {}

    def __bool__(self) -> bool:
        return bool(self._errors)

    def __contains__(self, field: object) -> bool:
        return field in self._errors

    def __repr__(self) -> str:
        return f"FieldErrors({self._errors!r})"

    def add(self, field: str, message: str) -> None:
        """Record a problem (the same message twice on a field is kept once)."""
        messages = self._errors.setdefault(field, [])
        if message not in messages:
            messages.append(message)

    def merge(self, errors: Mapping[str, Iterable[str]]) -> None:
        """Add problems found elsewhere (a dict of field → messages)."""
        for field, messages in errors.items():
            for text in messages:
                self.add(field, text)

    def as_dict(self) -> dict[str, list[str]]:
        return {field: list(messages) for field, messages in self._errors.items()}

    def raise_if_any(self, message: str | None = None) -> None:
        """Raise `ValidationFailed` (a 422 naming the fields) if any problem was found."""
        if self._errors:
            raise ValidationFailed(self.as_dict(), message)

    # --- checks ----------------------------------------------------------------------

    def _missing(self, field: str, value: object, required: bool) -> bool:
        """True when nothing was given (recording it if `required`)."""
        if not is_empty(value):
            return False
        if required:
            self.add(field, MESSAGES["required"])
        return True

    def required(self, field: str, value: object) -> bool:
        """`value` must be given (not None, blank or empty); True if it is."""
        return not self._missing(field, value, True)

    def required_in(self, data: Mapping[str, Any], names: Iterable[str]) -> None:
        """Each of `names` must be given in `data`."""
        for name in names:
            self.required(name, data.get(name))

    def unknown_fields(self, data: Mapping[str, Any], allowed: Collection[str]) -> None:
        """Every key of `data` must be one of `allowed`."""
        for name in data:
            if name not in allowed:
                self.add(name, MESSAGES["unknown_field"])

    def text(self, field: str, value: object, *, max_length: int, required: bool = True) -> str:
        """Text without surrounding spaces, at most `max_length` characters, without
        control characters; "" when empty (or refused)."""
        if self._missing(field, value, required):
            return ""
        if not isinstance(value, str):
            self.add(field, MESSAGES["not_text"])
            return ""
        text = value.strip()
        if has_control_characters(text):
            self.add(field, MESSAGES["control_characters"])
        elif len(text) > max_length:
            self.add(field, message("too_long", max_length=max_length))
        return text

    def choice(
        self,
        field: str,
        value: object,
        allowed: Mapping[Any, Any] | Collection[Any],
        *,
        required: bool = True,
    ) -> str:
        """One of `allowed` (a mapping's keys, a StrEnum, or any collection of strings),
        or an enum member; strings are compared exactly after trimming spaces. "" when
        empty (or refused). An empty required choice gets the list too: it says what to
        choose."""
        options = [_option(option) for option in allowed]
        if is_empty(value) and not required:
            return ""
        text = value.strip() if isinstance(value, str) else None
        if isinstance(value, enum.Enum):
            text = _option(value)
        if text is None or text not in options:
            listed = len(options) <= MAX_LISTED_CHOICES
            wording = message("choice", options=", ".join(options)) if listed else None
            self.add(field, wording or MESSAGES["choice_listed"])
            return ""
        return text

    @overload
    def time(
        self,
        field: str,
        value: object,
        *,
        required: bool = ...,
        not_future: bool = ...,
        not_before: tuple[dt.datetime, str] | None = ...,
        default: dt.datetime,
    ) -> dt.datetime: ...

    @overload
    def time(
        self,
        field: str,
        value: object,
        *,
        required: bool = ...,
        not_future: bool = ...,
        not_before: tuple[dt.datetime, str] | None = ...,
        default: None = ...,
    ) -> dt.datetime | None: ...

    def time(
        self,
        field: str,
        value: object,
        *,
        required: bool = True,
        not_future: bool = True,
        not_before: tuple[dt.datetime, str] | None = None,
        default: dt.datetime | None = None,
    ) -> dt.datetime | None:
        """An aware datetime, returned in UTC. Naive times are refused (their zone is
        unknown); `not_future` allows `FUTURE_SLACK` of clock drift; `not_before` is
        (earliest time, what it is: "arrival") → "This time is before arrival.".
        `default` when empty or refused."""
        if self._missing(field, value, required):
            return default
        if not isinstance(value, dt.datetime) or value.tzinfo is None:
            self.add(field, MESSAGES["not_time"])
            return default
        when = value.astimezone(dt.UTC)
        if not_future and when > utcnow() + FUTURE_SLACK:
            self.add(field, MESSAGES["future_time"])
        elif not_before is not None and when < not_before[0]:
            self.add(field, message("time_before", event=not_before[1]))
        return when

    def since(self, field: str, value: object, earlier: tuple[dt.datetime, str]) -> dt.datetime:
        """When something happened: a time between `earlier` (when, what) and now; not
        given means now. The usual check of a record's time against the event before it."""
        return self.time(field, value, required=False, default=utcnow(), not_before=earlier)

    def date(
        self,
        field: str,
        value: object,
        *,
        required: bool = True,
        not_future: bool = True,
        not_before: tuple[dt.date, str] | None = None,
    ) -> dt.date | None:
        """A calendar date (not a datetime). `not_future`: not after today anywhere on
        Earth; `not_before` is (earliest date, what it is: "1900")."""
        if self._missing(field, value, required):
            return None
        if not isinstance(value, dt.date) or isinstance(value, dt.datetime):
            self.add(field, MESSAGES["not_date"])
            return None
        if not_future and value > (utcnow() + LATEST_OFFSET).date():
            self.add(field, MESSAGES["future_date"])
        elif not_before is not None and value < not_before[0]:
            self.add(field, message("date_before", event=not_before[1]))
        return value

    def integer(
        self,
        field: str,
        value: object,
        *,
        required: bool = True,
        minimum: int | None = None,
        maximum: int | None = None,
        maximum_label: str | None = None,
        unit: str | None = None,
    ) -> int | None:
        """A whole number (an int, not a bool or a numeric string), within the bounds.
        `unit` names it in the message ("Give a whole number of minutes."),
        `maximum_label` shows the bound another way ("Must be at most 365 days.")."""
        if self._missing(field, value, required):
            return None
        if isinstance(value, bool) or not isinstance(value, int):
            wording = message("not_integer_of", unit=unit) if unit else MESSAGES["not_integer"]
            self.add(field, wording)
            return None
        if minimum is not None and value < minimum:
            too_small = message("too_small", minimum=minimum)
            self.add(field, MESSAGES["not_positive"] if minimum == 1 else too_small)
        elif maximum is not None and value > maximum:
            self.add(field, message("too_large", maximum=maximum_label or maximum))
        return value

    def boolean(self, field: str, value: object, *, required: bool = True) -> bool | None:
        """True or false (not "yes", 1 or "true")."""
        if value is None:
            self._missing(field, value, required)
            return None
        if not isinstance(value, bool):
            self.add(field, MESSAGES["not_boolean"])
            return None
        return value

    def identifier(self, field: str, value: object, *, required: bool = True) -> int | None:
        """A database id (`parse_id`); whether that row exists is the caller's check."""
        if self._missing(field, value, required):
            return None
        if problem := id_problem(value):
            self.add(field, MESSAGES[problem])
            return None
        return parse_id(value)


# --- typed inputs ----------------------------------------------------------------------


class _Unset(enum.Enum):
    UNSET = "unset"

    def __repr__(self) -> str:
        return "UNSET"


UNSET: Final = _Unset.UNSET
"""A field a partial update (PATCH) did not send: leave it as it is. Services take
typed inputs (frozen dataclasses); a patch input's fields default to `UNSET`."""
Unset: TypeAlias = Literal[_Unset.UNSET]


def given(value: object) -> bool:
    """Whether a patch input's field was sent (None counts: it clears the field)."""
    return value is not UNSET


def sent(patch: object) -> dict[str, Any]:
    """The fields of a patch dataclass that were sent, by name."""
    return {
        f.name: getattr(patch, f.name)
        for f in dataclasses.fields(patch)  # type: ignore[arg-type]
        if given(getattr(patch, f.name))
    }
