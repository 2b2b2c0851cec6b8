"""The bed picker: the free beds of the booking's facility, each judged by the housing
rules (custody/housing/rules.py) for this person, so the page offers only beds the rules
allow — and, for a supervisor, those a reason may override — grouped by unit. A few
queries whatever the size of the facility: one board, one occupancy query per unit."""

from __future__ import annotations

from dataclasses import dataclass, field

from core.actor import Actor
from custody.bookings.models import Booking
from custody.facilities.models import Bed, HousingUnit
from custody.housing import rules as housing_rules
from custody.housing.assignment import occupants_of, open_placement
from custody.housing.board import housing_board
from custody.housing.rules import Violation
from custody.people.alerts import active_kinds


@dataclass
class UnitChoice:
    """One unit's free beds for this person: `allowed` break no rule; `overridable`
    break only rules a supervisor may override (with the rules they break)."""

    unit: HousingUnit
    allowed: list[Bed] = field(default_factory=list)
    overridable: list[tuple[Bed, list[Violation]]] = field(default_factory=list)

    @property
    def override_reasons(self) -> list[str]:
        seen: dict[str, None] = {}
        for _, broken in self.overridable:
            seen.update((v.message, None) for v in broken)
        return list(seen)


def bed_choices(*, actor: Actor, booking: Booking) -> list[UnitChoice]:
    """Units with a free bed for the person, by unit name; beds breaking a rule that can
    never be overridden (Level 1 with Level 3, taken, out of service) are left out."""
    boards = housing_board(actor=actor, facility_code=booking.facility.code, free_only=True)
    placed = open_placement(booking.id) is not None
    alerts = active_kinds(booking.detainee)  # once, not per bed (a health query)
    found = []
    for board in boards:
        if not board.slots:
            continue
        choice = UnitChoice(board.unit)
        occupants = occupants_of(board.unit.id, booking.id)
        for slot in board.slots:
            broken = housing_rules.check(
                booking,
                slot.bed,
                bed_taken=False,
                occupants=occupants,
                has_placement=placed,
                alerts=alerts,
            )
            if not broken:
                choice.allowed.append(slot.bed)
            elif not any(v.hard for v in broken):
                choice.overridable.append((slot.bed, broken))
        if choice.allowed or choice.overridable:
            found.append(choice)
    return found
