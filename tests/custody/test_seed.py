"""`custodia seed-demo`: enough synthetic data, deterministic, idempotent."""

from __future__ import annotations

import sqlalchemy as sa

from core.actor import Actor
from core.db import db
from core.models import User
from custody.models import Bed, Detainee, Facility
from custody.seed import seed_demo


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
    assert roles >= {"admin", "supervisor", "officer", "clinician", "records", "auditor"}
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
