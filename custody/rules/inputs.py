"""Typed inputs of the rule-set services: built by the API from the loaded body, by the
pages from their forms, and by the tests directly. A patch's fields default to `UNSET`
(not sent: left as it is)."""

from __future__ import annotations

from dataclasses import dataclass

from core.validation import UNSET, Unset


@dataclass(frozen=True, kw_only=True)
class RuleSetIn:
    code: str
    name: str
    copy_from: str | None = None  # the code of a set whose rules are copied


@dataclass(frozen=True, kw_only=True)
class RulePatch:
    """The changeable fields of a rule. Minutes are whole numbers, at most 365 days; no
    repeat (None) means no anchor either."""

    title: str | Unset = UNSET
    limit_minutes: int | Unset | None = UNSET
    repeat_minutes: int | Unset | None = UNSET
    repeat_anchor: str | Unset | None = UNSET
    citation: str | Unset = UNSET
    to_confirm: bool | Unset = UNSET
    is_active: bool | Unset = UNSET


@dataclass(frozen=True, kw_only=True)
class RuleIn:
    rule: str  # a slug, new in its set
    title: str
    starts_on: str
    stops_on: str
    limit_minutes: int | None
    repeat_minutes: int | None = None
    repeat_anchor: str | None = None
    citation: str = ""
    to_confirm: bool = False
    is_active: bool = True
