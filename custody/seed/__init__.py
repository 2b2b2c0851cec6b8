"""Synthetic demo data (`custodia seed-demo`): facilities, one user per role, people."""

from __future__ import annotations

import random
from dataclasses import dataclass, field

import sqlalchemy as sa

from core import audit
from core.actor import Actor
from core.db import db, unit_of_work
from core.permissions import Role
from custody.audit_tags import CustodyAuditTag, CustodySubject
from custody.bookings.models import Booking
from custody.housing.models import BedAssignment
from custody.seed.facilities import DEMO_FACILITIES, DEMO_PASSWORDS, seed_facility, seed_user
from custody.seed.legal import seed_legal
from custody.seed.people import seed_people
from custody.seed.releases import seed_releases
from custody.seed.transfers import seed_transfers
from health.seed import SeedStay, seed_histories
from health.sickcall.seed import seed_sick_calls

__all__ = ["DEMO_PASSWORDS", "SeedReport", "seed_demo"]


@dataclass
class SeedReport:
    facilities: int = 0
    beds: int = 0
    detainees: int = 0
    bookings: int = 0
    housed: int = 0
    released: int = 0
    charted: int = 0  # intake screenings charted (health.seed)
    users: dict[str, str] = field(default_factory=dict)

    def describe(self) -> str:
        lines = [
            f"seeded {self.facilities} facilities, {self.beds} beds, {self.detainees} people "
            f"({self.bookings} in custody, {self.housed} housed, {self.released} released now), "
            f"{self.charted} health screenings charted",
            "demo logins (synthetic; for local use only):",
        ]
        lines += [f"  {user:<14} {password}" for user, password in self.users.items()]
        return "\n".join(lines)


def seed_demo(*, actor: Actor, detainees: int, seed: int) -> SeedReport:
    """Idempotent: existing facilities and users are kept; people are added up to N."""
    rng = random.Random(seed)  # noqa: S311 (synthetic demo data, not secrets)
    report = SeedReport()
    with unit_of_work():
        for spec in DEMO_FACILITIES:
            report.beds += seed_facility(actor, spec)
            report.facilities += 1
        for role in Role:
            seed_user(actor, role)
            report.users[role.value] = DEMO_PASSWORDS[role]
        report.detainees = seed_people(actor, rng, detainees)
        report.released = seed_releases(actor, seed)
        seed_transfers(actor)
        report.charted = seed_histories(stays=_stays(), seed=seed).screenings
        report.bookings, report.housed = _in_custody()
        seed_legal(actor, random.Random(seed))  # noqa: S311 (synthetic demo data)
        seed_sick_calls(seed=seed)  # health's demo sick calls, for the people held now
        audit.record(
            actor=actor,
            tag=CustodyAuditTag.SEED_DEMO,
            subject_type=CustodySubject.SEED,
            subject_id=seed,
            changed_fields=["facilities", "users", "detainees"],
        )
    return report


def _stays() -> list[SeedStay]:
    """The people in custody, for health's demo histories (plain values: health never
    reads custody's tables)."""
    bookings = db.session.scalars(
        sa.select(Booking).where(Booking.is_active).order_by(Booking.id)
    ).all()
    return [
        SeedStay(
            a_number=b.detainee.a_number,
            arrived_at=b.booked_at,
            language=b.detainee.languages[0].code if b.detainee.languages else "en",
            interpreter_needed=b.detainee.needs_interpreter,
        )
        for b in bookings
    ]


def _in_custody() -> tuple[int, int]:
    active = sa.select(sa.func.count()).select_from(Booking).where(Booking.is_active)
    housed = (
        sa.select(sa.func.count())
        .select_from(BedAssignment)
        .where(BedAssignment.ended_at.is_(None))
    )
    return db.session.scalar(active) or 0, db.session.scalar(housed) or 0
