"""How the housing board, the census and the beds call hold up for a 2,000-bed facility
(issue: "stay fast for a 2,000-bed facility"): latency through the whole Flask stack
(routing, auth, rendering) and the number of SQL statements per request, which must not
grow with the population.

    .venv/bin/python benchmarks/housing_board.py                     # fresh SQLite file
    .venv/bin/python benchmarks/housing_board.py --database-url postgresql+psycopg://postgres@127.0.0.1:5432/postgres

The population (people, bookings, classifications, open bed assignments) is inserted in
bulk with SQL, not through the services: this measures reads. One assignment through
the service is timed at the end, with the unit full around it.
"""

from __future__ import annotations

import argparse
import datetime as dt
import re
import statistics
import sys
import time
from pathlib import Path

import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.scratch import scratch_database
from core import create_app, migrate
from core.actor import Actor
from core.auth import create_token
from core.db import db
from core.users import UserIn, create_user
from custody.bookings import classification, intake
from custody.bookings.inputs import BookingIn, WorksheetIn
from custody.bookings.models import Booking, Classification
from custody.facilities import services as facilities
from custody.facilities import units
from custody.facilities.inputs import BedsIn, FacilityIn, UnitIn
from custody.facilities.models import Bed, HousingUnit
from custody.housing import assignment as housing
from custody.housing import board
from custody.housing.models import BedAssignment
from custody.people import services as identity
from custody.people.models import Detainee

UNITS, BEDS_PER_UNIT, OCCUPANCY = 20, 100, 0.9
PASSWORD = "granite-river-table-77"


def _database(url: str | None) -> tuple[str, object]:
    return scratch_database(url, "board")


