"""The facility directory: how core resolves a user's facility scope without knowing
which feature keeps the facilities.

A user's scope is `users.facility_id`, a plain indexed integer key: core owns no
facility table, so there is no foreign key and no relationship. The feature that keeps
facilities (custody) registers a `FacilityDirectory` with the app's feature registry
(`core.features.Registry.set_facility_directory`); core asks it to turn the code an
admin types into the key, and keys back into codes and names for the user pages. With
no such feature, `NoFacilities` answers: every code is unknown, so users are unscoped.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from typing import Protocol

from core.actor import Actor


@dataclass(frozen=True)
class FacilityRef:
    """What core needs to know about a facility: its key, code, name, whether it
    still operates (a closed facility is offered only to the users already scoped to it)
    and its IANA time zone (pages show its times in it)."""

    id: int
    code: str
    name: str
    is_active: bool = True
    time_zone: str = "UTC"


class FacilityDirectory(Protocol):
    """Looks facilities up for core. Implementations only read; they never commit."""

    def by_code(self, code: str) -> FacilityRef | None:
        """The facility with this code, in any letter case, active or not."""
        ...

    def by_ids(self, ids: Collection[int]) -> dict[int, FacilityRef]:
        """id → facility for the ids that exist, active or not (one query)."""
        ...

    def choices(self, actor: Actor) -> list[FacilityRef]:
        """The active facilities `actor` may see, by code (a scoped actor: only theirs)."""
        ...


class NoFacilities:
    """The directory of an app whose features keep no facilities."""

    def by_code(self, code: str) -> FacilityRef | None:
        return None

    def by_ids(self, ids: Collection[int]) -> dict[int, FacilityRef]:
        return {}

    def choices(self, actor: Actor) -> list[FacilityRef]:
        return []
