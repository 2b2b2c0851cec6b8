"""Demo clinical histories (`custodia seed-demo`): for each person in custody, what the
health unit charted since arrival, through the charting services (so every rule,
transaction and audit entry is the real one) and signed by the demo clinician.

Deterministic for a seed: most intake screenings on time, some late (`met_late`), some
still missing (overdue); assessments, a few dental screenings and encounters, a few
mental-health referrals with a PHQ-9 evaluation. Custody calls `seed_histories` with
plain values (`SeedStay`): health never reads custody's tables.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

import sqlalchemy as sa

from core.actor import Actor
from core.auth import actor_for
from core.db import db, utcnow
from core.models import User
from health.charting import services, specialties
from health.charting.inputs import (
    AllergyIn,
    AssessmentIn,
    DentalIn,
    EncounterIn,
    IntakeScreeningIn,
    InterpreterIn,
    MedicationIn,
    MentalHealthIn,
    ToothFindingIn,
    VitalsIn,
)
from health.charting.questionnaires import PHQ9_ANSWERS, phq9_items
from health.fhir import link
from health.fhir.models import FhirResource

CLINICIAN = "clinician"


@dataclass(frozen=True)
class SeedStay:
    """A person in custody: A-number, arrival, first language and whether it needs an
    interpreter."""

    a_number: str
    arrived_at: dt.datetime
    language: str
    interpreter_needed: bool


@dataclass
class SeedCounts:
    screenings: int = 0
    late: int = 0
    assessments: int = 0
    dental: int = 0
    evaluations: int = 0


CONDITIONS = ("I10", "E11.9", "J45.909", "K21.9", "E78.5", "F41.1", "M54.50", "B18.2")
MEDICATIONS = {
    "I10": MedicationIn("Lisinopril 10 mg tablet", "1 tablet once a day"),
    "E11.9": MedicationIn("Metformin 500 mg tablet", "1 tablet twice a day with meals"),
    "J45.909": MedicationIn("Albuterol 90 mcg inhaler", "2 puffs every 4 hours as needed"),
    "K21.9": MedicationIn("Omeprazole 20 mg capsule", "1 capsule before breakfast"),
}
ALLERGIES = (AllergyIn("Penicillin", "Hives", "high"), AllergyIn("Sulfa drugs", "Rash", "low"))
FINDINGS = ("K02.9", "K02.9", "K03.81", "K08.409", "K05.30", "K04.7")


def clinician() -> Actor | None:
    user = db.session.scalar(sa.select(User).where(User.username == CLINICIAN))
    return None if user is None else actor_for(user, request_id="seed-demo")


def seed_histories(*, stays: Sequence[SeedStay], seed: int) -> SeedCounts:
    """Chart each stay's history unless its Patient has encounters already (so seeding
    again adds nothing). Joins the caller's unit of work."""
    counts = SeedCounts()
    actor = clinician()
    if actor is None:
        return counts
    now = utcnow()
    for stay in stays:
        rng = random.Random(f"{seed}-{stay.a_number}")  # noqa: S311 (synthetic demo data)
        patient_id = link.patient_id_of(stay.a_number)
        if patient_id is None or _charted(patient_id):
            continue
        _history(actor, rng, patient_id, stay, now, counts)
    return counts


def _charted(patient_id: str) -> bool:
    return bool(
        db.session.scalar(
            sa.select(sa.func.count())
            .select_from(FhirResource)
            .where(FhirResource.resource_type == "Encounter", FhirResource.patient_id == patient_id)
        )
    )


def _encounter(
    rng: random.Random, pid: str, stay: SeedStay, end: dt.datetime, refer: bool = False
) -> EncounterIn:
    if stay.interpreter_needed:
        interpreter = InterpreterIn(
            stay.language,
            rng.choice(("telephone", "telephone", "video", "in-person")),
            f"LL-{rng.randrange(10000, 99999)}",
        )
    else:
        interpreter = InterpreterIn(stay.language if stay.language != "en" else "", "none", "")
    start = end - dt.timedelta(minutes=rng.choice((20, 25, 30, 40)))
    return EncounterIn(pid, start, end, interpreter, refer_mental_health=refer)


def _vitals(rng: random.Random) -> VitalsIn:
    systolic = rng.randrange(104, 158)
    return VitalsIn(
        systolic=systolic,
        diastolic=rng.randrange(62, min(systolic - 20, 98)),
        pulse=rng.randrange(58, 104),
        temperature_f=Decimal(rng.randrange(972, 996)) / 10,
        respiratory_rate=rng.randrange(12, 21),
        spo2=rng.randrange(94, 101),
        weight_lb=Decimal(rng.randrange(110, 260)),
        height_in=Decimal(rng.randrange(59, 75)),
    )


