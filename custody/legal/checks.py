"""Checking a legal-access entry: every problem collected at once, one message per field
(`core.validation`), the kind's own fields required or refused. Plain (no database): the
services pass what they looked up (the booking's arrival, the known countries)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from core.errors import ValidationFailed
from core.validation import FieldErrors, is_empty
from custody.legal.inputs import EntryIn, Timing
from custody.legal.models import EntryKind, Outcome
from custody.legal.vocabulary import (
    CONSULAR_TYPES,
    COUNTED_OUTCOMES,
    DENIAL_REASONS,
    KINDS,
    MAX_MINUTES,
    OUTCOMES,
    TIMED_KINDS,
)

REASON_NEEDED = "Give the reason: anything but a completed session needs one."
MAIL_REASON = "Give the reason the mail was opened outside the person's presence."
ENDS_BEFORE = "The end is before the start."
LENGTH_DIFFERS = "The minutes differ from the start and end times."
LENGTH_NEEDED = "Give the end time or the minutes."
NOT_FOR_KIND = "Only for {kind}."
ONLY_DENIED = "Only for a denied entry."
UNKNOWN_COUNTRY = "Choose a country from the list."


def timing(
    errors: FieldErrors,
    data: Any,
    arrival: tuple[dt.datetime, str],
    *,
    length_needed: bool,
) -> Timing | None:
    """Start (not future, not before `arrival`), end (not future, not before the start)
    and length in minutes, from `ended_at` or `minutes`; None when the start is refused."""
    started = errors.time("started_at", data.started_at, not_before=arrival)
    ended = errors.time("ended_at", data.ended_at, required=False)
    minutes = errors.integer(
        "minutes", data.minutes, required=False, minimum=1, maximum=MAX_MINUTES, unit="minutes"
    )
    if started is None or "started_at" in errors:
        return None
    if ended is not None and ended < started:
        errors.add("ended_at", ENDS_BEFORE)
        return None
    length = None if ended is None else round((ended - started).total_seconds() / 60)
    if ended is not None and length is not None and length > MAX_MINUTES:
        errors.add("ended_at", f"A session lasts at most {MAX_MINUTES // 60} hours.")
    if minutes is not None and length is not None and abs(minutes - length) > 1:
        errors.add("minutes", LENGTH_DIFFERS)
    if minutes is not None and ended is None:
        ended, length = started + dt.timedelta(minutes=minutes), minutes
        if ended > dt.datetime.now(dt.UTC) + dt.timedelta(minutes=5):
            errors.add("minutes", "The session would end in the future.")
    if length is None and length_needed and "ended_at" not in errors and "minutes" not in errors:
        errors.add("ended_at", LENGTH_NEEDED)
    return Timing(started_at=started, ended_at=ended, minutes=length)


def outcome_fields(errors: FieldErrors, data: Any, *, reason_needed: bool = False) -> dict:
    """Outcome, denial reason (denied only; "other" when a denial names none) and the
    free-text reason (required unless completed, or when `reason_needed`)."""
    outcome = errors.choice("outcome", _or(data.outcome, Outcome.COMPLETED), OUTCOMES)
    denied = outcome == Outcome.DENIED
    code = errors.choice("denial_reason", data.denial_reason, DENIAL_REASONS, required=False)
    if code and outcome and not denied:
        errors.add("denial_reason", ONLY_DENIED)
    needs_reason = reason_needed or (outcome and outcome != Outcome.COMPLETED)
    reason = errors.text("reason", data.reason, max_length=2000, required=False)
    if needs_reason and not reason and "reason" not in errors:
        errors.add("reason", MAIL_REASON if reason_needed and not denied else REASON_NEEDED)
    return {
        "outcome": outcome,
        "denial_reason": (code or "other") if denied else None,
        "reason": reason or None,
    }


def entry_values(
    data: EntryIn, arrival: tuple[dt.datetime, str], countries: dict[str, str]
) -> tuple[Timing, dict[str, Any]]:
    """The columns of a new entry, or ValidationFailed naming every problem."""
    errors = FieldErrors()
    kind = errors.choice("kind", data.kind, KINDS)
    outcome = data.outcome if isinstance(data.outcome, str) else None
    length_needed = kind in TIMED_KINDS and outcome in (None, "", *COUNTED_OUTCOMES)
    when = timing(errors, data, arrival, length_needed=length_needed)
    values = _kind_fields(errors, kind, data, countries)
    mail_not_in_presence = (
        kind == EntryKind.LEGAL_MAIL and values.get("opened_in_presence") is False
    )
    values |= outcome_fields(errors, data, reason_needed=mail_not_in_presence)
    counsel = errors.text("counsel_name", data.counsel_name, max_length=200, required=False)
    if kind == EntryKind.ATTORNEY_VISIT and not counsel and "counsel_name" not in errors:
        errors.add("counsel_name", "Give the attorney's or representative's name.")
    errors.raise_if_any()
    if when is None:
        raise ValidationFailed({"started_at": ["Give the start time."]})
    return when, {"kind": kind, "counsel_name": counsel or None, **values}


def _kind_fields(errors: FieldErrors, kind: str, data: EntryIn, countries: dict) -> dict:
    values: dict[str, Any] = {}
    own = {
        "is_pro_bono": EntryKind.LEGAL_CALL,
        "opened_in_presence": EntryKind.LEGAL_MAIL,
        "country": EntryKind.CONSULAR_CONTACT,
        "consulate": EntryKind.CONSULAR_CONTACT,
        "consular_type": EntryKind.CONSULAR_CONTACT,
    }
    for name, owner in own.items():
        if kind and kind != owner and not is_empty(getattr(data, name)):
            errors.add(name, NOT_FOR_KIND.format(kind=KINDS[owner].lower()))
    if kind == EntryKind.LEGAL_CALL:
        values["is_pro_bono"] = errors.boolean("is_pro_bono", data.is_pro_bono)
    elif kind == EntryKind.LEGAL_MAIL:
        values["opened_in_presence"] = errors.boolean("opened_in_presence", data.opened_in_presence)
    elif kind == EntryKind.CONSULAR_CONTACT:
        country = errors.text("country", data.country, max_length=2)
        if country and country.upper() not in countries:
            errors.add("country", UNKNOWN_COUNTRY)
        values["country"] = country.upper() or None
        values["consulate"] = (
            errors.text("consulate", data.consulate, max_length=200, required=False) or None
        )
        values["consular_type"] = errors.choice("consular_type", data.consular_type, CONSULAR_TYPES)
    return values


def _or(value: object, default: object) -> object:
    return default if is_empty(value) else value
