"""Demo sick calls (`custodia seed-demo` calls `seed_sick_calls` after the people are
booked): at each facility where people are held, a few requests in the people's own
words — some waiting for triage (one of them overdue), some triaged and waiting for
the visit (on time and late), some seen on time and some late. Deterministic for a
seed: the same people (by A-number), complaints and offsets from now.

Written through the services as the demo officer (requests) and the demo clinician
(triage, visits), so the FHIR, the audit entries and the clocks are the real thing. A
facility that already has sick calls is left alone (seeding again adds nothing)."""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass

import sqlalchemy as sa

from core.actor import Actor
from core.auth import actor_for
from core.db import db, utcnow
from core.models import User
from core.permissions import Role
from health.fhir.models import PatientStay
from health.sickcall import records, services
from health.sickcall.inputs import InterpreterIn, RequestIn, TriageIn, VisitIn

H = dt.timedelta(hours=1)

# (language, complaint in the person's words, needs an interpreter)
COMPLAINTS = (
    ("es", "Me duele la muela desde hace tres días y no puedo comer.", False),
    ("es", "Tengo tos y fiebre desde anoche, me duele el pecho al respirar.", False),
    ("en", "My blood pressure pills ran out two days ago and I get headaches.", False),
    ("ht", "Mwen gen doulè nan vant mwen depi yè swa, mwen pa ka dòmi.", True),
    ("pt", "Estou com dor nas costas e não consigo dormir há uma semana.", True),
    ("zh", "我咳嗽三天了，晚上睡不着。", True),
    ("pa", "ਮੇਰੇ ਗੋਡੇ ਵਿੱਚ ਬਹੁਤ ਦਰਦ ਹੈ, ਤੁਰਨਾ ਔਖਾ ਹੈ।", True),
    ("fr", "J'ai une éruption sur les bras qui me démange beaucoup.", True),
)


@dataclass(frozen=True)
class Plan:
    """One demo request: received `received` ago; triaged after `triage` (None: not
    yet), then seen after `visit` (None: not yet)."""

    received: dt.timedelta
    triage: dt.timedelta | None = None
    visit: dt.timedelta | None = None
    priority: str = "routine"


PLANS = (
    Plan(3 * H),  # waiting, triage due in 21 h
    Plan(31 * H),  # waiting, triage overdue
    Plan(20 * H, triage=2 * H),  # triaged on time, visit due in 6 h
    Plan(62 * H, triage=30 * H, priority="urgent"),  # triaged late, visit overdue
    Plan(80 * H, triage=5 * H, visit=12 * H),  # seen on time
    Plan(130 * H, triage=28 * H, visit=30 * H),  # triaged and seen late
)


def _demo_actor(role: Role) -> Actor | None:
    user = db.session.scalar(sa.select(User).where(User.username == role.value))
    return actor_for(user, request_id="seed-demo", client_addr="local") if user else None


def _held_people(facility_id: int) -> list[tuple[str, str, dt.datetime]]:
    """(A-number, Patient id, held since) of the people held at the facility, by A-number."""
    rows = db.session.execute(
        sa.select(PatientStay.patient_id, PatientStay.started_at).where(
            PatientStay.facility_id == facility_id, PatientStay.ended_at.is_(None)
        )
    ).all()
    since = dict(rows)
    people = records.people_of(since)
    return sorted((a_number, pid, since[pid]) for pid, (_, a_number) in people.items() if a_number)


def seed_sick_calls(*, seed: int) -> int:
    """Add the demo sick calls; the number of requests written."""
    officer, clinician = _demo_actor(Role.OFFICER), _demo_actor(Role.CLINICIAN)
    if officer is None or clinician is None:
        return 0
    facilities = db.session.scalars(
        sa.select(PatientStay.facility_id).where(PatientStay.ended_at.is_(None)).distinct()
    )
    written = 0
    for facility_id in sorted(facilities):
        people = _held_people(facility_id)
        if records.requests_of([pid for _, pid, _ in people], restricted_ok=True):
            continue
        rng = random.Random(seed * 1000 + facility_id)  # noqa: S311 (synthetic demo data)
        written += _seed_facility(officer, clinician, rng, people)
    return written


def _seed_facility(
    officer: Actor, clinician: Actor, rng: random.Random, people: list[tuple[str, str, dt.datetime]]
) -> int:
    now = utcnow()
    written = 0
    for plan in PLANS:
        held_long_enough = [p for p in people if p[2] < now - plan.received - H]
        if not held_long_enough:
            continue
        a_number, _pid, _since = person = rng.choice(held_long_enough)
        people.remove(person)
        language, complaint, interpreted = rng.choice(COMPLAINTS)
        recorded = services.record_request(
            actor=officer,
            data=RequestIn(
                a_number=a_number,
                complaint=complaint,
                language=language,
                channel=rng.choice(("paper-slip", "verbal", "tablet")),
                received_local=now - plan.received,
            ),
        )
        written += 1
        interpreter = InterpreterIn(
            language=language,
            mode=rng.choice(("telephone", "video", "in-person")) if interpreted else "none",
            interpreter_id=f"LL-{rng.randrange(10000, 99999)}" if interpreted else "",
        )
        if plan.triage is None:
            continue
        triaged = now - plan.received + plan.triage
        services.triage_request(
            actor=clinician,
            request_id=recorded.request_id,
            data=TriageIn(
                priority=plan.priority,
                disposition="schedule-visit",
                interpreter=interpreter,
                note="Seen at the unit door; stable. Schedule for the clinic.",
                triaged_local=triaged,
            ),
        )
        if plan.visit is None:
            continue
        services.record_visit(
            actor=clinician,
            request_id=recorded.request_id,
            data=VisitIn(
                subjective=f"Reports: {complaint}",
                objective="Temperature 37.1 °C, pulse 78, blood pressure 128/82. Alert.",
                assessment="Minor illness; no red flags.",
                plan="Symptomatic treatment from stock; return to sick call if worse.",
                interpreter=interpreter,
                seen_local=triaged + plan.visit,
            ),
        )
    return written