def _when(
    arrived: dt.datetime, now: dt.datetime, low_h: float, high_h: float, rng: random.Random
) -> dt.datetime | None:
    """A time between `low_h` and `high_h` hours after arrival, if it has passed."""
    at = arrived + dt.timedelta(minutes=rng.randrange(int(low_h * 60), int(high_h * 60)))
    return at if at < now - dt.timedelta(minutes=10) else None


def _history(
    actor: Actor, rng: random.Random, pid: str, stay: SeedStay, now: dt.datetime, counts: SeedCounts
) -> None:
    roll = rng.random()
    if roll < 0.72:
        screened = _when(stay.arrived_at, now, 0.5, 11.5, rng)
    elif roll < 0.88:
        screened = _when(stay.arrived_at, now, 13, 40, rng)
        counts.late += screened is not None
    else:
        screened = None  # still due, or overdue
    if screened is None:
        return
    refer = rng.random() < 0.2
    conditions = tuple(rng.sample(CONDITIONS, rng.choice((0, 0, 1, 1, 2))))
    allergies = (rng.choice(ALLERGIES),) if rng.random() < 0.2 else ()
    withdrawal = rng.random() < 0.1
    services.record_intake_screening(
        actor=actor,
        data=IntakeScreeningIn(
            encounter=_encounter(rng, pid, stay, screened, refer),
            vitals=_vitals(rng),
            tb_symptoms=("cough-3-weeks",) if rng.random() < 0.05 else (),
            medications=tuple(MEDICATIONS[c] for c in conditions if c in MEDICATIONS),
            allergies=allergies,
            no_known_allergies=not allergies and rng.random() < 0.6,
            conditions=conditions,
            accommodations=("lower-bunk",) if rng.random() < 0.1 else (),
            withdrawal_risk="low" if withdrawal else "none",
            withdrawal_substances=("alcohol",) if withdrawal else (),
            suicide_screen={
                "wished-dead": refer,
                "better-off-dead": False,
                "thoughts": False,
                "attempt": False,
                "now": False,
            },
        ),
    )
    counts.screenings += 1
    if refer and (evaluated := _when(screened, now, 20, 60, rng)) and rng.random() < 0.8:
        _evaluation(actor, rng, pid, stay, evaluated)
        counts.evaluations += 1
    _assessment(actor, rng, pid, stay, now, conditions, counts)
    if rng.random() < 0.45 and (dental := _when(stay.arrived_at, now, 48, 24 * 16, rng)):
        _dental(actor, rng, pid, stay, dental, screening=True)
        counts.dental += 1
        if rng.random() < 0.3 and (visit := _when(dental, now, 24, 24 * 10, rng)):
            _dental(actor, rng, pid, stay, visit, screening=False)


def _assessment(
    actor: Actor,
    rng: random.Random,
    pid: str,
    stay: SeedStay,
    now: dt.datetime,
    conditions: tuple[str, ...],
    counts: SeedCounts,
) -> None:
    days = rng.choice((2, 4, 6, 9, 12, 13, 15, 18))
    assessed = _when(stay.arrived_at, now, 24 * days, 24 * days + 8, rng)
    if assessed is None or rng.random() < 0.15:
        return
    services.record_assessment(
        actor=actor,
        data=AssessmentIn(
            encounter=_encounter(rng, pid, stay, assessed),
            vitals=_vitals(rng),
            history="No acute complaints. Reviewed history from the intake screening.",
            exam="Alert and oriented. Heart regular, lungs clear, abdomen soft, no edema.",
            assessment="Stable chronic conditions." if conditions else "Healthy adult.",
            plan="Continue current medications. Sick call as needed.",
            conditions=conditions,
        ),
    )
    counts.assessments += 1


def _dental(
    actor: Actor, rng: random.Random, pid: str, stay: SeedStay, at: dt.datetime, screening: bool
) -> None:
    findings = tuple(
        ToothFindingIn(str(rng.randrange(1, 33)), rng.choice(FINDINGS))
        for _ in range(rng.choice((0, 1, 1, 2, 3)))
    )
    specialties.record_dental(
        actor=actor,
        data=DentalIn(
            encounter=_encounter(rng, pid, stay, at),
            screening=screening,
            findings=findings,
            urgency="soon" if findings and rng.random() < 0.4 else "routine",
            note="Oral hygiene instructions given.",
        ),
    )


def _evaluation(
    actor: Actor, rng: random.Random, pid: str, stay: SeedStay, at: dt.datetime
) -> None:
    answers = list(PHQ9_ANSWERS)
    weights = (5, 3, 2, 1)
    phq9 = {item["linkId"]: rng.choices(answers, weights=weights)[0] for item in phq9_items()}
    phq9["SelfHarm"] = "LA6568-5"
    specialties.record_mental_health_evaluation(
        actor=actor,
        data=MentalHealthIn(
            encounter=_encounter(rng, pid, stay, at),
            phq9=phq9,
            difficulty="LA6573-5",
            note="Adjustment to detention. Denies current suicidal ideation. Follow up in 2 weeks.",
        ),
    )
