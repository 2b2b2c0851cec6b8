"""Concurrent FHIR writes of one person's record over real HTTP: each write recomputes
the booking's clocks, and whatever order they commit in, the clock ends met by the
earliest Encounter. PostgreSQL only: the booking's row lock orders the recomputes (on
SQLite, the development database, concurrent FHIR writes are refused with 503)."""

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
from custody.bookings import intake
from custody.bookings.inputs import BookingIn
from custody.facilities import services as facilities
from custody.facilities.inputs import FacilityIn
from custody.people import services as identity
from custody.people.inputs import PersonIn
from custody.rules.models import ComplianceClock
from health.clock_facts import patient_id_of
from tests.conftest import is_postgres
from tests.live import serve

WRITERS = 12
SYSTEM = "https://custodia.dev/fhir/CodeSystem/encounter-type"
BOOKED = dt.datetime(2026, 11, 2, 8, tzinfo=dt.UTC)


@pytest.fixture(scope="module")
def server() -> Iterator[dict]:
    if not is_postgres():
        pytest.skip("concurrent FHIR writes need PostgreSQL")
    with serve("clock_race", _world) as served:
        yield served


def _world() -> dict:
    system = Actor.system("test")
    code = "CLK" + uuid.uuid4().hex[:4].upper()
    facilities.create_facility(
        actor=system,
        data=FacilityIn(
            code=code,
            name="Clock Race Facility",
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
    person = identity.create_detainee(
        actor=system,
        data=PersonIn(
            a_number="356789012",
            family_name="Racer",
            given_name="Kim",
            date_of_birth=dt.date(1985, 1, 1),
            sex="female",
            country_of_birth="MX",
        ),
    )
    booking = intake.book_detainee(
        actor=system,
        booking=BookingIn(detainee_id=person.id, facility_code=code, booked_at=BOOKED),
    )
    create_user(
        actor=system,
        data=UserIn(
            username="race-clinician",
            full_name="Race Clinician",
            role="clinician",
            password="a-long-test-password-42",
        ),
    )
    token = create_token(actor=system, username="race-clinician", expires_days=1)
    return {"booking": booking.id, "patient": patient_id_of("356789012"), "token": token}


def _encounter(patient: str, end: dt.datetime) -> dict:
    stamp = end.isoformat().replace("+00:00", "Z")
    return {
        "resourceType": "Encounter",
        "status": "finished",
        "class": {"system": "http://terminology.hl7.org/CodeSystem/v3-ActCode", "code": "AMB"},
        "type": [{"coding": [{"system": SYSTEM, "code": "intake-screening"}]}],
        "subject": {"reference": f"Patient/{patient}"},
        "period": {"start": stamp, "end": stamp},
    }


def _post(server: dict, body: dict, start: threading.Barrier) -> int:
    request = urllib.request.Request(
        server["base"] + "/fhir/Encounter",
        data=json.dumps(body).encode(),
        method="POST",
        headers={
            "Authorization": f"Bearer {server['token']}",
            "Content-Type": "application/fhir+json",
        },
    )
    start.wait(timeout=30)
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status
    except urllib.error.HTTPError as err:
        return err.code


@pytest.mark.postgres
def test_concurrent_encounters_leave_the_earliest_as_met(server):
    # the later the request is sent, the earlier its Encounter ended
    ends = [BOOKED + dt.timedelta(hours=WRITERS - n) for n in range(WRITERS)]
    start = threading.Barrier(WRITERS)
    with ThreadPoolExecutor(WRITERS) as pool:
        futures = [
            pool.submit(_post, server, _encounter(server["patient"], e), start) for e in ends
        ]
        statuses = Counter(f.result() for f in futures)
    assert statuses == Counter({201: WRITERS}), statuses
    with server["app"].app_context():
        met = db.session.scalar(
            sa.select(ComplianceClock.met_at).where(
                ComplianceClock.booking_id == server["booking"],
                ComplianceClock.rule == "intake-health-screening",
            )
        )
        db.session.remove()
    assert met == min(ends)