def _build() -> tuple[str, int]:
    system = Actor.system("bench")
    facilities.create_facility(
        actor=system,
        data=FacilityIn(
            code="BIG",
            name="Benchmark Facility",
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
    for u in range(UNITS):
        levels = [[1, 2], [2, 3]][u % 2]
        unit = units.create_unit(
            actor=system,
            facility_code="BIG",
            data=UnitIn(name=f"U{u:02d}", sex_housed="male", kind="general", levels=levels),
        )
        units.create_beds(
            actor=system,
            unit_id=unit.id,
            data=BedsIn(labels=[f"U{u:02d}-{b:03d}" for b in range(BEDS_PER_UNIT)]),
        )
    facility_id = db.session.scalar(sa.text("SELECT id FROM facilities WHERE code = 'BIG'"))
    beds = db.session.execute(
        sa.select(Bed.id, HousingUnit.name).join(HousingUnit).order_by(Bed.id)
    ).all()
    now = dt.datetime.now(dt.UTC)
    occupied = beds[: int(len(beds) * OCCUPANCY)]
    people = [
        {
            "a_number": f"{500000000 + n}",
            "family_name": f"Bench{n}",
            "given_name": "Pat",
            "date_of_birth": dt.date(1980, 1, 1),
            "sex": "male",
            "country_of_birth": "MX",
            "name_key": f"bench{n} pat",
        }
        for n in range(len(occupied) + 1)
    ]
    db.session.execute(sa.insert(Detainee), people)
    ids = db.session.scalars(sa.select(Detainee.id).order_by(Detainee.id)).all()
    db.session.execute(
        sa.insert(Booking),
        [
            {"detainee_id": i, "facility_id": facility_id, "status": "housed", "booked_at": now}
            for i in ids[:-1]
        ],
    )
    bookings = db.session.scalars(sa.select(Booking.id).order_by(Booking.id)).all()
    db.session.execute(
        sa.insert(Classification),
        [
            {
                "booking_id": b,
                "worksheet_version": "CCW-2026.1",
                "inputs": {},
                "score": 4,
                "scored_level": 2,
                "level": 2,
                "classified_at": now,
                "reclassify_due_at": now + dt.timedelta(days=90),
            }
            for b in bookings
        ],
    )
    db.session.execute(
        sa.insert(BedAssignment),
        [
            {"booking_id": b, "bed_id": bed_id, "started_at": now, "overridden_rules": []}
            for b, (bed_id, _) in zip(bookings, occupied, strict=True)
        ],
    )
    db.session.commit()
    # the last person goes through the services: booked, classified, screened
    booking = intake.book_detainee(
        actor=system, booking=BookingIn(detainee_id=ids[-1], facility_code="BIG")
    )
    classification.classify(
        actor=system,
        booking_id=booking.id,
        worksheet=WorksheetIn(
            inputs={
                "current_offense": "moderate",
                "prior_convictions": "one_or_two",
                "violence_history": "none",
                "escape_history": "none",
                "institutional_conduct": "none",
                "security_threat_group": "no",
            }
        ),
    )
    classification.record_screening(
        actor=system, booking_id=booking.id, victimization_risk=False, abusiveness_risk=False
    )
    identity.set_alert(actor=system, detainee_id=ids[0], kind="lower_bunk", active=True)
    create_user(
        actor=system,
        data=UserIn(username="bench", role="supervisor", password=PASSWORD),
    )
    return create_token(actor=system, username="bench", expires_days=1), booking.id


class Counter:
    def __init__(self) -> None:
        self.count = 0

    def __call__(self, *args: object) -> None:
        self.count += 1


def _measure(client: object, path: str, headers: dict, runs: int, counter: Counter) -> str:
    times, statements = [], []
    for _ in range(runs):
        counter.count = 0
        start = time.perf_counter()
        response = client.get(path, headers=headers)  # type: ignore[attr-defined]
        times.append((time.perf_counter() - start) * 1000)
        statements.append(counter.count)
        assert response.status_code == 200, (path, response.status_code)
    times.sort()
    p95 = times[int(len(times) * 0.95) - 1]
    return (
        f"{path:<48} p50 {statistics.median(times):7.1f} ms  p95 {p95:7.1f} ms  "
        f"SQL statements {max(statements)}  ({len(response.data) // 1024} KB)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--database-url")
    parser.add_argument("--runs", type=int, default=20)
    args = parser.parse_args()
    url, drop = _database(args.database_url)
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench" * 10})
    try:
        with app.app_context():
            migrate.upgrade("head")
            started = time.perf_counter()
            token, booking_id = _build()
            print(
                f"database: {db.engine.dialect.name}; built {UNITS * BEDS_PER_UNIT} beds, "
                f"{int(UNITS * BEDS_PER_UNIT * OCCUPANCY)} housed in "
                f"{time.perf_counter() - started:.1f} s"
            )
            counter = Counter()
            sa.event.listen(db.engine, "before_cursor_execute", counter)
            db.session.remove()
        headers = {"Authorization": f"Bearer {token}"}
        client = app.test_client()
        for path in (
            "/api/v1/facilities/BIG/census",
            "/api/v1/facilities/BIG/beds?available=true",
            "/api/v1/facilities/BIG/beds",
        ):
            print(_measure(client, path, headers, args.runs, counter))
        print(_page_board(app, args.runs, counter))
        with app.app_context():
            free = board.beds_with_occupants(
                actor=Actor.system("bench"), facility_code="BIG", available=True
            )
            bed = next(s.bed.id for s in free if 2 in s.bed.unit.levels)
            start = time.perf_counter()
            housing.assign_bed(actor=Actor.system("bench"), booking_id=booking_id, bed_id=bed)
            took = (time.perf_counter() - start) * 1000
            print(f"assign_bed with the facility 90% full: {took:.1f} ms")
            db.session.remove()
            db.engine.dispose()
    finally:
        drop()  # type: ignore[operator]


def _page_board(app: object, runs: int, counter: Counter) -> str:
    """The board page as a signed-in supervisor sees it (HTML for 2,000 beds)."""
    client = app.test_client()  # type: ignore[attr-defined]
    page = client.get("/login").text
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    response = client.post(
        "/login",
        data={"username": "bench", "password": PASSWORD, "csrf_token": token},
    )
    assert response.status_code == 302, response.status_code
    return _measure(client, "/facilities/BIG/board", {}, runs, counter)


if __name__ == "__main__":
    main()
