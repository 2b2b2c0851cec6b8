"""Transfers as a state machine: every allowed and refused transition, double submits,
the 409 naming each blocker, census / in transit / locator, the attorney-of-record
notification's timing, the FHIR summary and Flag read back, audit entries."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from core.actor import Actor
from core.db import db
from core.events import outbox
from core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from custody.bookings.models import BookingStatus
from custody.counsel import services as counsel
from custody.events import TransferArrived, TransferDeparted
from custody.housing import board
from custody.housing.assignment import assign_bed
from custody.locator.services import locate
from custody.rules.models import ComplianceClock
from custody.transfers import clearance, movement
from custody.transfers import services as svc
from custody.transfers.models import TransferMovement
from health.fhir.link import patient_id_of
from health.fhir.scope import stays_of
from tests.helpers import events, last_event

HOUR, DAY = dt.timedelta(hours=1), dt.timedelta(days=1)
MED = {
    "drug": "Metformin",
    "dose": "500 mg",
    "directions": "by mouth twice daily with meals",
    "last_given_at": dt.datetime(2026, 11, 30, 8, 0, tzinfo=dt.UTC),
    "next_due_at": dt.datetime(2026, 11, 30, 20, 0, tzinfo=dt.UTC),
}


@pytest.fixture
def world(make):
    sending = make.facility(code="SEND", name="Sending Processing Center")
    receiving = make.facility(code="RECV", name="Receiving Detention Facility")
    bed = make.bed(unit=make.unit(facility=sending))
    booking = make.classified(make.booking(facility=sending, booked_at=dt.datetime.now(dt.UTC) - 3 * DAY))
    assign_bed(actor=Actor.system("test"), booking_id=booking.id, bed_id=bed.id)
    return {
        "sending": sending,
        "receiving": receiving,
        "bed": bed,
        "booking": booking,
        "officer": make.actor("officer", facility_id=sending.id),
        "supervisor": make.actor("supervisor", facility_id=sending.id),
        "clinician": make.actor("clinician", facility_id=sending.id),
        "receiver": make.actor("officer", facility_id=receiving.id),
        "third": make.actor("officer", facility_id=make.facility(code="THRD").id),
    }


def request(w, **kwargs):
    data = {
        "booking_id": w["booking"].id,
        "to_facility_code": "RECV",
        "reason": "Closer to family and counsel",
        "scheduled_for": dt.datetime.now(dt.UTC) + DAY,
    }
    return svc.request_transfer(actor=w["officer"], **{**data, **kwargs})


def summary(w, transfer, fit=True, **kwargs):
    data = {
        "fit_to_travel": fit,
        "active_problems": ["Type 2 diabetes"],
        "allergies": ["Penicillin (rash)"],
        "medications": [MED],
        "tb_status": "Chest X-ray negative 2026-11-01",
        "pending_appointments": ["Endocrinology follow-up in 2 weeks"],
        "accommodations": ["Lower bunk"],
    }
    return clearance.record_medical_summary(
        actor=w["clinician"], transfer_id=transfer.id, **{**data, **kwargs}
    )


def ready(w):
    transfer = request(w)
    svc.approve_transfer(actor=w["supervisor"], transfer_id=transfer.id)
    summary(w, transfer)
    return transfer


def moves(transfer):
    return [
        (m.from_status, m.to_status)
        for m in db.session.scalars(
            sa.select(TransferMovement)
            .where(TransferMovement.transfer_id == transfer.id)
            .order_by(TransferMovement.id)
        )
    ]


def test_request_approve_depart_arrive(world):
    w = world
    transfer = request(w)
    assert transfer.status == "requested"
    assert last_event("custody:transfer:request").subject_id == str(transfer.id)
    svc.approve_transfer(actor=w["supervisor"], transfer_id=transfer.id)
    summary(w, transfer)
    done = movement.depart(actor=w["officer"], transfer_id=transfer.id)
    assert done.status == "in_transit"
    booking = w["booking"]
    db.session.refresh(booking)
    assert booking.status == BookingStatus.IN_TRANSIT and booking.assignment is None
    assert booking.assignments[-1].end_reason == "transferred"
    arrived = movement.arrive(actor=w["receiver"], transfer_id=transfer.id)
    assert arrived.status == "arrived"
    db.session.refresh(booking)
    assert (booking.facility_id, booking.status) == (w["receiving"].id, "booked")
    assert moves(transfer) == [
        (None, "requested"),
        ("requested", "approved"),
        ("approved", "in_transit"),
        ("in_transit", "arrived"),
    ]
    for tag in ("approve", "depart", "arrive"):
        assert last_event(f"custody:transfer:{tag}").subject_id == str(transfer.id)
    # the receiving facility's intake clocks started at the arrival
    clocks = db.session.scalars(
        sa.select(ComplianceClock).where(
            ComplianceClock.booking_id == booking.id,
            ComplianceClock.facility_id == w["receiving"].id,
        )
    ).all()
    assert clocks and {c.started_at for c in clocks} == {arrived.arrived_at}
    # health: the stay moved from the sending to the receiving facility
    patient = patient_id_of(booking.detainee.a_number)
    stays = {s.facility_id: s.is_open for s in stays_of([patient])[patient]}
    assert stays == {w["sending"].id: False, w["receiving"].id: True}
    kinds = [e.kind for e in outbox(limit=1000) if e.subject_id == str(booking.id)]
    assert kinds[-2:] == [TransferDeparted.kind, TransferArrived.kind]
    acknowledged = movement.acknowledge_summary(actor=w["receiver"], transfer_id=transfer.id)
    assert acknowledged.acknowledged_at is not None
    assert last_event("custody:transfer:acknowledge").subject_id == str(transfer.id)
