"""What the compliance clocks do when records change elsewhere (domain events).

- FHIR writes (`health.fhir.resources_written`): health publishes it from the one path
  every FHIR write takes (the FHIR API, a transaction or batch Bundle, `custodia fhir
  import`, the charting pages), so a written, updated or deleted Encounter or
  ServiceRequest of a booked person makes the engine (custody/rules/engine.py)
  recompute that booking's clinical clocks from the person's stored record. It runs in
  the write's transaction: a failure here rolls the write back.
- A booking (`custody.booking.opened`) or a transfer's arrival
  (`custody.transfer.arrived`) recomputes too: the person's record may hold Encounters
  or requests written before the arrival was recorded.
- A release (`custody.booking.released`) or a transfer's departure
  (`custody.transfer.departed`) stops the booking's clocks still open at the facility
  it left: `stopped`, neither met nor overdue.
"""

from __future__ import annotations

import sqlalchemy as sa

from core.db import db, lock_for_update
from core.events import subscribe
from custody.bookings.models import Booking
from custody.events import (
    BookingEvent,
    BookingOpened,
    BookingReleased,
    TransferArrived,
    TransferDeparted,
)
from custody.people.models import Detainee
from custody.rules import clocks, engine
from health.clock_facts import CODED_BY, clock_facts, patient_id_of
from health.events import FhirResourcesWritten
from health.patients import a_number_of


def recompute_from_fhir(event: FhirResourcesWritten) -> None:
    """Recompute the clinical clocks of each booked person whose Encounters or
    ServiceRequests were just written (created, updated or deleted)."""
    patients = dict.fromkeys(
        r.patient_id
        for r in event.resources
        if r.resource_type in CODED_BY and r.patient_id is not None
    )
    for patient_id in patients:
        booking = _active_booking_of(patient_id)
        if booking is not None:
            _recompute(booking, patient_id)


def recompute_on_arrival(event: BookingEvent) -> None:
    """A booking or an arrival: the clinical clocks of the new stay from what the
    person's record already holds (nothing yet if the arrival clocks are not open)."""
    booking = db.session.get(Booking, event.booking_id)
    if booking is None:
        return
    patient_id = patient_id_of(booking.detainee.a_number)
    if patient_id is not None:
        _recompute(booking, patient_id)


def stop_clocks_on_leaving(event: BookingEvent) -> None:
    """Released or transferred out: the clocks still open where they were stop then."""
    clocks.stop_clocks(event.booking_id, event.facility_id, event.occurred_at)


def _recompute(booking: Booking, patient_id: str) -> None:
    """Writers of one person's record take turns here: the booking is locked before the
    facts are read, so a concurrent write's recompute (committed first) is not undone by
    one that read the record without it."""
    lock_for_update(db.session(), Booking, [booking.id])
    engine.recompute(booking, clock_facts(patient_id))


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


def register() -> None:
    subscribe(FhirResourcesWritten, recompute_from_fhir)
    subscribe(BookingOpened, recompute_on_arrival)
    subscribe(TransferArrived, recompute_on_arrival)
    subscribe(BookingReleased, stop_clocks_on_leaving)
    subscribe(TransferDeparted, stop_clocks_on_leaving)
