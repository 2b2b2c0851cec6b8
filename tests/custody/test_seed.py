"""`custodia seed-demo`: enough synthetic data, deterministic, idempotent."""

from __future__ import annotations

import sqlalchemy as sa

from core.actor import Actor
from core.db import db
from core.models import User
from core.permissions import Role
from custody.counsel.models import AttorneyOfRecord, CounselNotification
from custody.facilities.models import Bed, Facility
from custody.people.models import Detainee
from custody.seed import seed_demo
from custody.transfers.models import Transfer


def _people() -> list[tuple]:
    rows = db.session.execute(
        sa.select(Detainee.a_number, Detainee.family_name, Detainee.date_of_birth).order_by(
            Detainee.a_number
        )
    )
    return [tuple(r) for r in rows]


def test_seed_demo_fills_reference_data_users_and_people(app):
    report = seed_demo(actor=Actor.system("test"), detainees=12, seed=7)
    facilities = db.session.scalars(sa.select(Facility)).all()
    offices = {f.field_office_id for f in facilities}
    assert len(facilities) >= 4 and len(offices) >= 4
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Bed)) >= 300
    roles = set(db.session.scalars(sa.select(User.role)))
    assert roles == {role.value for role in Role}  # mental_health too
    assert "Demo Mental health" in set(db.session.scalars(sa.select(User.full_name)))
    assert len(_people()) == 12
    text = report.describe()
    for role, password in report.users.items():
        assert role in text and password in text


def test_seed_demo_is_deterministic_and_idempotent(app):
    seed_demo(actor=Actor.system("test"), detainees=6, seed=3)
    first = _people()
    seed_demo(actor=Actor.system("test"), detainees=6, seed=3)
    assert _people() == first
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Facility)) == 4


def test_seed_demo_books_classifies_and_houses_people_within_the_rules(app):
    from custody.bookings.models import Booking, Classification
    from custody.housing.models import BedAssignment
    from custody.people.models import Alert

    report = seed_demo(actor=Actor.system("test"), detainees=60, seed=11)
    bookings = db.session.scalars(sa.select(Booking)).all()
    active = [b for b in bookings if b.status != "released"]
    assert report.bookings == len(active) >= 40
    assert any(b.status == "released" for b in bookings)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Classification)) >= 30
    open_rows = db.session.execute(
        sa.select(BedAssignment.booking_id, BedAssignment.bed_id).where(
            BedAssignment.ended_at.is_(None)
        )
    ).all()
    assert report.housed == len(open_rows) >= 30
    assert len({bed for _, bed in open_rows}) == len(open_rows)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Alert)) >= 1
    assert any(not b.classifications for b in active), [len(b.classifications) for b in active]
    # never Level 1 with Level 3 in one unit
    by_unit: dict[int, set[int]] = {}
    for booking in active:
        if booking.assignment and booking.classification:
            unit = booking.assignment.bed.unit_id
            by_unit.setdefault(unit, set()).add(booking.classification.level)
    assert by_unit and all(not {1, 3} <= levels for levels in by_unit.values())


def test_seed_demo_puts_some_people_in_restrictive_housing(app):
    from custody.restrictive.models import RestrictivePlacement

    seed_demo(actor=Actor.system("test"), detainees=60, seed=11)
    placements = db.session.scalars(sa.select(RestrictivePlacement)).all()
    assert placements
    for placement in placements:
        assert placement.booking.assignment.bed.unit.kind == "restrictive"
        assert placement.checks


def test_seed_demo_fills_transfers_and_attorneys(app):
    seed_demo(actor=Actor.system("test"), detainees=12, seed=7)
    states = sorted(db.session.scalars(sa.select(Transfer.status)))
    assert states == ["approved", "arrived", "cancelled", "in_transit", "requested"]
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AttorneyOfRecord)) == 3
    assert db.session.scalar(sa.select(sa.func.count()).select_from(CounselNotification)) == 1
    seed_demo(actor=Actor.system("test"), detainees=12, seed=7)  # again: nothing new
    assert len(db.session.scalars(sa.select(Transfer.id)).all()) == 5
