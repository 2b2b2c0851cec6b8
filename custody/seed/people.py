"""`custodia seed-demo`: deterministic synthetic facilities, users and people.

Everything here is invented. Facility names are fictional; people are generated from
small name lists with a seeded random generator, so the same --seed gives the same data.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import random
from typing import Any

import sqlalchemy as sa

from core.actor import Actor
from core.db import db, utcnow
from core.errors import Conflict
from custody.bookings import classification, intake
from custody.bookings.inputs import BookingIn, PropertyLine, WorksheetIn
from custody.facilities.models import HousingUnit, UnitKind
from custody.housing import assignment as housing
from custody.housing.models import BedAssignment
from custody.people import services as identity
from custody.people.inputs import PersonIn
from custody.people.models import AlertKind, Detainee
from custody.restrictive import services as restrictive

FAMILY = (
    "Alvarez",
    "Moreno",
    "Okafor",
    "Nguyen",
    "Haddad",
    "Castillo",
    "Mensah",
    "Rojas",
    "Petrov",
    "Bautista",
    "Diallo",
    "Quispe",
    "Santos",
    "Karimi",
    "Osei",
    "Delgado",
)
GIVEN_M = ("Mateo", "Samuel", "Yusuf", "Minh", "Kwame", "Andrés", "Iván", "Tomás", "Omar", "Luis")
GIVEN_F = ("Lucía", "Amara", "Linh", "Fatima", "Ana", "Grace", "Sofía", "Noor", "Elena", "Rosa")
COUNTRIES = ("MX", "GT", "HN", "SV", "NI", "CO", "VE", "EC", "HT", "CU", "IN", "CN", "GH", "SN")


def seed_people(actor: Actor, rng: random.Random, count: int) -> int:
    """People with languages and some aliases, most booked: classified, screened and
    housed in fitting beds; some with alerts (custody.seed.releases releases a few).
    Made through the services, so every rule holds and every write is audited."""
    existing = db.session.scalar(sa.select(sa.func.count()).select_from(Detainee)) or 0
    now = utcnow()
    beds = BedFinder()
    created = 0
    for index in range(existing, count):
        person = _seed_person(actor, rng, index)
        created += 1
        roll = rng.random()
        if roll < 0.08:
            continue  # recorded, not booked (a past stay elsewhere)
        facility = beds.pick_facility(rng, person.sex)
        if facility is None:
            continue  # every bed taken: stays recorded only
        arrival = now - dt.timedelta(hours=rng.randrange(2, 24 * 75))
        booking = intake.book_detainee(
            actor=actor,
            booking=BookingIn(
                detainee_id=person.id,
                facility_code=facility,
                booked_at=arrival,
                arresting_agency=rng.choice(AGENCIES),
                handbook_language=person.languages[0].code if person.languages else "en",
                orientation_at=min(arrival + dt.timedelta(hours=rng.randrange(1, 6)), now),
                property=tuple(rng.sample(PROPERTY, rng.randrange(1, 4))),
            ),
        )
        if roll < 0.14:
            continue  # intake not finished: the clocks show it due or overdue
        _seed_alerts(actor, rng, person)
        level = rng.choices((1, 2, 3), weights=(5, 4, 2))[0]
        late = dt.timedelta(hours=rng.choice((1, 2, 3, 5, 8, 14)))
        at = min(arrival + late, now)
        classification.classify(
            actor=actor,
            booking_id=booking.id,
            worksheet=WorksheetIn(inputs=WORKSHEETS[level], classified_at=at),
        )
        classification.record_screening(
            actor=actor,
            booking_id=booking.id,
            victimization_risk=rng.random() < 0.1,
            abusiveness_risk=rng.random() < 0.05,
            screened_at=at,
        )
        bed = beds.pick_bed(booking, level)
        if bed is not None:
            with contextlib.suppress(Conflict):  # a rule the finder does not model
                housing.assign_bed(actor=actor, booking_id=booking.id, bed_id=bed)
        if 0.86 < roll <= 0.92:  # releases: custody.seed.releases
            _seed_restrictive(actor, rng, booking, now)
    return created


AGENCIES = ("ERO Dallas", "ERO Phoenix", "CBP El Paso", "287(g) Harris County", "ERO Newark")
PROPERTY = (
    PropertyLine("Wallet, black"),
    PropertyLine("Mobile phone"),
    PropertyLine("Belt"),
    PropertyLine("T-shirt", quantity=2),
    PropertyLine("Cash", value_cents=3700),
    PropertyLine("Birth certificate (copy)"),
    PropertyLine("Rosary"),
)
LANGUAGES = {
    "MX": ("es",),
    "GT": ("es", "mam", "quc", "kjb"),
    "HN": ("es",),
    "SV": ("es",),
    "NI": ("es",),
    "CO": ("es",),
    "VE": ("es",),
    "EC": ("es", "qu"),
    "HT": ("ht", "fr"),
    "CU": ("es",),
    "IN": ("pa", "hi"),
    "CN": ("zh",),
    "GH": ("ak", "en"),
    "SN": ("wo", "fr"),
}
_NONE = {
    "current_offense": "none",
    "prior_convictions": "none",
    "violence_history": "none",
    "escape_history": "none",
    "institutional_conduct": "none",
    "security_threat_group": "no",
}
WORKSHEETS = {
    1: _NONE,
    2: {**_NONE, "current_offense": "moderate", "prior_convictions": "one_or_two"},
    3: {**_NONE, "current_offense": "serious", "violence_history": "within_5_years"},
}


def _seed_person(actor: Actor, rng: random.Random, index: int) -> Detainee:
    sex = rng.choice(("male", "male", "male", "female"))
    given = rng.choice(GIVEN_M if sex == "male" else GIVEN_F)
    country = rng.choice(COUNTRIES)
    spoken = LANGUAGES[country]
    first = rng.choice(spoken)
    languages = [{"code": first, "interpreter_needed": first not in ("es", "en")}]
    if first != spoken[0]:
        languages.append({"code": spoken[0], "interpreter_needed": False})
    family = rng.choice(FAMILY)
    aliases = (
        [{"family_name": rng.choice(FAMILY), "given_name": given}] if rng.random() < 0.15 else []
    )
    return identity.create_detainee(
        actor=actor,
        data=PersonIn(
            a_number=f"{200_000_000 + index * 7919 % 99_999_999:09d}",
            family_name=family,
            given_name=given,
            date_of_birth=dt.date(1960, 1, 1) + dt.timedelta(days=rng.randrange(0, 16000)),
            sex=sex,
            gender_identity=rng.choice(("man",) * 30 + ("transgender_woman",))
            if sex == "male"
            else "woman",
            country_of_birth=country,
            languages=languages,
            aliases=aliases,
        ),
    )


def _seed_restrictive(actor: Actor, rng: random.Random, booking: Any, now: dt.datetime) -> None:
    """A placement some hours or days ago, with checks every 15–40 minutes over its last
    few hours (so some gaps are flagged) and, for older ones, a review."""
    fitting = {"restrictive_without_placement"}  # the placement itself answers it
    bed_id = next(
        (
            bed.id
            for unit in booking.facility.units
            if unit.kind == UnitKind.RESTRICTIVE
            for bed in unit.beds
            if {v.rule for v in housing.evaluate(booking, bed)} <= fitting
        ),
        None,
    )  # the first that fits: the rules cost queries per bed
    if bed_id is None:
        return
    placed = max(booking.booked_at, now - dt.timedelta(hours=rng.randrange(3, 24 * 20)))
    placement = restrictive.place_in_restrictive_housing(
        actor=actor,
        booking_id=booking.id,
        kind=rng.choice(("administrative", "disciplinary")),
        reason=rng.choice(PLACEMENT_REASONS),
        placed_at=placed,
        bed_id=bed_id,
    )
    checked = max(placed, now - dt.timedelta(hours=3))
    while True:
        checked += dt.timedelta(minutes=rng.choice((15, 20, 25, 30, 40)))
        if checked >= now:
            break
        restrictive.record_check(actor=actor, placement_id=placement.id, checked_at=checked)
    if now - placed > dt.timedelta(days=4) and rng.random() < 0.7:
        restrictive.record_review(
            actor=actor,
            placement_id=placement.id,
            decision="continue",
            note="Reviewed; placement continues.",
            reviewed_at=placed + dt.timedelta(hours=70),
        )


PLACEMENT_REASONS = (
    "Protective custody requested by the detainee",
    "Pending disciplinary hearing",
    "Disciplinary sanction after hearing",
    "Threat to the security of the facility",
)


def _seed_alerts(actor: Actor, rng: random.Random, person: Detainee) -> None:
    for kind, share in (("lower_bunk", 0.12), ("accessible_bed", 0.03), ("suicide_watch", 0.02)):
        if rng.random() < share:
            identity.set_alert(actor=actor, detainee_id=person.id, kind=kind, active=True)


class BedFinder:
    """Free beds by facility and unit, kept in memory while seeding (the services still
    check every rule when the bed is assigned)."""

    def __init__(self) -> None:
        units = db.session.scalars(
            sa.select(HousingUnit).where(HousingUnit.kind == UnitKind.GENERAL)
        ).all()
        taken = set(
            db.session.scalars(
                sa.select(BedAssignment.bed_id).where(BedAssignment.ended_at.is_(None))
            )
        )
        self.units = units
        self.free_beds = {
            unit.id: [b for b in unit.beds if b.is_in_service and b.id not in taken]
            for unit in units
        }
        self.levels: dict[int, set[int]] = {unit.id: set() for unit in units}

    def pick_facility(self, rng: random.Random, sex: str) -> str | None:
        codes = sorted(
            {u.facility.code for u in self.units if u.sex_housed == sex and self.free_beds[u.id]}
        )
        return rng.choice(codes) if codes else None

    def pick_bed(self, booking: Any, level: int) -> int | None:
        person = booking.detainee
        lower = person.has_alert(AlertKind.LOWER_BUNK)
        accessible = person.has_alert(AlertKind.ACCESSIBLE_BED)
        if person.gender_identity not in (None, "man", "woman") or accessible:
            return None  # decided case by case by a supervisor: left in intake for the demo
        for unit in self.units:
            present = self.levels[unit.id]
            if (
                unit.facility_id != booking.facility_id
                or unit.sex_housed != person.sex
                or level not in unit.levels
                or {level} | present >= {1, 3}
            ):
                continue
            for bed in self.free_beds[unit.id]:
                if bed.is_lower_bunk or not lower:
                    self.free_beds[unit.id].remove(bed)
                    present.add(level)
                    return bed.id
        return None
