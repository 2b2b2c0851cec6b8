"""factory-boy factories over the real session. Only synthetic people and places."""

from __future__ import annotations

import datetime as dt

import factory
import sqlalchemy as sa
from factory.alchemy import SQLAlchemyModelFactory

from core.auth import hash_password
from core.db import db
from core.models import User
from custody.facilities.models import Bed, Facility, FieldOffice, HousingUnit, StandardsSet
from custody.people.models import Detainee
from custody.people.search import name_key

PASSWORD = "correct-horse-battery-9"
_HASH = hash_password(PASSWORD)  # argon2 is slow on purpose: hash once per run


class Base(SQLAlchemyModelFactory):
    class Meta:
        abstract = True
        sqlalchemy_session_factory = lambda: db.session  # noqa: E731
        sqlalchemy_session_persistence = "commit"  # as if made before the test


def _by_code(model: type, code: str) -> object:
    return db.session.scalar(sa.select(model).where(model.code == code))


class FacilityFactory(Base):
    class Meta:
        model = Facility

    code = factory.Sequence(lambda n: f"TF{n:04d}")
    name = factory.Sequence(lambda n: f"Test Facility {n}")
    address_line = "1 Example Road"
    city = "Springfield"
    state = "TX"
    postal_code = "78000"
    phone = "(555) 010-0000"
    facility_type = "CDF"
    time_zone = "America/Chicago"
    is_active = True
    field_office = factory.LazyFunction(lambda: _by_code(FieldOffice, "SNA"))
    standards_set = factory.LazyFunction(lambda: _by_code(StandardsSet, "PBNDS-2011-R2016"))


class HousingUnitFactory(Base):
    class Meta:
        model = HousingUnit

    facility = factory.SubFactory(FacilityFactory)
    name = factory.Sequence(lambda n: f"Unit {n}")
    sex_housed = "male"
    kind = "general"
    allows_level_1 = True
    allows_level_2 = True
    allows_level_3 = False


class BedFactory(Base):
    class Meta:
        model = Bed

    unit = factory.SubFactory(HousingUnitFactory)
    label = factory.Sequence(lambda n: f"B-{n:04d}")
    is_lower_bunk = False
    is_accessible = False
    is_in_service = True


class UserFactory(Base):
    class Meta:
        model = User

    username = factory.Sequence(lambda n: f"user{n:04d}")
    full_name = factory.Sequence(lambda n: f"Test User {n}")
    password_hash = _HASH
    role = "officer"
    is_active = True
    failed_logins = 0


class DetaineeFactory(Base):
    class Meta:
        model = Detainee

    a_number = factory.Sequence(lambda n: f"{200000000 + n:09d}")
    family_name = factory.Sequence(lambda n: f"Testperson{n}")
    given_name = "Alex"
    date_of_birth = dt.date(1990, 1, 1)
    sex = "male"
    country_of_birth = "MX"
    name_key = factory.LazyAttribute(lambda o: name_key(o.family_name, o.given_name))
