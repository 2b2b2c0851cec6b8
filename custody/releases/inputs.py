"""Typed inputs of the release services (built by the API schemas and the page forms)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class PropertyReturnIn:
    """What happened to one line of the intake property receipt (its `line_no`)."""

    line_no: int
    outcome: str
    note: str | None = None


@dataclass(frozen=True)
class ContinuityIn:
    """Medications and health summary handed over (yes/no each), or the refusal."""

    medications_handed_over: bool | None = None
    health_summary_handed_over: bool | None = None
    refused: bool = False


@dataclass(frozen=True)
class ReleaseIn:
    reason: str
    released_at: dt.datetime | None = None
    notes: str | None = None
    property: tuple[PropertyReturnIn, ...] = ()
    continuity: ContinuityIn | None = None
    # the attorneys of record (active G-28s) told of the release by this channel, then
    counsel_channel: str | None = None
    counsel_notified_at: dt.datetime | None = None


@dataclass(frozen=True)
class NotificationIn:
    recipient: str
    channel: str
    notified_at: dt.datetime | None = None
    reference: str | None = None


def release_in(data: Mapping[str, Any]) -> ReleaseIn:
    """From the API schema's loaded dict."""
    care = data.get("continuity")
    return ReleaseIn(
        reason=data["reason"],
        released_at=data.get("released_at"),
        notes=data.get("notes"),
        property=property_returns(data.get("property") or ()),
        continuity=None if care is None else ContinuityIn(**care),
        counsel_channel=data.get("counsel_channel"),
        counsel_notified_at=data.get("counsel_notified_at"),
    )


def property_returns(rows: Iterable[Mapping[str, Any]]) -> tuple[PropertyReturnIn, ...]:
    return tuple(PropertyReturnIn(**row) for row in rows)
