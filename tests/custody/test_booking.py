"""Booking, property, clocks from the rule set, classification and screening."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

import pytest
import sqlalchemy as sa

from core.db import db, unit_of_work
from core.errors import Conflict, Forbidden, ValidationFailed
from custody.bookings import classification, intake
from custody.bookings.inputs import BookingIn, PropertyLine, WorksheetIn
from custody.bookings.models import Booking
from custody.releases import services as release
from custody.releases.inputs import PropertyReturnIn, ReleaseIn
from custody.rules import clocks
from custody.rules.models import ComplianceClock, ComplianceRule
from tests.helpers import NONE, WORKSHEET_ANSWERS, last_event

ARRIVAL = dt.datetime(2026, 3, 2, 8, 0, tzinfo=dt.UTC)


def test_booking_opens_the_rule_sets_clocks_and_audits(app, make):
    facility = make.facility()
    person = make.detainee()
    booking = intake.book_detainee(
        actor=make.actor("officer"),
        booking=BookingIn(
            detainee_id=person.id,
            facility_code=facility.code,
            booked_at=ARRIVAL,
            arresting_agency="ERO Dallas",
            property=(
                PropertyLine("Wallet, brown", quantity=1),
                PropertyLine("Cash", quantity=1, value_cents=4250),
            ),
            handbook_language="es",
            orientation_at=ARRIVAL + dt.timedelta(hours=2),
        ),
    )
    due = {c.rule: c.due_at - ARRIVAL for c in booking.clocks}
    assert due["intake-health-screening"] == dt.timedelta(hours=12)
    assert due["classification"] == dt.timedelta(hours=12)
    assert due["sexual-abuse-screening"] == dt.timedelta(hours=12)
    assert due["health-assessment"] == dt.timedelta(days=14)
    assert due["dental-screening"] == dt.timedelta(days=14)
    deadlines = clocks.deadlines(booking)
    assert deadlines["health_screening_due"] == (ARRIVAL + dt.timedelta(hours=12)).isoformat()
    assert deadlines["health_assessment_due"] == (ARRIVAL + dt.timedelta(days=14)).isoformat()
    assert [(p.line_no, p.is_valuable) for p in booking.property_items] == [(1, False), (2, True)]
    assert booking.receipt_number == f"{facility.code}-{booking.id:07d}"
    event = last_event("custody:booking:create")
    assert event.subject_id == str(booking.id)
    assert "property" in event.changed_fields


def test_clock_limits_come_from_the_facilitys_rule_set(app, make):
    facility = make.facility()
    with unit_of_work():
        rule = db.session.scalar(
            sa.select(ComplianceRule).where(
                ComplianceRule.standards_set_id == facility.standards_set_id,
                ComplianceRule.rule == "health-assessment",
            )
        )
        rule.limit_minutes = 7 * 24 * 60
    booking = make.booking(facility=facility, booked_at=ARRIVAL)
    assert (
        clocks.deadlines(booking)["health_assessment_due"]
        == (ARRIVAL + dt.timedelta(days=7)).isoformat()
    )


def test_one_active_booking_per_person(app, make):
    person = make.detainee()
    first = make.booking(detainee=person)
    with pytest.raises(Conflict) as err:
        make.booking(detainee=person)
    assert err.value.details["existing_id"] == str(first.id)
    release.release_booking(
        actor=make.actor("officer"), booking_id=first.id, release=ReleaseIn(reason="removal")
    )
    assert make.booking(detainee=person).id != first.id


def test_the_database_refuses_a_second_active_booking(app, make):
    """Even if the service's check were bypassed, the partial unique index holds."""
    booking = make.booking()
    with pytest.raises(sa.exc.IntegrityError), unit_of_work() as session:
        session.add(
            Booking(
                detainee_id=booking.detainee_id,
                facility_id=booking.facility_id,
                status="booked",
                booked_at=ARRIVAL,
            )
        )


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"detainee_id": 999999}, "detainee_id"),
        ({"facility_code": "NOPE"}, "facility_code"),
        ({"booked_at": dt.datetime.now(dt.UTC) + dt.timedelta(days=1)}, "booked_at"),
        ({"booked_at": dt.datetime(2026, 1, 1)}, "booked_at"),  # naive
        ({"orientation_at": ARRIVAL - dt.timedelta(hours=1)}, "orientation_at"),
        ({"handbook_language": "klingon"}, "handbook_language"),
        ({"property": (PropertyLine("", quantity=0),)}, "property"),
    ],
)
def test_bad_booking_input_names_the_field_and_writes_nothing(app, make, change, field):
    facility, person = make.facility(), make.detainee()
    data = BookingIn(detainee_id=person.id, facility_code=facility.code, booked_at=ARRIVAL)
    with pytest.raises(ValidationFailed) as err:
        intake.book_detainee(actor=make.actor("officer"), booking=replace(data, **change))
    assert field in err.value.errors
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Booking)) == 0


def test_facility_scoped_officer_books_only_at_their_facility(app, make):
    mine, other = make.facility(), make.facility()
    officer = make.actor("officer", facility_id=mine.id)
    with pytest.raises(Forbidden):
        intake.book_detainee(
            actor=officer,
            booking=BookingIn(detainee_id=make.detainee().id, facility_code=other.code),
        )
    booking = intake.book_detainee(
        actor=officer,
        booking=BookingIn(detainee_id=make.detainee().id, facility_code=mine.code),
    )
    assert booking.facility_id == mine.id


