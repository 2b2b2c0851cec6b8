"""Typed inputs of the legal-access services: one log entry, a group presentation, the
visiting hours offered on a day. Plain frozen dataclasses: the API builds them from the
loaded JSON, the pages from their forms, the seed and the tests directly. The services
check the values (`core.validation.FieldErrors`): a value here may be anything typed in."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass


@dataclass(frozen=True)
class EntryIn:
    """One log entry. Length is `ended_at` or `minutes` (either; both must agree). Kind
    fields: `is_pro_bono` (legal_call), `opened_in_presence` (legal_mail), `country`,
    `consulate`, `consular_type` (consular_contact). `reason` is required unless the
    outcome is completed, and for legal mail not opened in the person's presence;
    `denial_reason` (the controlled list) names why access was denied ("other" when a
    denial does not say)."""

    kind: object
    started_at: object
    ended_at: object = None
    minutes: object = None
    counsel_name: object = None
    outcome: object = "completed"
    denial_reason: object = None
    reason: object = None
    is_pro_bono: object = None
    opened_in_presence: object = None
    country: object = None
    consulate: object = None
    consular_type: object = None


@dataclass(frozen=True)
class PresentationIn:
    """A legal rights group presentation and who attended (booking ids)."""

    started_at: object
    attendees: tuple[object, ...]
    ended_at: object = None
    minutes: object = None
    counsel_name: object = None
    outcome: object = "completed"
    denial_reason: object = None
    reason: object = None


@dataclass(frozen=True)
class VisitingDayIn:
    """The legal-visiting time a facility offered on one of its local days."""

    day: object
    minutes_offered: object
    is_holiday: object = False


@dataclass(frozen=True)
class Timing:
    """A checked start, end and length (`minutes` None when the length is unknown)."""

    started_at: dt.datetime
    ended_at: dt.datetime | None
    minutes: int | None
