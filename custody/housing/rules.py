"""Every housing rule in one place. `check` returns the rules a placement breaks; hard
rules can never be overridden, soft ones by a supervisor with a reason (audited)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from custody.bookings.models import Booking, BookingStatus
from custody.facilities.models import Bed, UnitKind
from custody.people.alerts import active_kinds
from custody.people.models import AlertKind, GenderIdentity

GENDER_REVIEW = {
    GenderIdentity.TRANSGENDER_MAN,
    GenderIdentity.TRANSGENDER_WOMAN,
    GenderIdentity.INTERSEX,
    GenderIdentity.NONBINARY,
}


@dataclass(frozen=True)
class Occupant:
    """What the rules need to know of someone already in the unit."""

    level: int | None
    abusiveness_risk: bool


@dataclass(frozen=True)
class Violation:
    rule: str
    message: str
    hard: bool

    def as_dict(self) -> dict[str, object]:
        return {"rule": self.rule, "message": self.message, "overridable": not self.hard}


def check(
    booking: Booking,
    bed: Bed,
    *,
    bed_taken: bool,
    occupants: Iterable[Occupant],
    has_placement: bool,
    alerts: set[str] | None = None,
) -> list[Violation]:
    """What `booking`'s person in `bed` would break. `alerts`: the person's active alert
    kinds when the caller checks many beds for one person (read them once); otherwise
    read here."""
    unit = bed.unit
    person = booking.detainee
    found: list[Violation] = []

    def hard(rule: str, message: str) -> None:
        found.append(Violation(rule, message, hard=True))

    def soft(rule: str, message: str) -> None:
        found.append(Violation(rule, message, hard=False))

    if unit.facility_id != booking.facility_id:
        # alone: nothing of another facility's bed (label, occupancy, service) is told
        return [
            Violation("other_facility", "The bed is in another facility than the booking.", True)
        ]
    if booking.status not in (BookingStatus.BOOKED, BookingStatus.HOUSED):
        hard("booking_not_active", f"The booking is {booking.status}.")
    if bed_taken:
        hard("bed_taken", f"Bed {bed.label} is occupied.")
    if not bed.is_in_service:
        hard("bed_out_of_service", f"Bed {bed.label} is out of service.")

    occupants = list(occupants)
    classification = booking.classification
    level = classification.level if classification else None
    levels_present = {o.level for o in occupants if o.level is not None}
    if level is not None and {level} | levels_present >= {1, 3}:
        hard("level_1_with_level_3", "Level 1 and Level 3 may never share a unit.")

    general = unit.kind == UnitKind.GENERAL
    if general and (classification is None or booking.screening is None):
        soft(
            "not_classified",
            "Classification and sexual-abuse screening come before general population.",
        )
    if level is not None and level not in unit.levels:
        soft("level_not_allowed", f"Unit {unit.name} does not house Level {level}.")
    _sex_rules(person.sex, person.gender_identity, unit.sex_housed, soft)

    if alerts is None:
        alerts = active_kinds(person)  # custody alerts and custody-visible health Flags
    if AlertKind.LOWER_BUNK in alerts and not bed.is_lower_bunk:
        soft("lower_bunk_needed", "The person needs a lower bunk.")
    if AlertKind.ACCESSIBLE_BED in alerts and not bed.is_accessible:
        soft("accessible_bed_needed", "The person needs an accessible bed.")
    if unit.kind == UnitKind.ISOLATION and AlertKind.MEDICAL_ISOLATION not in alerts:
        soft("isolation_without_order", "Medical isolation needs a clinical order.")
    if unit.kind == UnitKind.MEDICAL and not alerts & {
        AlertKind.MEDICAL_HOUSING,
        AlertKind.MEDICAL_ISOLATION,
    }:
        soft("medical_unit_without_order", "A medical unit needs a clinical order.")
    if AlertKind.MEDICAL_ISOLATION in alerts and unit.kind != UnitKind.ISOLATION:
        soft("isolation_ordered", "A clinician ordered medical isolation.")
    if unit.kind == UnitKind.RESTRICTIVE and not has_placement:
        soft("restrictive_without_placement", "Restrictive housing needs a placement order.")
    screening = booking.screening
    if (
        screening is not None
        and screening.victimization_risk
        and any(o.abusiveness_risk for o in occupants)
    ):
        soft(
            "sexual_abuse_risk",
            "Someone at risk of victimization would share a unit with someone at risk of "
            "abusiveness.",
        )
    return found


def _sex_rules(sex: str, gender: str | None, housed: str, soft: Callable[[str, str], None]) -> None:
    if housed == "any":
        return
    if gender in GENDER_REVIEW:
        soft(
            "gender_review",
            "Housing a transgender, intersex or nonbinary person is decided case by case "
            "by a supervisor (6 CFR 115.42).",
        )
    elif sex != housed:
        soft("unit_sex", f"The unit houses {housed} detainees.")
