"""The demo sick calls: at each facility with people held, requests in every state the
queue and the clocks show (waiting, overdue, triaged on time and late, seen on time and
late), written as the demo officer and clinician; seeding again adds nothing."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from core.db import db, utcnow
from health.fhir.models import PatientStay
from health.sickcall import records
from health.sickcall.seed import PLANS, seed_sick_calls
from tests.helpers import events


def _held(make, code: str, people: int):
    facility = make.facility(code=code)
    arrival = utcnow() - dt.timedelta(days=10)
    for _ in range(people):
        make.booking(facility=facility, booked_at=arrival)
    return facility


def _calls(facility_id: int) -> list[records.SickCall]:
    calls = records.requests_of(records.held_at(facility_id), restricted_ok=True)
    records.attach_steps(calls, restricted_ok=True)
    return calls


def test_seed_makes_every_state_once_per_facility_and_only_once(make):
    officer = make.user("officer", username="officer")
    clinician = make.user("clinician", username="clinician")
    first, second = _held(make, "SDA", 8), _held(make, "SDB", 7)
    assert seed_sick_calls(seed=5) == 2 * len(PLANS)
    now = utcnow()
    for facility in (first, second):
        calls = _calls(facility.id)
        assert len(calls) == len(PLANS)
        stages = sorted((c.stage, c.is_overdue(now)) for c in calls)
        assert stages == [
            ("closed", False),
            ("closed", False),
            ("triage", False),
            ("triage", True),
            ("visit", False),
            ("visit", True),
        ]
        late = [
            c for c in calls if c.triage and c.triage.at - c.authored_at > dt.timedelta(hours=24)
        ]
        assert len(late) == 2  # one triaged late and waiting, one triaged and seen late
        assert len({c.patient_id for c in calls}) == len(PLANS)  # six different people
    requests = events("health:sickcall:request")
    assert {e.actor_id for e in requests} == {officer.id}
    assert {e.actor_id for e in events("health:sickcall:visit")} == {clinician.id}
    assert seed_sick_calls(seed=5) == 0


def test_seed_is_deterministic_in_who_and_what(make):
    make.user("officer", username="officer")
    make.user("clinician", username="clinician")
    facility = _held(make, "SDC", 8)
    seed_sick_calls(seed=11)
    chosen = sorted((c.patient_id, c.complaint) for c in _calls(facility.id))
    # the same people and words again, from scratch (the requests withdrawn)
    stays = db.session.scalars(
        sa.select(PatientStay.patient_id).where(PatientStay.facility_id == facility.id)
    ).all()
    assert len(stays) == 8
    db.session.execute(
        sa.text(
            "UPDATE fhir_resources SET is_deleted = :yes WHERE resource_type = 'ServiceRequest'"
        ),
        {"yes": True},
    )
    seed_sick_calls(seed=11)
    again = sorted((c.patient_id, c.complaint) for c in _calls(facility.id))
    assert again == chosen
