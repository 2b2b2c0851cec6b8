"""Demo releases (`custodia seed-demo`): a few housed people released through the release
service, with varied reasons, every property line accounted for, one discrepancy and
varied continuity-of-care outcomes. Deterministic for a seed; only on the first run."""

from __future__ import annotations

import random

import sqlalchemy as sa

from core.actor import Actor
from core.db import db
from custody.bookings.models import Booking
from custody.housing.models import BedAssignment
from custody.releases.inputs import ContinuityIn, PropertyReturnIn, ReleaseIn
from custody.releases.models import Release
from custody.releases.services import release_booking
from custody.releases.vocabulary import PropertyOutcome, ReleaseReason
from custody.restrictive.models import RestrictivePlacement

REASONS = (
    ReleaseReason.BOND,
    ReleaseReason.PAROLE,
    ReleaseReason.RECOGNIZANCE,
    ReleaseReason.REMOVAL,
    ReleaseReason.SUPERVISION,
    ReleaseReason.COURT_ORDER,
    ReleaseReason.AGENCY_TRANSFER,
)
CARE = (
    ContinuityIn(medications_handed_over=True, health_summary_handed_over=True),
    ContinuityIn(refused=True),
    ContinuityIn(medications_handed_over=False, health_summary_handed_over=True),
)
MISSING_NOTE = "Not found in the property room at release; claim form handed to the person."


def seed_releases(actor: Actor, seed: int) -> int:
    """Release about one housed person in twelve (at least two when there are two)."""
    if db.session.scalar(sa.select(sa.func.count()).select_from(Release)):
        return 0  # seeded before: keep the demo's releases as they are
    candidates = _housed_without_placement()
    if len(candidates) < 2:
        return 0
    rng = random.Random(seed)  # noqa: S311 (synthetic demo data, not secrets)
    chosen = sorted(rng.sample(candidates, max(2, len(candidates) // 12)))
    for number, booking_id in enumerate(chosen):
        booking = db.session.get_one(Booking, booking_id)
        release_booking(
            actor=actor,
            booking_id=booking_id,
            release=ReleaseIn(
                reason=REASONS[number % len(REASONS)],
                property=_returns(booking, discrepancy=number == 0),
                continuity=CARE[number % len(CARE)],
            ),
        )
    return len(chosen)


def _housed_without_placement() -> list[int]:
    placed = sa.select(RestrictivePlacement.booking_id).where(
        RestrictivePlacement.released_at.is_(None)
    )
    query = (
        sa.select(Booking.id)
        .join(BedAssignment, BedAssignment.booking_id == Booking.id)
        .where(Booking.is_active, BedAssignment.ended_at.is_(None), Booking.id.not_in(placed))
        .order_by(Booking.id)
    )
    return list(db.session.scalars(query))


def _returns(booking: Booking, *, discrepancy: bool) -> tuple[PropertyReturnIn, ...]:
    """Every line returned; with `discrepancy`, the first one missing."""
    returns = []
    for index, item in enumerate(booking.property_items):
        if discrepancy and index == 0:
            returns.append(PropertyReturnIn(item.line_no, PropertyOutcome.MISSING, MISSING_NOTE))
        else:
            returns.append(PropertyReturnIn(item.line_no, PropertyOutcome.RETURNED))
    return tuple(returns)