def test_release_frees_the_bed_returns_property_and_audits(app, make):
    booking = make.classified(make.booking(property=[{"description": "Belt"}]))
    bed = make.bed(unit=make.unit(facility=booking.facility))
    from custody.housing.assignment import assign_bed

    assign_bed(actor=make.actor("officer"), booking_id=booking.id, bed_id=bed.id)
    returned = (PropertyReturnIn(line_no=1, outcome="returned"),)
    release.release_booking(
        actor=make.actor("officer"),
        booking_id=booking.id,
        release=ReleaseIn(reason="bond", property=returned),
    )
    assert booking.status == "released" and booking.assignment is None
    assert booking.assignments[0].end_reason == "released"
    assert all(item.returned_at for item in booking.property_items)
    assert last_event("custody:booking:release").subject_id == str(booking.id)
    with pytest.raises(Conflict):
        release.release_booking(
            actor=make.actor("officer"),
            booking_id=booking.id,
            release=ReleaseIn(reason="court_order"),
        )


# --- classification ------------------------------------------------------------------


@pytest.mark.parametrize(("level", "score"), [(1, 0), (2, 4), (3, 8)])
def test_worksheet_scores_levels(level, score):
    got_score, got_level, errors = classification.score_worksheet(WORKSHEET_ANSWERS[level])
    assert (got_score, got_level, errors) == (score, level, {})


def test_worksheet_needs_every_answer_and_only_its_questions():
    _, _, errors = classification.score_worksheet({**NONE, "escape_history": "maybe", "x": "1"})
    assert set(errors) == {"escape_history", "x"}
    _, _, errors = classification.score_worksheet({})
    assert len(errors) == len(classification.WORKSHEET)


def test_classification_records_inputs_closes_its_clock_and_sets_reclassification(app, make):
    booking = make.booking(booked_at=ARRIVAL)
    record = classification.classify(
        actor=make.actor("officer"),
        booking_id=booking.id,
        worksheet=WorksheetIn(inputs=WORKSHEET_ANSWERS[2]),
    )
    assert (record.level, record.scored_level, record.score) == (2, 2, 4)
    assert record.worksheet_version == classification.WORKSHEET_VERSION
    assert record.inputs == WORKSHEET_ANSWERS[2]
    assert record.reclassify_due_at - record.classified_at == dt.timedelta(days=90)
    states = {c.rule: c.met_at for c in booking.clocks}
    assert states["classification"] is not None
    open_reclass = [c for c in booking.clocks if c.rule == "reclassification" and not c.met_at]
    assert len(open_reclass) == 1
    assert last_event("custody:classification:create").subject_id == str(booking.id)


def test_override_needs_a_supervisor_and_a_reason_and_history_is_kept(app, make):
    booking = make.booking()
    officer, supervisor = make.actor("officer"), make.actor("supervisor")
    classification.classify(
        actor=officer, booking_id=booking.id, worksheet=WorksheetIn(inputs=WORKSHEET_ANSWERS[2])
    )
    with pytest.raises(ValidationFailed) as err:
        classification.classify(
            actor=supervisor,
            booking_id=booking.id,
            worksheet=WorksheetIn(inputs=WORKSHEET_ANSWERS[2], level=1),
        )
    assert "override_reason" in err.value.errors
    with pytest.raises(Forbidden):
        classification.classify(
            actor=officer,
            booking_id=booking.id,
            worksheet=WorksheetIn(inputs=WORKSHEET_ANSWERS[2], level=1, override_reason="Stable"),
        )
    record = classification.classify(
        actor=supervisor,
        booking_id=booking.id,
        worksheet=WorksheetIn(
            inputs=WORKSHEET_ANSWERS[2],
            level=1,
            override_reason="Conviction 20 years old; no incidents since.",
        ),
    )
    assert record.is_override and record.approved_by_id == supervisor.user_id
    history = booking.classifications
    assert [(c.level, c.superseded_at is None) for c in history] == [(2, False), (1, True)]
    assert booking.classification.id == record.id
    event = last_event("custody:classification:override")
    assert "override_reason" in event.changed_fields
    reclass = [c for c in booking.clocks if c.rule == "reclassification"]
    assert [c.met_at is None for c in reclass] == [False, True]


def test_screening_closes_its_clock(app, make):
    booking = make.booking()
    classification.record_screening(
        actor=make.actor("officer"),
        booking_id=booking.id,
        victimization_risk=True,
        abusiveness_risk=False,
    )
    clock = next(c for c in booking.clocks if c.rule == "sexual-abuse-screening")
    assert clock.met_at is not None
    assert last_event("custody:screening:create").subject_id == str(booking.id)


# --- clock states --------------------------------------------------------------------


def _clock(started: dt.datetime, due: dt.datetime, met: dt.datetime | None = None):
    return ComplianceClock(rule="x", started_at=started, due_at=due, met_at=met)


@pytest.mark.parametrize(
    ("now_hours", "met_hours", "expected"),
    [
        (1, None, "due"),
        (9.5, None, "due_soon"),
        (12.5, None, "overdue"),
        (13, 11, "met"),
        (13, 12, "met"),
        (13, 12.1, "met_late"),
    ],
)
def test_clock_states(now_hours, met_hours, expected):
    hours = dt.timedelta(hours=1)
    met = None if met_hours is None else ARRIVAL + met_hours * hours
    clock = _clock(ARRIVAL, ARRIVAL + 12 * hours, met)
    assert clocks.state(clock, now=ARRIVAL + now_hours * hours) == expected
