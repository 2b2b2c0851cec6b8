"""The compliance engine against hand-built timelines with known answers: clinical
clocks recomputed from the person's stored FHIR record on every write, however it
arrives (the FHIR API, a transaction, `custodia fhir import`), in whatever order, and
stopped by a release or a transfer's departure."""

from __future__ import annotations

import datetime as dt
import json

import pytest
import sqlalchemy as sa

from core.actor import Actor
from core.cli import main
from core.db import db, unit_of_work
from core.events import publish
from custody.bookings.models import BookingStatus
from custody.events import TransferArrived, TransferDeparted
from custody.releases.inputs import ReleaseIn
from custody.releases.services import release_booking
from custody.rules import clocks
from custody.rules.clocks import ClockState
from custody.rules.models import ComplianceClock
from tests.health.conftest import Fhir

SYSTEM = "https://custodia.dev/fhir/CodeSystem/encounter-type"
T0 = dt.datetime(2026, 11, 2, 8, tzinfo=dt.UTC)  # booked
H = dt.timedelta(hours=1)


def iso(value: dt.datetime) -> str:
    return value.isoformat().replace("+00:00", "Z")


@pytest.fixture
def fhir(client, make) -> Fhir:
    return Fhir(client, make.headers("clinician"))


def patient_of(fhir: Fhir, a_number: str) -> str:
    found = fhir.get(f"Patient?identifier=https://custodia.dev/fhir/sid/a-number|{a_number}")
    (entry,) = found.json["entry"]
    return entry["resource"]["id"]


@pytest.fixture
def booked(make, fhir):
    booking = make.booking(detainee=make.detainee(a_number="934567812"), booked_at=T0)
    return booking, patient_of(fhir, "934567812")


def encounter(patient: str, kind: str, end: dt.datetime, status: str = "finished", **extra):
    return {
        "resourceType": "Encounter",
        "status": status,
        "class": {"system": "http://terminology.hl7.org/CodeSystem/v3-ActCode", "code": "AMB"},
        "type": [{"coding": [{"system": SYSTEM, "code": kind}]}],
        "subject": {"reference": f"Patient/{patient}"},
        "period": {"start": iso(end - H / 2), "end": iso(end)},
        **extra,
    }


def request(patient: str, code: str, authored: dt.datetime, status: str = "active"):
    return {
        "resourceType": "ServiceRequest",
        "status": status,
        "intent": "order",
        "code": {"coding": [{"system": SYSTEM, "code": code}]},
        "subject": {"reference": f"Patient/{patient}"},
        "authoredOn": iso(authored),
    }


def clocks_of(booking, rule: str) -> list[ComplianceClock]:
    db.session.expire_all()
    return list(
        db.session.scalars(
            sa.select(ComplianceClock)
            .where(ComplianceClock.booking_id == booking.id, ComplianceClock.rule == rule)
            .order_by(ComplianceClock.started_at, ComplianceClock.id)
        )
    )


def only(booking, rule: str) -> ComplianceClock:
    (clock,) = clocks_of(booking, rule)
    return clock


def update(fhir: Fhir, resource: dict, **changes) -> dict:
    body = {**resource, **changes}
    body.pop("meta", None)
    response = fhir.put(f"{resource['resourceType']}/{resource['id']}", body)
    assert response.status_code == 200, response.text
    return response.json


# --- arrival clocks ------------------------------------------------------------------


