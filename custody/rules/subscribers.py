"""What the compliance clocks do when health records change (domain events).

A finished Encounter of a type in our encounter-type CodeSystem closes the booking clock
the contract's "Compliance clocks" table names, however the Encounter arrived (the FHIR
API, a transaction or batch Bundle, an import): health publishes
`health.fhir.resources_written` from the one path every FHIR write takes, and this
subscriber runs in that write's transaction, so a failure here rolls the write back.
"""

from __future__ import annotations

import sqlalchemy as sa

from core.db import db, utcnow
from core.events import subscribe
from custody.bookings.models import Booking
from custody.people.models import Detainee
from custody.rules import clocks
from health.events import FhirResourcesWritten, WrittenResource
from health.fhir.services import fhir_base
from health.patients import a_number_of

# encounter type (code in {FHIR_BASE}/CodeSystem/encounter-type) -> the rule it meets
ENCOUNTER_RULES = {
    "intake-screening": "intake-health-screening",
    "health-assessment": "health-assessment",
    "dental-screening": "dental-screening",
}


def encounter_type_system() -> str:
    return f"{fhir_base()}/CodeSystem/encounter-type"


def rules_met_by(resource: WrittenResource) -> list[str]:
    """The rules a written resource meets: a finished, not deleted Encounter's types."""
    if (
        resource.resource_type != "Encounter"
        or resource.is_deleted
        or resource.status != "finished"
        or resource.patient_id is None
    ):
        return []
    system = encounter_type_system()
    rules = []
    for token in resource.codes:
        code_system, _, code = token.rpartition("|")
        rule = ENCOUNTER_RULES.get(code) if code_system == system else None
        if rule is not None and rule not in rules:
            rules.append(rule)
    return rules


def close_clocks_from_encounters(event: FhirResourcesWritten) -> None:
    """Close the booking clocks met by the finished Encounters just written: met when
    the Encounter ended (`period.end`, else its start, else now), by the Encounter."""
    bookings: dict[str, Booking | None] = {}
    for resource in event.resources:
        rules = rules_met_by(resource)
        if not rules or resource.patient_id is None:
            continue
        if resource.patient_id not in bookings:
            bookings[resource.patient_id] = _active_booking_of(resource.patient_id)
        booking = bookings[resource.patient_id]
        if booking is None:
            continue
        met_at = resource.occurred_at or utcnow()
        for rule in rules:
            clocks.close_clocks(booking, rule, met_at=met_at, met_by=_met_by(resource))


def _active_booking_of(patient_id: str) -> Booking | None:
    """The active booking of the person whose Patient this is (by A-number)."""
    a_number = a_number_of(patient_id)
    if a_number is None:
        return None
    return db.session.scalar(
        sa.select(Booking)
        .join(Detainee, Booking.detainee_id == Detainee.id)
        .where(Detainee.a_number == a_number, Booking.is_active)
    )


def _met_by(resource: WrittenResource) -> str:
    return resource.reference[:64]


def register() -> None:
    subscribe(FhirResourcesWritten, close_clocks_from_encounters)
