"""Database conventions: UTC-aware timestamps, naming convention, enforced constraints."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from core.db import db
from core.models import User
from custody.facilities.models import Bed, Facility


def test_timestamps_come_back_timezone_aware_utc(make):
    user = make.user()
    user.locked_until = dt.datetime(2026, 5, 1, 12, 0, tzinfo=dt.timezone(dt.timedelta(hours=-5)))
    db.session.flush()
    db.session.expire_all()
    fresh = db.session.get(User, user.id)
    assert fresh.locked_until.tzinfo is not None
    assert fresh.locked_until == dt.datetime(2026, 5, 1, 17, 0, tzinfo=dt.UTC)
    assert fresh.created_at.tzinfo is not None


def test_naive_datetimes_are_refused(make):
    user = make.user()
    user.locked_until = dt.datetime(2026, 5, 1, 12, 0)
    with pytest.raises(sa.exc.StatementError, match="naive datetime"):
        db.session.flush()
    db.session.rollback()


def test_constraint_names_follow_the_convention(app):
    inspector = sa.inspect(db.engine)
    fks = {fk["name"] for fk in inspector.get_foreign_keys("beds")}
    assert "fk_beds_unit_id_housing_units" in fks
    uniques = {u["name"] for u in inspector.get_unique_constraints("facilities")}
    assert "uq_facilities_code" in uniques
    assert inspector.get_pk_constraint("beds")["name"] in ("pk_beds", None)  # SQLite omits it


def test_foreign_keys_are_enforced(make):
    with pytest.raises(sa.exc.IntegrityError):
        db.session.add(Bed(unit_id=987654, label="X-1"))
        db.session.flush()
    db.session.rollback()


def test_check_constraints_are_enforced(make):
    facility = make.facility()
    facility.facility_type = "castle"
    with pytest.raises(sa.exc.IntegrityError):
        db.session.flush()
    db.session.rollback()
    assert (
        db.session.scalar(sa.select(Facility.id).where(Facility.facility_type == "castle")) is None
    )
