"""seed-demo fills the legal-access log of the last two weeks: some people below the
law-library minimum, denials with reasons, a presentation, the consular list."""

from __future__ import annotations

import sqlalchemy as sa

from core.actor import Actor
from core.db import db
from custody.facilities.models import Facility
from custody.legal import reports
from custody.legal.models import (
    ConsularCountry,
    LegalAccessEntry,
    LegalPresentation,
    LegalVisitingDay,
)
from custody.seed import seed_demo


def _count(model: type) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model)) or 0


def test_seed_demo_fills_the_legal_access_log(app):
    seed_demo(actor=Actor.system("test"), detainees=30, seed=5)
    entries = _count(LegalAccessEntry)
    assert entries > 30 and _count(ConsularCountry) >= 56 and _count(LegalVisitingDay) > 0
    denied = db.session.scalars(
        sa.select(LegalAccessEntry).where(LegalAccessEntry.outcome == "denied")
    ).all()
    assert denied and all(e.reason and e.denial_reason for e in denied)
    presentations = db.session.scalars(sa.select(LegalPresentation)).all()
    assert presentations and all(len(p.attendees) >= 2 for p in presentations)
    kinds = set(db.session.scalars(sa.select(LegalAccessEntry.kind).distinct()))
    assert {"law_library", "attorney_visit", "legal_call", "legal_rights_presentation"} <= kinds
    below = 0
    for code in db.session.scalars(sa.select(Facility.code)):
        report = reports.facility_report(actor=Actor.system("test"), facility_code=code)
        below += sum(len(week.below) for week in report.library)
    assert below > 0
    seed_demo(actor=Actor.system("test"), detainees=30, seed=5)
    assert _count(LegalAccessEntry) == entries  # idempotent
