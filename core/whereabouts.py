"""Where a person is held now: how health learns the facility, unit and bed of a
patient without importing custody.

The feature that keeps bookings (custody) registers a `Whereabouts` with the app's
feature registry (`core.features.Registry.set_whereabouts`); health asks it by A-number
for the chart's banner. With no such feature, `NoWhereabouts` answers: nobody is held.
Only custody facts, never clinical ones, cross this seam.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True)
class Placement:
    """Where a person is held now: the facility (code, name, IANA time zone), and the
    unit and bed when housed."""

    facility_code: str
    facility_name: str
    time_zone: str
    unit: str | None = None
    bed: str | None = None


class Whereabouts(Protocol):
    """Looks placements up for other features. Implementations only read."""

    def held(self, a_number: str) -> Placement | None:
        """Where the person with this A-number (9 digits) is held now; None when they
        are not in custody (released, unknown)."""
        ...


class NoWhereabouts:
    """The lookup of an app whose features keep no bookings."""

    def held(self, a_number: str) -> Placement | None:
        return None
