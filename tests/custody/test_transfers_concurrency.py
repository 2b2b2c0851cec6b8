"""Double (and many-fold) submits of transfer requests and transitions over real HTTP
against a real database: one request opens one transfer; a depart or arrive clicked
many times at once moves the person once (one movement, one audit entry, one event),
and every caller gets the current state. Runs on PostgreSQL in CI (row locks); on
SQLite the database write lock serialises the same requests."""

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
from core.audit import AuditEvent
from core.auth import create_token
from core.db import db
from core.events import OutboxEvent
from core.users import UserIn, create_user
from custody.bookings import intake
from custody.bookings.inputs import BookingIn
from custody.facilities import services as facilities
from custody.facilities.inputs import FacilityIn
from custody.people import services as identity
from custody.people.inputs import PersonIn
from custody.transfers import clearance
from custody.transfers import services as transfers
from custody.transfers.models import Transfer, TransferMovement
from tests.live import serve

CLICKS = 8


def _facility(system: Actor, code: str) -> None:
    facilities.create_facility(
        actor=system,
        data=FacilityIn(
            code=code,
            name=f"Transfer Race {code}",
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


def _world() -> dict:
    system = Actor.system("test")
    suffix = uuid.uuid4().hex[:3].upper()
    sending, receiving = "S" + suffix, "R" + suffix
    _facility(system, sending)
    _facility(system, receiving)
    person = identity.create_detainee(
        actor=system,
        data=PersonIn(
            a_number="320000001",
            family_name="Doubleclick",
            given_name="Pat",
            date_of_birth=dt.date(1988, 3, 3),
            sex="female",
            country_of_birth="MX",
        ),
    )
    booking = intake.book_detainee(
        actor=system,
        booking=BookingIn(
            detainee_id=person.id,
            facility_code=sending,
            booked_at=dt.datetime.now(dt.UTC) - dt.timedelta(days=1),
        ),
    )
    create_user(
        actor=system,
        data=UserIn(
            username="transfer-race-officer",
            full_name="Race Officer",
            role="officer",
            password="a-long-test-password-42",
        ),
    )
    token = create_token(actor=system, username="transfer-race-officer", expires_days=1)
    return {"booking": booking.id, "token": token, "receiving": receiving}


@pytest.fixture(scope="module")
def server() -> Iterator[dict]:
    with serve("transfer_race", _world) as served:
        yield served


def _post(server: dict, path: str, body: dict, start: threading.Barrier) -> tuple[int, dict]:
    request = urllib.request.Request(
        server["base"] + path,
        data=json.dumps(body).encode(),
        method="POST",
        headers={"Authorization": f"Bearer {server['token']}", "Content-Type": "application/json"},
    )
    start.wait(timeout=30)
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as err:
        return err.code, json.loads(err.read() or b"{}")


def _race(server: dict, path: str, body: dict) -> list[tuple[int, dict]]:
    start = threading.Barrier(CLICKS)
    with ThreadPoolExecutor(CLICKS) as pool:
        futures = [pool.submit(_post, server, path, body, start) for _ in range(CLICKS)]
        return [f.result() for f in futures]


def _count(server: dict, query: sa.Select) -> int:
    with server["app"].app_context():
        found = db.session.scalar(query) or 0
        db.session.remove()
    return found


def test_many_clicks_one_transfer_one_departure_one_arrival(server):
    body = {
        "booking_id": str(server["booking"]),
        "to_facility_code": server["receiving"],
        "reason": "Double submit",
        "scheduled_for": dt.datetime.now(dt.UTC).isoformat(),
    }
    answers = _race(server, "/api/v1/transfers", body)
    assert Counter(status for status, _ in answers) == Counter({201: 1, 409: CLICKS - 1})
    tid = next(b["id"] for status, b in answers if status == 201)
    assert _count(server, sa.select(sa.func.count()).select_from(Transfer)) == 1
    with server["app"].app_context():
        system = Actor.system("test")
        transfers.approve_transfer(actor=system, transfer_id=int(tid))
        clearance.record_medical_summary(actor=system, transfer_id=int(tid), fit_to_travel=True)
        db.session.remove()
    for action, state in (("depart", "in_transit"), ("arrive", "arrived")):
        answers = _race(server, f"/api/v1/transfers/{tid}/{action}", {})
        assert {status for status, _ in answers} == {200}, answers
        assert {b["status"] for _, b in answers} == {state}
        moves = sa.select(sa.func.count()).where(
            TransferMovement.transfer_id == int(tid), TransferMovement.to_status == state
        )
        assert _count(server, moves) == 1
        tag = f"custody:transfer:{action}"
        assert _count(server, sa.select(sa.func.count()).where(AuditEvent.tag == tag)) == 1
        kind = "custody.transfer.departed" if action == "depart" else "custody.transfer.arrived"
        assert _count(server, sa.select(sa.func.count()).where(OutboxEvent.kind == kind)) == 1
