"""Facility scope: the one rule every path applies to a user limited to one facility.

A user with `facility_id` set sees only what concerns that facility (the contract's
"Roles"): pages, `/api/v1`, `/fhir`, exports and the audit log. What concerns a
facility is decided by a person's **stays** there — a booking in custody, a Patient's
stay in health — and the rule is:

- **read**: the person has a stay at the actor's facility, now or in the past (a
  facility may read the history it made);
- **write**: the person is held at the actor's facility now (an open stay);
- a person with no stay anywhere concerns no facility: only unscoped users reach them,
  unless the caller says such records are open to every facility (`unplaced=True`:
  custody's person records before their first booking, which any facility's intake
  may find and book);
- unscoped users and the local operator (`Actor.system`) reach everything.

Features load a person's stays from their own tables and ask `reaches`; lists and
searches filter in SQL with `held_clause`, built from the same rule. A refusal is a
403 through `core.access.denial` (audited); its message names no other facility.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

import sqlalchemy as sa

from core.actor import Actor


class Access(StrEnum):
    READ = "read"
    WRITE = "write"


@dataclass(frozen=True)
class Stay:
    """A person's stay at a facility: `is_open` while they are held there."""

    facility_id: int
    is_open: bool


def limited_to(actor: Actor) -> int | None:
    """The facility `actor` is limited to; None when they reach every facility."""
    return actor.limited_to


def reaches(actor: Actor, stays: Iterable[Stay], access: Access, *, unplaced: bool = False) -> bool:
    """Whether `actor` may read or write the records of a person with these stays."""
    facility = limited_to(actor)
    if facility is None:
        return True
    known = list(stays)
    if not known:
        return unplaced
    if access is Access.READ:
        return any(stay.facility_id == facility for stay in known)
    return any(stay.is_open and stay.facility_id == facility for stay in known)


def held_clause(
    actor: Actor, access: Access, *, facility: Any, is_open: Any
) -> sa.ColumnElement[bool] | None:
    """The rule as SQL over one table of stays: `facility` is its facility column,
    `is_open` the condition of an open stay. None for an actor who reaches everything
    (no filter); otherwise the condition a stay row must meet to grant `access`. Wrap
    it in an EXISTS or IN over the stays of the person being filtered."""
    limited = limited_to(actor)
    if limited is None:
        return None
    here = facility == limited
    return here if access is Access.READ else sa.and_(here, is_open)
