"""Classification (levels 1–3 from a scored worksheet) and sexual-abuse risk screening.

The worksheet is versioned: its inputs are stored as given, and the score and level are
computed by the version named on the record, so a later worksheet never rewrites an old
decision. A supervisor may set another level with a reason; every classification is
kept (the newest is current) and sets the reclassification due date.
"""

from __future__ import annotations

import datetime as dt

from core import audit
from core.access import authorize
from core.actor import Actor
from core.db import lock_for_update, unit_of_work
from core.errors import Conflict
from core.validation import FieldErrors
from custody.audit_tags import CustodyAuditTag, CustodySubject
from custody.bookings.inputs import WorksheetIn
from custody.bookings.models import Booking, BookingStatus, Classification, RiskScreening
from custody.bookings.services import writable_booking
from custody.bookings.worksheet import WORKSHEET as WORKSHEET  # re-exported for callers
from custody.bookings.worksheet import WORKSHEET_VERSION, score_worksheet
from custody.permissions import CustodyPermission
from custody.rules import clocks
from custody.rules.models import ClockStart

DEFAULT_RECLASSIFY = dt.timedelta(days=90)


def _reclassify_after(booking: Booking) -> dt.timedelta:
    rules = clocks.rules_for(booking.facility, ClockStart.CLASSIFICATION)
    found = next((r for r in rules if r.rule == "reclassification"), None)
    return found.limit if found is not None and found.limit else DEFAULT_RECLASSIFY


def classify(*, actor: Actor, booking_id: int, worksheet: WorksheetIn) -> Classification:
    """Score the worksheet. `level` different from the scored one is a supervisor
    override and needs `override_reason`. `classified_at` records a worksheet done
    earlier on paper (between arrival and now)."""
    booking = writable_booking(actor, booking_id)
    inputs = worksheet.inputs
    score, scored, problems = score_worksheet(inputs)
    errors = FieldErrors()
    errors.merge(problems)
    level = errors.integer("level", worksheet.level, required=False, minimum=1, maximum=3)
    final = scored if level is None else level
    reasons = errors.text("reasons", worksheet.reasons, max_length=2000, required=False)
    override_reason = errors.text(
        "override_reason", worksheet.override_reason, max_length=2000, required=False
    )
    if final != scored:
        errors.required("override_reason", override_reason)
    when = errors.since("classified_at", worksheet.classified_at, (booking.booked_at, "arrival"))
    errors.raise_if_any()
    if final != scored:
        authorize(
            actor,
            CustodyPermission.CUSTODY_SUPERVISE,
            subject_type=CustodySubject.BOOKING,
            subject_id=booking_id,
        )
    with unit_of_work() as session:
        lock_for_update(session, Booking, [booking.id])
        session.refresh(booking)
        if booking.status in (BookingStatus.RELEASED, BookingStatus.IN_TRANSIT):
            raise Conflict(f"Booking {booking.id} is {booking.status}: it cannot be classified.")
        now = when
        previous = booking.classification
        if previous is not None:
            previous.superseded_at = now
            session.flush()
        record = Classification(
            booking=booking,
            worksheet_version=WORKSHEET_VERSION,
            inputs=dict(inputs),
            score=score,
            scored_level=scored,
            level=final,
            reasons=reasons or None,
            override_reason=(override_reason or None) if final != scored else None,
            approved_by_id=actor.user_id if final != scored else None,
            classified_by_id=actor.user_id,
            classified_at=now,
            reclassify_due_at=now + _reclassify_after(booking),
        )
        session.add(record)
        session.flush()
        clocks.close_clocks(booking, "classification", now, f"classification:{record.id}")
        clocks.close_clocks(booking, "reclassification", now, f"classification:{record.id}")
        clocks.open_clocks(booking, ClockStart.CLASSIFICATION, now)
        audit.record(
            actor=actor,
            tag=CustodyAuditTag.CLASSIFICATION_OVERRIDE
            if final != scored
            else "custody:classification:create",
            subject_type=CustodySubject.BOOKING,
            subject_id=booking.id,
            changed_fields=["level", "score", "inputs"]
            + (["override_reason"] if final != scored else []),
        )
        return record


def record_screening(
    *,
    actor: Actor,
    booking_id: int,
    victimization_risk: bool,
    abusiveness_risk: bool,
    screened_at: dt.datetime | None = None,
) -> RiskScreening:
    """Sexual-abuse risk screening (6 CFR 115.41), needed before general population."""
    booking = writable_booking(actor, booking_id)
    errors = FieldErrors()
    errors.boolean("victimization_risk", victimization_risk)
    errors.boolean("abusiveness_risk", abusiveness_risk)
    when = errors.since("screened_at", screened_at, (booking.booked_at, "arrival"))
    errors.raise_if_any()
    with unit_of_work() as session:
        now = when
        screening = RiskScreening(
            booking=booking,
            screened_at=now,
            victimization_risk=victimization_risk,
            abusiveness_risk=abusiveness_risk,
            screened_by_id=actor.user_id,
        )
        session.add(screening)
        session.flush()
        clocks.close_clocks(booking, "sexual-abuse-screening", now, f"screening:{screening.id}")
        audit.record(
            actor=actor,
            tag=CustodyAuditTag.SCREENING_CREATE,
            subject_type=CustodySubject.BOOKING,
            subject_id=booking.id,
            changed_fields=["victimization_risk", "abusiveness_risk"],
        )
        return screening
