"""The legal-access log's services: each kind's validation, reasons, presentations and
their attendance, consular notification tasks at booking and their completion, the
country list's audited edits, facility scope."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from core.db import db
from core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from custody.legal import consular, reports, services
from custody.legal.inputs import EntryIn, PresentationIn
from custody.legal.models import ConsularTask, LegalAccessEntry, LegalPresentation
from custody.releases.inputs import ReleaseIn
from custody.releases.services import release_booking
from tests.helpers import events, last_event

T0 = dt.datetime(2026, 11, 2, 15, 0, tzinfo=dt.UTC)  # a Monday, 09:00 in Chicago
HOUR, MIN = dt.timedelta(hours=1), dt.timedelta(minutes=1)


@pytest.fixture
def officer(make):
    return make.actor("officer")


@pytest.fixture
def booking(make):
    return make.booking(booked_at=T0 - dt.timedelta(days=3))


def entry(**values):
    data = {"kind": "law_library", "started_at": T0, "ended_at": T0 + HOUR}
    return EntryIn(**{**data, **values})


def record(actor, booking, **values):
    return services.record_entry(actor=actor, booking_id=booking.id, entry=entry(**values))


def refused(actor, booking, **values) -> dict[str, list[str]]:
    before = db.session.scalar(sa.select(sa.func.count()).select_from(LegalAccessEntry))
    with pytest.raises(ValidationFailed) as caught:
        record(actor, booking, **values)
    after = db.session.scalar(sa.select(sa.func.count()).select_from(LegalAccessEntry))
    assert after == before  # nothing half-written
    return caught.value.errors


# --- entries ---------------------------------------------------------------------------


def test_law_library_session_is_logged_and_audited(officer, booking):
    created = record(officer, booking)
    assert (created.kind, created.minutes, created.outcome) == ("law_library", 60, "completed")
    assert created.facility_id == booking.facility_id
    assert created.recorded_by_id == officer.user_id and created.reason is None
    event = last_event("custody:legal_access:create")
    assert (event.subject_type, event.subject_id) == ("legal_access_entry", str(created.id))
    assert event.actor_id == officer.user_id and event.facility_id == booking.facility_id
    assert {"kind", "booking_id", "started_at", "minutes"} <= set(event.changed_fields)


def test_minutes_give_the_end_and_must_agree_with_it(officer, booking):
    created = record(officer, booking, ended_at=None, minutes=45)
    assert created.ended_at == T0 + 45 * MIN and created.minutes == 45
    assert "minutes" in refused(officer, booking, minutes=20)  # the end says 60


def test_times_ended_before_started_and_future_are_refused(officer, booking):
    assert refused(officer, booking, ended_at=T0 - MIN)["ended_at"] == [
        "The end is before the start."
    ]
    future = dt.datetime.now(dt.UTC) + HOUR
    assert "started_at" in refused(officer, booking, started_at=future, ended_at=None, minutes=5)
    assert "ended_at" in refused(officer, booking, ended_at=future)
    assert "started_at" in refused(officer, booking, started_at=booking.booked_at - HOUR)
    naive = refused(officer, booking, started_at=dt.datetime(2026, 11, 2, 9))
    assert "started_at" in naive


def test_a_completed_session_needs_its_length_a_denial_does_not(officer, booking):
    assert refused(officer, booking, ended_at=None)["ended_at"] == [
        "Give the end time or the minutes."
    ]
    denied = record(officer, booking, ended_at=None, outcome="denied", reason="Library closed")
    assert denied.minutes is None and denied.denial_reason == "other"


def test_anything_but_completed_needs_a_reason(officer, booking):
    for outcome in ("denied", "cut_short"):
        errors = refused(officer, booking, outcome=outcome)
        assert errors["reason"] == ["Give the reason: anything but a completed session needs one."]
    cut = record(officer, booking, outcome="cut_short", reason="Count time")
    assert cut.reason == "Count time" and cut.denial_reason is None


def test_denials_use_the_controlled_reason_list(officer, booking):
    denied = record(
        officer, booking, outcome="denied", denial_reason="lockdown", reason="Unit lockdown"
    )
    assert denied.denial_reason == "lockdown"
    assert "denial_reason" in refused(
        officer, booking, outcome="denied", denial_reason="weather", reason="x"
    )
    only = refused(officer, booking, denial_reason="lockdown")
    assert only["denial_reason"] == ["Only for a denied entry."]


def test_unknown_kind_and_outcome_are_refused(officer, booking):
    errors = refused(officer, booking, kind="chat", outcome="maybe")
    assert set(errors) >= {"kind", "outcome"}


def test_attorney_visit_needs_counsel(officer, booking):
    assert "counsel_name" in refused(officer, booking, kind="attorney_visit")
    visit = record(officer, booking, kind="attorney_visit", counsel_name="R. Example, Esq.")
    assert visit.counsel_name == "R. Example, Esq." and visit.minutes == 60


def test_legal_call_says_whether_it_was_on_the_pro_bono_platform(officer, booking):
    assert refused(officer, booking, kind="legal_call")["is_pro_bono"]
    call = record(officer, booking, kind="legal_call", is_pro_bono=True, ended_at=None, minutes=20)
    assert call.is_pro_bono is True and call.minutes == 20
    assert "is_pro_bono" in refused(officer, booking, kind="legal_call", is_pro_bono="yes")


def test_legal_mail_opened_outside_presence_needs_a_reason(officer, booking):
    mail = dict(kind="legal_mail", ended_at=None)
    assert "opened_in_presence" in refused(officer, booking, **mail)
    errors = refused(officer, booking, **mail, opened_in_presence=False)
    assert errors["reason"] == [
        "Give the reason the mail was opened outside the person's presence."
    ]
    opened = record(officer, booking, **mail, opened_in_presence=False, reason="Person in court")
    assert opened.opened_in_presence is False and opened.minutes is None
    assert record(officer, booking, **mail, opened_in_presence=True).reason is None


def test_consular_contact_names_a_real_country_and_its_type(officer, booking):
    contact = dict(kind="consular_contact", ended_at=None)
    errors = refused(officer, booking, **contact, country="XX")
    assert errors["country"] == ["Choose a country from the list."] and "consular_type" in errors
    made = record(
        officer, booking, **contact, country="gt", consular_type="call", consulate="Houston"
    )
    assert (made.country, made.consulate, made.consular_type) == ("GT", "Houston", "call")


def test_a_kinds_fields_are_refused_on_another_kind(officer, booking):
    errors = refused(officer, booking, is_pro_bono=True, country="MX", opened_in_presence=True)
    assert set(errors) >= {"is_pro_bono", "country", "opened_in_presence"}


def test_every_problem_is_named_at_once(officer, booking):
    errors = refused(officer, booking, kind="attorney_visit", ended_at=T0 - MIN, outcome="denied")
    assert set(errors) >= {"ended_at", "counsel_name", "reason"}


def test_no_content_field_exists():
    columns = set(LegalAccessEntry.__table__.columns.keys())
    assert not columns & {"notes", "note", "content", "summary", "body", "text"}


def test_scope_permission_and_released_bookings(make, booking):
    elsewhere = make.facility()
    scoped = make.actor("officer", facility_id=elsewhere.id)
    with pytest.raises(Forbidden):
        record(scoped, booking)
    with pytest.raises(Forbidden):
        record(make.actor("auditor"), booking)
    with pytest.raises(Forbidden):
        record(make.actor("clinician"), booking)
    with pytest.raises(NotFound):
        services.record_entry(actor=make.actor("officer"), booking_id=999999, entry=entry())
    assert record(make.actor("supervisor"), booking).id
    release_booking(
        actor=make.actor("officer"), booking_id=booking.id, release=ReleaseIn(reason="bond")
    )
    with pytest.raises(Conflict):
        record(make.actor("officer"), booking)


# --- group presentations ---------------------------------------------------------------


def test_presentation_logs_every_attendee_once(make, officer):
    facility = make.facility()
    people = [
        make.booking(facility=facility, booked_at=T0 - dt.timedelta(days=2)) for _ in range(3)
    ]
    event = services.record_presentation(
        actor=officer,
        facility_code=facility.code,
        presentation=PresentationIn(
            started_at=T0,
            minutes=90,
            counsel_name="Legal Aid Example",
            attendees=(people[0].id, str(people[1].id), people[0].id),
        ),
    )
    assert sorted(e.booking_id for e in event.attendees) == sorted([people[0].id, people[1].id])
    assert all(e.kind == "legal_rights_presentation" and e.minutes == 90 for e in event.attendees)
    log = reports.booking_log(
        actor=officer, booking_id=people[1].id, first=T0.date(), last=T0.date()
    )
    [shown] = log.entries
    assert shown.presentation_id == event.id and len(shown.presentation.attendees) == 2
    assert (
        reports.booking_log(
            actor=officer, booking_id=people[2].id, first=T0.date(), last=T0.date()
        ).entries
        == []
    )
    audited = last_event("custody:legal_presentation:create")
    assert audited.subject_id == str(event.id) and "attendees" in audited.changed_fields


def test_presentation_refuses_people_held_elsewhere_and_an_empty_list(make, officer):
    facility = make.facility()
    here = make.booking(facility=facility, booked_at=T0 - dt.timedelta(days=2))
    there = make.booking(booked_at=T0 - dt.timedelta(days=2))
    data = dict(started_at=T0, minutes=60)
    with pytest.raises(ValidationFailed) as caught:
        services.record_presentation(
            actor=officer,
            facility_code=facility.code,
            presentation=PresentationIn(attendees=(here.id, there.id), **data),
        )
    assert caught.value.errors["attendees"] == [
        f"Booking {there.id} is not held at {facility.code}."
    ]
    with pytest.raises(ValidationFailed) as caught:
        services.record_presentation(
            actor=officer,
            facility_code=facility.code,
            presentation=PresentationIn(attendees=(), **data),
        )
    assert "attendees" in caught.value.errors
    assert db.session.scalar(sa.select(sa.func.count()).select_from(LegalPresentation)) == 0


def test_presentation_logged_for_one_booking_is_a_presentation_of_one(officer, booking):
    made = record(officer, booking, kind="legal_rights_presentation", counsel_name="Clinic")
    assert made.presentation_id is not None
    assert db.session.get(LegalPresentation, made.presentation_id).counsel_name == "Clinic"
    errors = refused(officer, booking, kind="legal_rights_presentation", is_pro_bono=True)
    assert "is_pro_bono" in errors


# --- consular notification -------------------------------------------------------------


def _national(make, country, **booking):
    person = make.detainee(country_of_citizenship=country)
    return make.booking(detainee=person, **booking)


def test_a_national_of_a_listed_country_gets_a_task_at_booking(make):
    arrival = T0 - dt.timedelta(days=1)
    booked = _national(make, "GB", booked_at=arrival)
    [task] = booked.consular_tasks
    assert (task.country, task.due_at, task.done_at) == ("GB", arrival + 72 * HOUR, None)
    assert task.facility_id == booked.facility_id
    audited = last_event("custody:consular_task:create")
    assert audited.subject_id == str(task.id) and audited.facility_id == booked.facility_id
    assert _national(make, "MX").consular_tasks == []  # Mexico is not on the list
    assert make.booking().consular_tasks == []  # no citizenship recorded


def test_a_consular_notification_entry_completes_the_task(make, officer):
    booked = _national(make, "NG", booked_at=T0 - dt.timedelta(days=1))
    contact = dict(kind="consular_contact", ended_at=None, consular_type="notification")
    record(officer, booked, **contact, country="GH")  # another country: still open
    record(officer, booked, **contact, country="NG", outcome="denied", reason="Fax down")
    [task] = db.session.scalars(sa.select(ConsularTask).where(ConsularTask.booking_id == booked.id))
    assert task.done_at is None and consular.is_overdue(task)
    made = record(officer, booked, **contact, country="NG", started_at=T0 + HOUR)
    db.session.refresh(task)
    assert (task.done_at, task.done_by_id, task.entry_id) == (T0 + HOUR, officer.user_id, made.id)
    assert not consular.is_overdue(task)
    assert last_event("custody:consular_task:complete").subject_id == str(task.id)


def test_admin_edits_the_list_audited_and_nobody_else_may(make):
    admin = make.actor("admin")
    with pytest.raises(Forbidden):
        consular.add_country(actor=make.actor("supervisor"), country="MX")
    added = consular.add_country(actor=admin, country="mx", note="Bilateral practice")
    assert added.country == "MX"
    assert last_event("custody:consular_country:create").subject_id == "MX"
    with pytest.raises(Conflict):
        consular.add_country(actor=admin, country="MX")
    with pytest.raises(ValidationFailed):
        consular.add_country(actor=admin, country="ZZ")
    assert _national(make, "MX").consular_tasks[0].country == "MX"
    consular.remove_country(actor=admin, country="MX")
    assert last_event("custody:consular_country:delete").subject_id == "MX"
    assert _national(make, "MX").consular_tasks == []
    with pytest.raises(NotFound):
        consular.remove_country(actor=admin, country="MX")
    assert len(events("custody:consular_country:create")) == 1


def test_the_seeded_list_is_the_state_departments(app):
    listed = {row.country for row in consular.listed_countries()}
    assert {"GB", "CN", "RU", "NG", "PH", "JM", "PL"} <= listed
    assert not listed & {"MX", "GT", "HN", "SV", "US"}
    assert len(listed) >= 56


def test_the_facility_lists_open_tasks_of_people_still_held(make):
    booked = _national(make, "JM", booked_at=T0)
    other = _national(make, "RU", facility=booked.facility, booked_at=T0)
    assert [t.booking_id for t in consular.open_tasks(booked.facility)] == [booked.id, other.id]
    release_booking(
        actor=make.actor("officer"), booking_id=other.id, release=ReleaseIn(reason="bond")
    )
    assert [t.booking_id for t in consular.open_tasks(booked.facility)] == [booked.id]