def test_the_earliest_finished_encounter_meets_whatever_the_order(fhir, booked):
    booking, patient = booked
    late = fhir.create(encounter(patient, "intake-screening", T0 + 14 * H))
    assert only(booking, "intake-health-screening").met_at == T0 + 14 * H
    assert clocks.state(only(booking, "intake-health-screening")) == ClockState.MET_LATE
    early = fhir.create(encounter(patient, "intake-screening", T0 + 3 * H))  # written later
    clock = only(booking, "intake-health-screening")
    assert (clock.met_at, clock.met_by) == (T0 + 3 * H, f"Encounter/{early['id']}")
    assert clocks.state(clock) == ClockState.MET
    assert fhir.delete(f"Encounter/{early['id']}").status_code in (200, 204)
    assert only(booking, "intake-health-screening").met_at == T0 + 14 * H  # back to the other
    update(fhir, late, status="entered-in-error")
    clock = only(booking, "intake-health-screening")
    assert clock.met_at is None and clock.met_by is None  # re-opened


def test_in_progress_does_not_count_until_finished(fhir, booked):
    booking, patient = booked
    created = fhir.create(encounter(patient, "dental-screening", T0 + 5 * H, "in-progress"))
    assert only(booking, "dental-screening").met_at is None
    finished = update(fhir, created, status="finished")
    assert only(booking, "dental-screening").met_at == T0 + 5 * H
    update(fhir, finished, status="in-progress")  # reopened by a correction
    assert only(booking, "dental-screening").met_at is None


def test_another_patients_encounter_never_closes_this_clock(make, fhir, booked):
    booking, _patient = booked
    other = make.booking(detainee=make.detainee(a_number="934567813"), booked_at=T0)
    fhir.create(encounter(patient_of(fhir, "934567813"), "health-assessment", T0 + 2 * H))
    assert only(booking, "health-assessment").met_at is None
    assert only(other, "health-assessment").met_at == T0 + 2 * H


def test_an_encounter_before_the_arrival_does_not_count(fhir, booked):
    booking, patient = booked
    fhir.create(encounter(patient, "intake-screening", T0 - 2 * H))
    assert only(booking, "intake-health-screening").met_at is None


def test_custodia_fhir_import_closes_clocks_like_a_form(app, tmp_path, fhir, booked):
    booking, patient = booked
    bundle = {
        "resourceType": "Bundle",
        "type": "collection",
        "entry": [{"resource": encounter(patient, "health-assessment", T0 + 30 * H)}],
    }
    path = tmp_path / "bundle.json"
    path.write_text(json.dumps(bundle))
    result = app.test_cli_runner().invoke(main, ["fhir", "import", str(path)])
    assert result.exit_code == 0, result.output
    assert only(booking, "health-assessment").met_at == T0 + 30 * H


# --- request-opened clocks -----------------------------------------------------------


def test_a_referral_opens_a_72_hour_clock_the_evaluation_after_it_meets(fhir, booked):
    booking, patient = booked
    referral = fhir.create(request(patient, "mental-health-evaluation", T0 + 10 * H))
    clock = only(booking, "mental-health-evaluation")
    assert (clock.subject_type, clock.subject_id) == ("ServiceRequest", referral["id"])
    assert (clock.started_at, clock.due_at, clock.met_at) == (T0 + 10 * H, T0 + 82 * H, None)
    fhir.create(encounter(patient, "mental-health-evaluation", T0 + 9 * H))  # before: no
    assert only(booking, "mental-health-evaluation").met_at is None
    fhir.create(encounter(patient, "mental-health-evaluation", T0 + 90 * H))
    clock = only(booking, "mental-health-evaluation")
    assert clock.met_at == T0 + 90 * H and clocks.state(clock) == ClockState.MET_LATE
    update(fhir, referral, status="completed")  # a completed referral keeps its clock
    assert only(booking, "mental-health-evaluation").met_at == T0 + 90 * H


def test_an_evaluation_written_before_its_referral_still_meets_it(fhir, booked):
    booking, patient = booked
    fhir.create(encounter(patient, "mental-health-evaluation", T0 + 20 * H))
    assert clocks_of(booking, "mental-health-evaluation") == []
    fhir.create(request(patient, "mental-health-evaluation", T0 + 12 * H))
    clock = only(booking, "mental-health-evaluation")
    assert clock.met_at == T0 + 20 * H and clocks.state(clock) == ClockState.MET


