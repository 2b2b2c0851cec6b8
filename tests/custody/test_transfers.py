"""Transfers as a state machine: every allowed and refused transition, double submits,
the 409 naming each blocker, census / in transit / locator, the attorney-of-record
notification's timing, the FHIR summary and Flag read back, audit entries."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from core.actor import Actor
from core.db import db
from core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from core.events import outbox
from custody.bookings.models import BookingStatus
from custody.counsel import services as counsel
from custody.events import TransferArrived, TransferDeparted
from custody.facilities.models import FieldOffice
from custody.housing import board
from custody.housing.assignment import assign_bed
from custody.locator.services import locate
from custody.restrictive.services import place_in_restrictive_housing
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
    booking = make.classified(
        make.booking(facility=sending, booked_at=dt.datetime.now(dt.UTC) - 3 * DAY)
    )
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


# --- refused transitions, idempotency ------------------------------------------------


def test_departure_refused_names_every_blocker(world):
    w = world
    transfer = request(w)
    clearance.set_medical_hold(actor=w["clinician"], transfer_id=transfer.id, reason="Pending labs")
    with pytest.raises(Conflict) as refused:
        movement.depart(actor=w["officer"], transfer_id=transfer.id)
    rules = [r["rule"] for r in refused.value.details["rules"]]
    assert rules == ["not_approved", "no_medical_summary", "medical_hold"]
    assert "approved" in refused.value.message and "medical hold" in refused.value.message
    db.session.refresh(w["booking"])
    assert w["booking"].status == "housed" and w["booking"].assignment is not None
    assert moves(transfer) == [(None, "requested")]
    assert not events("custody:transfer:depart")
    # approved, summary on file, but not fit to travel: still refused, hold lifted
    svc.approve_transfer(actor=w["supervisor"], transfer_id=transfer.id)
    summary(w, transfer, fit=False)
    clearance.lift_medical_hold(actor=w["clinician"], transfer_id=transfer.id)
    with pytest.raises(Conflict) as refused:
        movement.depart(actor=w["officer"], transfer_id=transfer.id)
    assert [r["rule"] for r in refused.value.details["rules"]] == ["not_fit_to_travel"]
    summary(w, transfer, fit=True)
    assert movement.depart(actor=w["officer"], transfer_id=transfer.id).status == "in_transit"


def test_transitions_are_idempotent(world):
    w = world
    transfer = ready(w)
    svc.approve_transfer(actor=w["supervisor"], transfer_id=transfer.id)  # again: nothing
    first = movement.depart(actor=w["officer"], transfer_id=transfer.id)
    again = movement.depart(actor=w["officer"], transfer_id=transfer.id)
    assert again.status == "in_transit" and again.departed_at == first.departed_at
    assert len(events("custody:transfer:depart")) == 1
    assert len(events("custody:transfer:approve")) == 1
    movement.arrive(actor=w["receiver"], transfer_id=transfer.id)
    movement.arrive(actor=w["receiver"], transfer_id=transfer.id)
    assert len(events("custody:transfer:arrive")) == 1
    assert [m[1] for m in moves(transfer)] == ["requested", "approved", "in_transit", "arrived"]


@pytest.mark.parametrize(
    ("state", "action", "rule"),
    [
        ("requested", "arrive", "transfer_requested"),
        ("requested", "acknowledge", "transfer_requested"),
        ("approved", "arrive", "transfer_approved"),
        ("in_transit", "approve", "transfer_in_transit"),
        ("in_transit", "summary", "transfer_in_transit"),
        ("arrived", "approve", "transfer_arrived"),
        ("arrived", "depart", "transfer_arrived"),
        ("arrived", "cancel", "transfer_arrived"),
        ("cancelled", "approve", "transfer_cancelled"),
        ("cancelled", "depart", "transfer_cancelled"),
        ("cancelled", "arrive", "transfer_cancelled"),
    ],
)
def test_refused_transitions(world, state, action, rule):
    w = world
    transfer = ready(w) if state != "requested" else request(w)
    if state in ("in_transit", "arrived"):
        movement.depart(actor=w["officer"], transfer_id=transfer.id)
    if state == "arrived":
        movement.arrive(actor=w["receiver"], transfer_id=transfer.id)
    if state == "cancelled":
        movement.cancel_transfer(actor=w["officer"], transfer_id=transfer.id, reason="Court date")
    before = moves(transfer)
    run = {
        "approve": lambda: svc.approve_transfer(actor=w["supervisor"], transfer_id=transfer.id),
        "depart": lambda: movement.depart(actor=w["officer"], transfer_id=transfer.id),
        "arrive": lambda: movement.arrive(actor=w["receiver"], transfer_id=transfer.id),
        "acknowledge": lambda: movement.acknowledge_summary(
            actor=w["receiver"], transfer_id=transfer.id
        ),
        "cancel": lambda: movement.cancel_transfer(actor=w["officer"], transfer_id=transfer.id),
        "summary": lambda: summary(w, transfer),
    }[action]
    with pytest.raises(Conflict) as refused:
        run()
    assert refused.value.details["rule"] == rule
    assert moves(transfer) == before


def test_cancel_from_each_state_before_arrival(world, make):
    w = world
    for stage in ("requested", "approved", "in_transit"):
        transfer = request(w) if stage == "requested" else ready(w)
        if stage == "in_transit":
            movement.depart(actor=w["officer"], transfer_id=transfer.id)
        done = movement.cancel_transfer(actor=w["officer"], transfer_id=transfer.id, reason="Off")
        assert done.status == "cancelled" and moves(transfer)[-1] == (stage, "cancelled")
        movement.cancel_transfer(actor=w["officer"], transfer_id=transfer.id)  # again: nothing
    assert len(events("custody:transfer:cancel")) == 3
    db.session.refresh(w["booking"])
    # back from the road: in the sending facility's custody, to be housed again
    assert (w["booking"].status, w["booking"].facility_id) == ("booked", w["sending"].id)
    patient = patient_id_of(w["booking"].detainee.a_number)
    assert {s.facility_id: s.is_open for s in stays_of([patient])[patient]} == {
        w["sending"].id: True
    }


def test_one_open_transfer_per_booking(world):
    w = world
    first = request(w)
    with pytest.raises(Conflict) as refused:
        request(w)
    assert refused.value.details["existing_id"] == str(first.id)


def test_request_checks_its_fields(world):
    w = world
    with pytest.raises(ValidationFailed) as bad:
        request(w, to_facility_code="SEND", reason=" ", scheduled_for=dt.datetime(2026, 1, 1))
    assert set(bad.value.errors) == {"to_facility_code", "reason", "scheduled_for"}
    with pytest.raises(ValidationFailed) as bad:
        request(w, to_facility_code="NOPE")
    assert "to_facility_code" in bad.value.errors


# --- who may do what ------------------------------------------------------------------


def test_roles_and_facilities(world, make):
    w = world
    with pytest.raises(Forbidden):  # only the sending facility requests
        svc.request_transfer(
            actor=w["receiver"],
            booking_id=w["booking"].id,
            to_facility_code="RECV",
            reason="x",
            scheduled_for=dt.datetime.now(dt.UTC),
        )
    transfer = request(w)
    with pytest.raises(Forbidden):  # officers do not approve
        svc.approve_transfer(actor=w["officer"], transfer_id=transfer.id)
    assert last_event("custody:supervision:approve").outcome == "denied"
    with pytest.raises(Forbidden):  # the receiving facility does not approve either
        svc.approve_transfer(
            actor=make.actor("supervisor", facility_id=w["receiving"].id), transfer_id=transfer.id
        )
    with pytest.raises(Forbidden):  # officers write no medical summary
        clearance.record_medical_summary(
            actor=w["officer"], transfer_id=transfer.id, fit_to_travel=True
        )
    with pytest.raises(Forbidden):  # a third facility sees nothing
        svc.get_transfer(actor=w["third"], transfer_id=transfer.id)
    assert svc.get_transfer(actor=w["receiver"], transfer_id=transfer.id).id == transfer.id
    assert svc.list_transfers(actor=w["third"]) == []
    assert [t.id for t in svc.list_transfers(actor=w["receiver"])] == [transfer.id]
    svc.approve_transfer(actor=w["supervisor"], transfer_id=transfer.id)
    summary(w, transfer)
    with pytest.raises(Forbidden):  # the receiving facility does not send
        movement.depart(actor=w["receiver"], transfer_id=transfer.id)
    movement.depart(actor=w["officer"], transfer_id=transfer.id)
    with pytest.raises(Forbidden):  # the sending facility does not receive
        movement.arrive(actor=w["officer"], transfer_id=transfer.id)
    with pytest.raises(NotFound):
        svc.get_transfer(actor=w["officer"], transfer_id=999999)


# --- census, in-transit list, locator -------------------------------------------------


def test_in_transit_is_on_no_census_and_the_locator_names_the_receiving_office(world):
    w = world
    seattle = db.session.scalar(sa.select(FieldOffice).where(FieldOffice.name == "Seattle"))
    w["receiving"].field_office = seattle
    db.session.commit()
    system = Actor.system("test")
    transfer = ready(w)
    movement.depart(actor=w["officer"], transfer_id=transfer.id)
    for code in ("SEND", "RECV"):
        census = board.census(actor=system, facility_code=code)
        assert census["population"] == 0 and census["housed"] == 0, code
    assert [t.id for t in svc.list_transfers(actor=w["receiver"], status="in_transit")] == [
        transfer.id
    ]
    assert svc.transfer_counts(actor=w["receiver"]) == {
        "pending_approval": 0,
        "in_transit": 1,
        "arriving": 1,
    }
    person = w["booking"].detainee
    found = locate(
        actor=Actor.anonymous(), a_number=person.a_number, country_of_birth=person.country_of_birth
    )
    assert found.in_transit and found.field_office == "Seattle" and found.facility_name is None
    movement.arrive(actor=w["receiver"], transfer_id=transfer.id)
    assert board.census(actor=system, facility_code="RECV")["population"] == 1
    found = locate(
        actor=Actor.anonymous(), a_number=person.a_number, country_of_birth=person.country_of_birth
    )
    assert not found.in_transit and found.facility_name == "Receiving Detention Facility"


# --- the attorney of record ------------------------------------------------------------


def test_counsel_is_notified_not_before_departure(world):
    w = world
    g28 = counsel.file_g28(
        actor=w["officer"],
        booking_id=w["booking"].id,
        attorney_name="Rosa Abogada",
        bar_number="24001234",
        bar_state="tx",
        organization="Synthetic Legal Aid",
        email="rosa@example.org",
    )
    assert last_event("custody:counsel:file").subject_id == str(g28.id)
    transfer = ready(w)
    with pytest.raises(Conflict):  # before departure: refused
        movement.notify_counsel(actor=w["officer"], transfer_id=transfer.id, channel="phone")
    departed = movement.depart(actor=w["officer"], transfer_id=transfer.id)
    with pytest.raises(ValidationFailed) as bad:  # a time before the departure
        movement.notify_counsel(
            actor=w["officer"],
            transfer_id=transfer.id,
            channel="phone",
            notified_at=departed.departed_at - dt.timedelta(minutes=5),
        )
    assert "notified_at" in bad.value.errors
    with pytest.raises(ValidationFailed) as bad:
        movement.notify_counsel(actor=w["officer"], transfer_id=transfer.id, channel="pigeon")
    assert "channel" in bad.value.errors
    at = departed.departed_at + dt.timedelta(minutes=2)
    [done] = movement.notify_counsel(
        actor=w["officer"], transfer_id=transfer.id, channel="email", notified_at=at
    )
    assert (done.attorney_id, done.event_kind, done.event_id) == (g28.id, "transfer", transfer.id)
    assert (done.channel, done.notified_at) == ("email", at)
    assert last_event("custody:counsel:notify").subject_id == str(g28.id)
    counsel.withdraw_g28(actor=w["officer"], booking_id=w["booking"].id, attorney_id=g28.id)
    assert counsel.attorneys_of_record(actor=w["officer"], booking_id=w["booking"].id) == []
    assert last_event("custody:counsel:withdraw").subject_id == str(g28.id)


def test_depart_can_record_the_counsel_notification(world):
    w = world
    counsel.file_g28(
        actor=w["officer"],
        booking_id=w["booking"].id,
        attorney_name="Ben Counsel",
        bar_number="77",
        bar_state="CA",
    )
    transfer = ready(w)
    movement.depart(actor=w["officer"], transfer_id=transfer.id, counsel_channel="phone")
    [notice] = counsel.counsel_notifications(actor=w["officer"], booking_id=w["booking"].id)
    assert notice.channel == "phone" and notice.notified_at >= transfer.departed_at


def test_g28_checks(world):
    w = world
    with pytest.raises(ValidationFailed) as bad:
        counsel.file_g28(
            actor=w["officer"],
            booking_id=w["booking"].id,
            attorney_name="",
            bar_number="1",
            bar_state="ZZ",
            email="not-an-address",
        )
    assert set(bad.value.errors) == {"attorney_name", "bar_state", "email"}
    counsel.file_g28(
        actor=w["officer"],
        booking_id=w["booking"].id,
        attorney_name="A",
        bar_number="1",
        bar_state="NY",
    )
    with pytest.raises(Conflict):
        counsel.file_g28(
            actor=w["officer"],
            booking_id=w["booking"].id,
            attorney_name="A",
            bar_number="1",
            bar_state="NY",
        )
    with pytest.raises(Forbidden):
        counsel.file_g28(
            actor=w["third"],
            booking_id=w["booking"].id,
            attorney_name="A",
            bar_number="2",
            bar_state="NY",
        )


def test_departure_ends_a_restrictive_placement(world):
    w = world
    placement = place_in_restrictive_housing(
        actor=w["supervisor"], booking_id=w["booking"].id, kind="administrative", reason="Safety"
    )
    transfer = ready(w)
    departed = movement.depart(actor=w["officer"], transfer_id=transfer.id)
    db.session.refresh(placement)
    assert placement.released_at == departed.departed_at
    assert placement.release_note == "transferred out"
    assert last_event("custody:restrictive:release").subject_id == str(placement.id)
