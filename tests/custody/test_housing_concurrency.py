"""Concurrent housing requests over real HTTP against a real database: of officers
racing for one bed, or housing one person, exactly one wins; no one ever holds two beds
and no bed ever holds two people. Runs on PostgreSQL in CI (row locks + unique partial
indexes); on SQLite the database write lock serialises the same requests."""

from __future__ import annotations

import datetime as dt
import json
import threading
import urllib.error
import urllib.request
import uuid
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest
import sqlalchemy as sa

from core.actor import Actor
from core.auth import create_token
from core.db import db
from core.users import UserIn, create_user
from custody.bookings import classification, intake
from custody.bookings.inputs import BookingIn, WorksheetIn
from custody.facilities import services as facilities
from custody.facilities import units
from custody.facilities.inputs import BedsIn, FacilityIn, UnitIn
from custody.housing.models import BedAssignment
from custody.people import services as identity
from custody.people.inputs import PersonIn
from tests.helpers import WORKSHEET_ANSWERS
from tests.live import serve

REQUESTS = 24


@pytest.fixture(scope="module")
def server() -> Iterator[dict]:
    with serve("housing_race", _world) as served:
        yield served


def _world() -> dict:
    system = Actor.system("test")
    code = "RACE" + uuid.uuid4().hex[:4].upper()
    facilities.create_facility(
        actor=system,
        data=FacilityIn(
            code=code,
            name="Race Test Facility",
            address_line="1 Example Road",
            city="Springfield",
            state="TX",
            postal_code="78000",
            phone="(555) 010-0000",
            field_office="SNA",
            facility_type="CDF",
            time_zone="America/Chicago",
            standards_set="PBNDS-2011-R2016",
        ),
    )
    unit = units.create_unit(
        actor=system,
        facility_code=code,
        data=UnitIn(name="A", sex_housed="male", kind="general", levels=[1, 2]),
    )
    beds = units.create_beds(
        actor=system,
        unit_id=unit.id,
        data=BedsIn(labels=[f"A-{n:02d}" for n in range(REQUESTS + 1)]),
    )
    bookings = []
    for n in range(REQUESTS + 1):
        person = identity.create_detainee(
            actor=system,
            data=PersonIn(
                **{
                    "a_number": f"{310000000 + n}",
                    "family_name": f"Racer{n}",
                    "given_name": "Sam",
                    "date_of_birth": dt.date(1985, 1, 1),
                    "sex": "male",
                    "country_of_birth": "MX",
                }
            ),
        )
        booking = intake.book_detainee(
            actor=system, booking=BookingIn(detainee_id=person.id, facility_code=code)
        )
        classification.classify(
            actor=system, booking_id=booking.id, worksheet=WorksheetIn(inputs=WORKSHEET_ANSWERS[1])
        )
        classification.record_screening(
            actor=system, booking_id=booking.id, victimization_risk=False, abusiveness_risk=False
        )
        bookings.append(booking.id)
    create_user(
        actor=system,
        data=UserIn(
            username="race-officer",
            full_name="Race Officer",
            role="officer",
            password="a-long-test-password-41",
        ),
    )
    token = create_token(actor=system, username="race-officer", expires_days=1)
    return {"beds": [b.id for b in beds], "bookings": bookings, "token": token}


def _post(server: dict, path: str, body: dict, start: threading.Barrier) -> int:
    request = urllib.request.Request(
        server["base"] + path,
        data=json.dumps(body).encode(),
        method="POST",
        headers={"Authorization": f"Bearer {server['token']}", "Content-Type": "application/json"},
    )
    start.wait(timeout=30)
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status
    except urllib.error.HTTPError as err:
        return err.code


def _race(server: dict, calls: list[tuple[str, dict]]) -> Counter:
    start = threading.Barrier(len(calls))
    with ThreadPoolExecutor(len(calls)) as pool:
        futures = [pool.submit(_post, server, path, body, start) for path, body in calls]
        return Counter(f.result() for f in futures)


def _open_assignments(server: dict) -> list[tuple[int, int]]:
    with server["app"].app_context():
        rows = db.session.execute(
            sa.select(BedAssignment.booking_id, BedAssignment.bed_id).where(
                BedAssignment.ended_at.is_(None)
            )
        ).all()
        db.session.remove()
    return [tuple(r) for r in rows]


def _invariants(server: dict) -> None:
    rows = _open_assignments(server)
    assert len({bed for _, bed in rows}) == len(rows), "a bed holds two people"
    assert len({booking for booking, _ in rows}) == len(rows), "a person holds two beds"


def test_many_officers_one_bed_exactly_one_wins(server):
    bed = server["beds"][0]
    calls = [
        (f"/api/v1/bookings/{booking}/housing", {"bed_id": str(bed)})
        for booking in server["bookings"][:REQUESTS]
    ]
    statuses = _race(server, calls)
    assert statuses == Counter({201: 1, 409: REQUESTS - 1}), statuses
    assert [b for b, bed_id in _open_assignments(server) if bed_id == bed] != []
    _invariants(server)


def test_one_person_many_beds_exactly_one_wins(server):
    booking = server["bookings"][-1]
    calls = [
        (f"/api/v1/bookings/{booking}/housing", {"bed_id": str(bed), "from_bed_id": None})
        for bed in server["beds"][1 : REQUESTS + 1]
    ]
    statuses = _race(server, calls)
    assert statuses == Counter({201: 1, 409: REQUESTS - 1}), statuses
    assert len([1 for b, _ in _open_assignments(server) if b == booking]) == 1
    _invariants(server)


def test_unguarded_moves_never_leave_two_beds(server):
    """Without the guard every request is a move; they serialise, and the person ends up
    in exactly one bed."""
    booking = server["bookings"][-1]
    free = [b for b in server["beds"] if b not in {bed for _, bed in _open_assignments(server)}]
    calls = [(f"/api/v1/bookings/{booking}/housing", {"bed_id": str(bed)}) for bed in free]
    statuses = _race(server, calls)
    assert set(statuses) <= {201, 409} and statuses[201] >= 1, statuses
    assert len([1 for b, _ in _open_assignments(server) if b == booking]) == 1
    _invariants(server)