def test_a_withdrawn_referral_removes_its_clock(fhir, booked):
    booking, patient = booked
    referral = fhir.create(request(patient, "mental-health-evaluation", T0 + 10 * H))
    assert len(clocks_of(booking, "mental-health-evaluation")) == 1
    update(fhir, referral, status="entered-in-error")
    assert clocks_of(booking, "mental-health-evaluation") == []


def test_an_encounter_based_on_another_request_answers_only_that_one(fhir, booked):
    booking, patient = booked
    first = fhir.create(request(patient, "mental-health-evaluation", T0 + 10 * H))
    second = fhir.create(request(patient, "mental-health-evaluation", T0 + 11 * H))
    based = [{"reference": f"ServiceRequest/{second['id']}"}]
    fhir.create(encounter(patient, "mental-health-evaluation", T0 + 20 * H, basedOn=based))
    met = {c.subject_id: c.met_at for c in clocks_of(booking, "mental-health-evaluation")}
    assert met == {first["id"]: None, second["id"]: T0 + 20 * H}


def test_sick_call_request_triage_then_visit(fhir, booked):
    booking, patient = booked
    fhir.create(request(patient, "sick-call", T0 + 2 * H))
    triage = only(booking, "sick-call-triage")
    assert (triage.started_at, triage.due_at) == (T0 + 2 * H, T0 + 26 * H)
    assert clocks_of(booking, "sick-call-visit") == []  # not before triage
    fhir.create(encounter(patient, "sick-call-visit", T0 + 3 * H))  # before triage: no
    fhir.create(encounter(patient, "sick-call-triage", T0 + 30 * H))
    triage = only(booking, "sick-call-triage")
    assert triage.met_at == T0 + 30 * H and clocks.state(triage) == ClockState.MET_LATE
    visit = only(booking, "sick-call-visit")
    assert (visit.started_at, visit.due_at, visit.met_at) == (T0 + 30 * H, T0 + 54 * H, None)
    fhir.create(encounter(patient, "sick-call-visit", T0 + 40 * H))
    visit = only(booking, "sick-call-visit")
    assert visit.met_at == T0 + 40 * H and clocks.state(visit) == ClockState.MET


def test_a_request_completed_at_triage_needs_no_visit(fhir, booked):
    booking, patient = booked
    sick_call = fhir.create(request(patient, "sick-call", T0 + 2 * H))
    fhir.create(encounter(patient, "sick-call-triage", T0 + 4 * H))
    assert only(booking, "sick-call-visit").met_at is None  # a visit is expected
    completed = update(fhir, sick_call, status="completed")  # triage: no visit needed
    assert clocks_of(booking, "sick-call-visit") == []
    assert only(booking, "sick-call-triage").met_at == T0 + 4 * H
    fhir.create(encounter(patient, "sick-call-visit", T0 + 6 * H))  # seen after all
    assert only(booking, "sick-call-visit").met_at == T0 + 6 * H
    assert completed["status"] == "completed"


def test_sick_call_in_one_transaction_bundle_out_of_order(fhir, booked):
    booking, patient = booked
    resources = [
        encounter(patient, "sick-call-visit", T0 + 8 * H),
        encounter(patient, "sick-call-triage", T0 + 5 * H),
        request(patient, "sick-call", T0 + 4 * H),
    ]
    bundle = {
        "resourceType": "Bundle",
        "type": "transaction",
        "entry": [
            {"resource": r, "request": {"method": "POST", "url": r["resourceType"]}}
            for r in resources
        ],
    }
    response = fhir.post("", bundle)
    assert response.status_code == 200, response.text
    assert only(booking, "sick-call-triage").met_at == T0 + 5 * H
    assert only(booking, "sick-call-visit").met_at == T0 + 8 * H


# --- stopped -------------------------------------------------------------------------


