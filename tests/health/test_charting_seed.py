"""`custodia seed-demo` charts realistic clinical histories through the charting services:
most intake screenings on time, some late, some still missing; assessments, dental,
PHQ-9 evaluations; deterministic and idempotent."""

from __future__ import annotations

import json
from collections import Counter

import sqlalchemy as sa

from core.actor import Actor
from core.db import db
from custody.bookings.models import Booking
from custody.rules.states import state
from custody.seed import seed_demo
from health.fhir.models import FhirResource

INTAKE = "intake-health-screening"


def _encounter_types() -> Counter:
    rows = db.session.scalars(
        sa.select(FhirResource.resource).where(
            FhirResource.resource_type == "Encounter", FhirResource.is_deleted.is_(False)
        )
    ).all()
    docs = [r if isinstance(r, dict) else json.loads(r) for r in rows]
    return Counter(d["type"][0]["coding"][0]["code"] for d in docs)


def test_seed_charts_histories_with_on_time_late_and_overdue_screenings(app):
    report = seed_demo(actor=Actor.system("test"), detainees=40, seed=2026)
    assert report.charted > 10 and "health screenings charted" in report.describe()
    kinds = _encounter_types()
    assert kinds["intake-screening"] == report.charted
    assert kinds["health-assessment"] > 0 and kinds["dental-screening"] > 0
    assert kinds["mental-health-evaluation"] > 0
    bookings = db.session.scalars(sa.select(Booking).where(Booking.is_active)).all()
    states = Counter(str(state(c)) for b in bookings for c in b.clocks if c.rule == INTAKE)
    assert states["met"] > states["met_late"] > 0, states
    assert states["overdue"] + states["due"] + states["due_soon"] > 0, states
    responses = db.session.scalar(
        sa.select(sa.func.count())
        .select_from(FhirResource)
        .where(FhirResource.resource_type == "QuestionnaireResponse")
    )
    assert responses == kinds["intake-screening"] + kinds["mental-health-evaluation"]
    # again: nothing more is charted
    again = seed_demo(actor=Actor.system("test"), detainees=40, seed=2026)
    assert again.charted == 0 and _encounter_types() == kinds
