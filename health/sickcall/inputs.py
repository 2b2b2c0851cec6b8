"""What the sick-call services take (frozen dataclasses). Times typed on a page are
the facility's wall-clock time (`*_local`, naive): the service puts them in the zone of
the facility where the person is held; None means now."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass


@dataclass(frozen=True)
class RequestIn:
    a_number: str
    complaint: str
    language: str
    channel: str
    received_local: dt.datetime | None = None


@dataclass(frozen=True)
class InterpreterIn:
    language: str
    mode: str
    interpreter_id: str = ""


@dataclass(frozen=True)
class TriageIn:
    priority: str
    disposition: str
    interpreter: InterpreterIn
    referred_to: str = ""
    note: str = ""
    triaged_local: dt.datetime | None = None


@dataclass(frozen=True)
class VisitIn:
    subjective: str
    objective: str
    assessment: str
    plan: str
    interpreter: InterpreterIn
    seen_local: dt.datetime | None = None