def test_a_release_stops_what_is_open_and_keeps_what_was_met(make, fhir, booked):
    booking, patient = booked
    fhir.create(encounter(patient, "intake-screening", T0 + 2 * H))
    released_at = T0 + 30 * H
    release_booking(
        actor=make.actor("officer"),
        booking_id=booking.id,
        release=ReleaseIn(reason="bond", released_at=released_at),
    )
    assert clocks.state(only(booking, "intake-health-screening")) == ClockState.MET
    for rule in ("health-assessment", "dental-screening", "classification"):
        clock = only(booking, rule)
        assert clock.stopped_at == released_at and clock.met_at is None
        assert clocks.state(clock) == ClockState.STOPPED  # though past due: not overdue
    fhir.create(encounter(patient, "health-assessment", T0 + 40 * H))  # after: changes nothing
    assert clocks.state(only(booking, "health-assessment")) == ClockState.STOPPED


def test_a_transfer_out_stops_the_sending_facilitys_clocks(make, fhir, booked):
    booking, patient = booked
    sending = booking.facility_id
    receiving = make.facility()
    departed, arrived = T0 + 20 * H, T0 + 26 * H
    system = Actor.system("test")
    with unit_of_work():  # what the transfers area does on departure
        booking.status = BookingStatus.IN_TRANSIT
        publish(
            TransferDeparted(
                actor=system,
                booking_id=booking.id,
                facility_id=sending,
                occurred_at=departed,
                transfer_id=1,
                to_facility_id=receiving.id,
            )
        )
    assert {c.stopped_at for c in clocks_of(booking, "health-assessment")} == {departed}
    assert clocks.state(only(booking, "health-assessment")) == ClockState.STOPPED
    # written while the person is on the road (the receiving clinic's record, posted
    # before the arrival is): nothing runs in transit
    fhir.create(encounter(patient, "health-assessment", T0 + 28 * H))
    fhir.create(encounter(patient, "dental-screening", T0 + 24 * H))  # before arrival
    assert clocks.state(only(booking, "health-assessment")) == ClockState.STOPPED
    with unit_of_work():  # what the transfers area does on arrival
        booking.facility_id, booking.status = receiving.id, BookingStatus.BOOKED
        db.session.flush()
        db.session.refresh(booking)
        clocks.open_clocks(booking, "booking", arrived)
        publish(
            TransferArrived(
                actor=system,
                booking_id=booking.id,
                facility_id=receiving.id,
                occurred_at=arrived,
                transfer_id=1,
                from_facility_id=sending,
            )
        )
    sent, received = clocks_of(booking, "health-assessment")
    assert (sent.facility_id, clocks.state(sent)) == (sending, ClockState.STOPPED)
    assert (received.facility_id, received.started_at) == (receiving.id, arrived)
    assert received.met_at == T0 + 28 * H  # the record already held it
    sent, received = clocks_of(booking, "dental-screening")
    assert received.met_at is None and sent.met_at is None  # before this arrival: no
    fhir.create(encounter(patient, "dental-screening", T0 + 30 * H))
    sent, received = clocks_of(booking, "dental-screening")
    assert received.met_at == T0 + 30 * H and clocks.state(sent) == ClockState.STOPPED


def test_a_booking_counts_what_the_record_already_holds(make, fhir, booked):
    """Released, then booked again with an arrival time before an intake screening the
    clinic had already posted: the new booking's clock is met by it."""
    booking, patient = booked
    release_booking(
        actor=make.actor("officer"),
        booking_id=booking.id,
        release=ReleaseIn(reason="bond", released_at=T0 + H),
    )
    fhir.create(encounter(patient, "intake-screening", T0 + 50 * H))
    again = make.booking(detainee=booking.detainee, booked_at=T0 + 48 * H)
    assert only(again, "intake-health-screening").met_at == T0 + 50 * H
    assert clocks.state(only(booking, "intake-health-screening")) == ClockState.STOPPED
