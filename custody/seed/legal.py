"""`custodia seed-demo`: the legal-access log of the last two weeks, made through the
services (so every rule holds and every write is audited): law-library sessions (some
people below the weekly minimum), attorney visits and legal calls, legal mail, denials
with reasons, one legal rights presentation per facility, the legal-visiting hours each
facility offered per day, and the mandatory consular-notification list. Deterministic for
a seed; skipped when the log already has entries (seed-demo is idempotent)."""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Sequence

import sqlalchemy as sa

from core.actor import Actor
from core.db import db, utcnow
from custody.bookings.models import Booking
from custody.facilities.models import Facility
from custody.legal import consular, services
from custody.legal.inputs import EntryIn, PresentationIn, VisitingDayIn
from custody.legal.models import LegalAccessEntry
from custody.legal.weeks import local_day, zone_of

COUNSEL = ("M. Reyes, Esq.", "Southern Border Legal Aid", "J. Okonkwo, Esq.", "Law school clinic")
DENIALS = (
    ("lockdown", "Unit on lockdown after a count discrepancy."),
    ("no_room", "Both legal visiting rooms in use."),
    ("no_staff", "No escort officer available."),
    ("equipment", "Law-library computer out of service."),
)
DAYS = 14


def seed_legal(actor: Actor, rng: random.Random) -> int:
    """Returns how many log entries were made (0 when the log was not empty)."""
    consular.ensure_default_countries(actor)
    if db.session.scalar(sa.select(sa.func.count()).select_from(LegalAccessEntry)):
        return 0
    now = utcnow()
    made = 0
    for facility in db.session.scalars(sa.select(Facility).order_by(Facility.code)):
        _visiting_hours(actor, rng, facility, now)
        held = db.session.scalars(
            sa.select(Booking)
            .where(Booking.facility_id == facility.id, Booking.is_active)
            .order_by(Booking.id)
        ).all()
        for booking in held:
            made += _person(actor, rng, booking, now)
        made += _presentation(actor, rng, facility, held, now)
    return made


def _visiting_hours(actor: Actor, rng: random.Random, facility: Facility, now: dt.datetime) -> None:
    today = local_day(now, zone_of(facility.time_zone))
    for back in range(DAYS):
        day = today - dt.timedelta(days=back)
        weekend = day.weekday() >= 5
        hours = rng.choice((4, 4, 3) if weekend else (8, 8, 8, 9, 7, 6))
        services.set_visiting_day(
            actor=actor,
            facility_code=facility.code,
            day=VisitingDayIn(day=day, minutes_offered=hours * 60),
        )


def _when(
    rng: random.Random, booking: Booking, now: dt.datetime, minutes: int
) -> dt.datetime | None:
    """A start in the last two weeks, in the facility's daytime (08:00–19:00 local), after
    arrival and ending before now; None when a few tries find no such time."""
    zone = zone_of(booking.facility.time_zone)
    earliest = max(booking.booked_at, now - dt.timedelta(days=DAYS)) + dt.timedelta(hours=1)
    latest = now - dt.timedelta(minutes=minutes + 5)
    today = local_day(now, zone)
    for _ in range(4):
        day = today - dt.timedelta(days=rng.randrange(DAYS))
        clock = dt.time(rng.randrange(8, 19), rng.choice((0, 15, 30, 45)))
        start = dt.datetime.combine(day, clock, tzinfo=zone).astimezone(dt.UTC)
        if earliest <= start <= latest:
            return start
    return None


def _log(actor: Actor, booking: Booking, **values: object) -> int:
    services.record_entry(actor=actor, booking_id=booking.id, entry=EntryIn(**values))
    return 1


def _library(actor: Actor, rng: random.Random, booking: Booking, now: dt.datetime) -> int:
    """Law-library sessions on some days: most people go often enough for the weekly
    minimum, some rarely (they show below it)."""
    made, zone = 0, zone_of(booking.facility.time_zone)
    habit = rng.choice((0.1, 0.3, 0.6, 0.7, 0.8, 0.8))
    today = local_day(now, zone)
    for back in range(DAYS):
        if rng.random() >= habit:
            continue
        minutes = rng.choice((45, 60, 90, 120))
        clock = dt.time(rng.randrange(8, 18), rng.choice((0, 15, 30, 45)))
        day = today - dt.timedelta(days=back)
        start = dt.datetime.combine(day, clock, tzinfo=zone).astimezone(dt.UTC)
        if (
            booking.booked_at + dt.timedelta(hours=1)
            <= start
            <= now - dt.timedelta(minutes=minutes + 5)
        ):
            made += _log(actor, booking, kind="law_library", started_at=start, minutes=minutes)
    return made


def _person(actor: Actor, rng: random.Random, booking: Booking, now: dt.datetime) -> int:
    made = 0
    made += _library(actor, rng, booking, now)
    if rng.random() < 0.5 and (start := _when(rng, booking, now, 60)) is not None:
        made += _log(
            actor,
            booking,
            kind="attorney_visit",
            started_at=start,
            minutes=rng.choice((30, 45, 60)),
            counsel_name=rng.choice(COUNSEL),
        )
    if rng.random() < 0.6 and (start := _when(rng, booking, now, 30)) is not None:
        made += _log(
            actor,
            booking,
            kind="legal_call",
            started_at=start,
            minutes=rng.choice((10, 15, 20)),
            is_pro_bono=rng.random() < 0.7,
            counsel_name=rng.choice(COUNSEL),
        )
    if rng.random() < 0.3 and (start := _when(rng, booking, now, 0)) is not None:
        inside = rng.random() < 0.85
        made += _log(
            actor,
            booking,
            kind="legal_mail",
            started_at=start,
            opened_in_presence=inside,
            reason=None
            if inside
            else "Person at a court hearing; opened by the mailroom supervisor.",
        )
    if rng.random() < 0.4 and (start := _when(rng, booking, now, 0)) is not None:
        code, text = rng.choice(DENIALS)
        kind = "law_library" if code == "equipment" else "attorney_visit"
        made += _log(
            actor,
            booking,
            kind=kind,
            started_at=start,
            outcome="denied",
            denial_reason=code,
            reason=text,
            counsel_name=rng.choice(COUNSEL) if kind == "attorney_visit" else None,
        )
    made += _consular(actor, booking)
    return made


def _consular(actor: Actor, booking: Booking) -> int:
    """Half the open notification tasks done (by booking id), the rest left open."""
    made = 0
    for task in booking.consular_tasks:
        if task.done_at is None and booking.id % 2 == 0:
            made += _log(
                actor,
                booking,
                kind="consular_contact",
                started_at=booking.booked_at + dt.timedelta(hours=20),
                country=task.country,
                consular_type="notification",
            )
    return made


def _presentation(
    actor: Actor,
    rng: random.Random,
    facility: Facility,
    held: Sequence[Booking],
    now: dt.datetime,
) -> int:
    zone = zone_of(facility.time_zone)
    day = local_day(now, zone) - dt.timedelta(days=3)
    start = dt.datetime.combine(day, dt.time(14, 0), tzinfo=zone).astimezone(dt.UTC)
    present = [b for b in held if b.booked_at < start]
    if len(present) < 2:
        return 0
    chosen = rng.sample(present, min(len(present), rng.randrange(2, 9)))
    services.record_presentation(
        actor=actor,
        facility_code=facility.code,
        presentation=PresentationIn(
            started_at=start,
            minutes=60,
            counsel_name="Legal Orientation Program",
            attendees=tuple(b.id for b in chosen),
        ),
    )
    return len(chosen)
