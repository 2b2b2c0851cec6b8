"""Restrictive housing: placement, checks, reviews, notifications, release; the clocks
they open and close, gaps between checks, who may do what, and the JSON API."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from core.actor import Actor
from core.db import db
from core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from custody.restrictive import services as svc
from custody.restrictive.models import RestrictivePlacement
from custody.rules import clocks
from custody.rules.models import ComplianceClock
from tests.helpers import events, last_event

T0 = dt.datetime(2026, 3, 2, 8, 0, tzinfo=dt.UTC)  # fixed: a Monday morning
MIN, HOUR, DAY = dt.timedelta(minutes=1), dt.timedelta(hours=1), dt.timedelta(days=1)


@pytest.fixture
def supervisor(make):
    return make.actor("supervisor")


@pytest.fixture
def officer(make):
    return make.actor("officer")


@pytest.fixture
def booking(make):
    return make.booking(booked_at=T0 - DAY)


def place(actor, booking, **kwargs):
    data = {"kind": "administrative", "reason": "Protective custody requested", "placed_at": T0}
    return svc.place_in_restrictive_housing(
        actor=actor, booking_id=booking.id, **{**data, **kwargs}
    )


def series(placement, rule):
    return db.session.scalars(
        sa.select(ComplianceClock)
        .where(
            ComplianceClock.subject_type == "placement",
            ComplianceClock.subject_id == str(placement.id),
            ComplianceClock.rule == rule,
        )
        .order_by(ComplianceClock.due_at)
    ).all()


def open_clock(placement, rule):
    found = [c for c in series(placement, rule) if c.met_at is None and c.stopped_at is None]
    assert len(found) <= 1
    return found[0] if found else None


# --- placement -----------------------------------------------------------------------


def test_place_opens_three_clocks_and_is_audited(supervisor, booking):
    placement = place(supervisor, booking)
    assert placement.placed_by_id == supervisor.user_id
    assert placement.kind == "administrative" and placement.released_at is None
    assert open_clock(placement, svc.CHECK_RULE).due_at == T0 + 30 * MIN
    assert open_clock(placement, svc.REVIEW_RULE).due_at == T0 + 72 * HOUR
    assert open_clock(placement, svc.NOTIFY_RULE).due_at == T0 + 14 * DAY
    event = last_event("custody:restrictive:place")
    assert event.subject_type == "placement" and event.subject_id == str(placement.id)
    assert event.actor_id == supervisor.user_id and "kind" in event.changed_fields


def test_second_placement_is_409(supervisor, booking):
    first = place(supervisor, booking)
    with pytest.raises(Conflict) as err:
        place(supervisor, booking)
    assert str(first.id) in err.value.message
    assert len(events("custody:restrictive:place")) == 1


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"kind": "punitive"}, "kind"),
        ({"reason": "  "}, "reason"),
        ({"placed_at": dt.datetime(2026, 3, 2, 8, 0)}, "placed_at"),  # naive
        ({"placed_at": T0 - 3 * DAY}, "placed_at"),  # before arrival
        ({"placed_at": dt.datetime.now(dt.UTC) + DAY}, "placed_at"),
    ],
)
def test_placement_input_is_422_naming_the_field(supervisor, booking, changes, field):
    with pytest.raises(ValidationFailed) as err:
        place(supervisor, booking, **changes)
    assert field in err.value.errors


def test_place_with_a_restrictive_bed_assigns_it_in_the_same_unit(make, supervisor):
    facility = make.facility()
    rhu = make.unit(facility=facility, kind="restrictive", allows_level_3=True)
    bed = make.bed(unit=rhu)
    booking = make.classified(make.booking(facility=facility, booked_at=T0 - DAY), level=2)
    placement = place(supervisor, booking, bed_id=bed.id)
    db.session.refresh(booking)
    assert booking.assignment.bed_id == bed.id
    assert last_event("custody:housing:assign").subject_id == str(booking.id)
    assert "bed_id" in last_event("custody:restrictive:place").changed_fields
    assert placement.id


def test_place_with_a_general_bed_is_422(make, supervisor):
    facility = make.facility()
    bed = make.bed(unit=make.unit(facility=facility))
    booking = make.booking(facility=facility, booked_at=T0 - DAY)
    with pytest.raises(ValidationFailed) as err:
        place(supervisor, booking, bed_id=bed.id)
    assert "bed_id" in err.value.errors


def test_refused_bed_undoes_the_placement(make, supervisor):
    facility = make.facility()
    rhu = make.unit(facility=facility, kind="restrictive")
    bed = make.bed(unit=rhu, is_in_service=False)
    booking = make.booking(facility=facility, booked_at=T0 - DAY)
    with pytest.raises(Conflict) as err:
        place(supervisor, booking, bed_id=bed.id)
    assert err.value.details["field"] == "bed_id"
    assert (
        db.session.scalar(
            sa.select(sa.func.count())
            .select_from(RestrictivePlacement)
            .where(RestrictivePlacement.booking_id == booking.id)
        )
        == 0
    )
    assert not events("custody:restrictive:place")


# --- checks and gaps -----------------------------------------------------------------


def test_check_closes_the_clock_and_opens_the_next_from_it(supervisor, officer, booking):
    placement = place(supervisor, booking)
    check = svc.record_check(actor=officer, placement_id=placement.id, checked_at=T0 + 20 * MIN)
    assert check.officer_id == officer.user_id and check.observation == "observed"
    met = series(placement, svc.CHECK_RULE)[0]
    assert met.met_at == T0 + 20 * MIN and met.met_by == f"check:{check.id}"
    assert clocks.state(met) == clocks.ClockState.MET
    assert open_clock(placement, svc.CHECK_RULE).due_at == T0 + 50 * MIN
    late = svc.record_check(actor=officer, placement_id=placement.id, checked_at=T0 + 85 * MIN)
    assert clocks.state(series(placement, svc.CHECK_RULE)[1]) == clocks.ClockState.MET_LATE
    assert open_clock(placement, svc.CHECK_RULE).due_at == T0 + 115 * MIN
    event = last_event("custody:restrictive:check")
    assert event.actor_id == officer.user_id and event.subject_id == str(placement.id)
    assert late.id != check.id


def test_check_input_errors(supervisor, officer, booking):
    placement = place(supervisor, booking)
    with pytest.raises(ValidationFailed) as err:
        svc.record_check(actor=officer, placement_id=placement.id, observation="feeling sad")
    assert "observation" in err.value.errors
    with pytest.raises(ValidationFailed) as err:
        svc.record_check(actor=officer, placement_id=placement.id, checked_at=T0 - MIN)
    assert "checked_at" in err.value.errors
    svc.record_check(actor=officer, placement_id=placement.id, checked_at=T0 + 20 * MIN)
    with pytest.raises(ValidationFailed) as err:
        svc.record_check(actor=officer, placement_id=placement.id, checked_at=T0 + 10 * MIN)
    assert "checked_at" in err.value.errors


def test_gap_of_31_minutes_is_flagged_30_is_not(supervisor, officer, booking):
    placement = place(supervisor, booking)
    for minutes in (30, 61, 80):  # 30 after placement, then 31, then 19
        svc.record_check(actor=officer, placement_id=placement.id, checked_at=T0 + minutes * MIN)
    db.session.refresh(placement)
    gaps = svc.check_gaps(placement, now=T0 + 100 * MIN)  # 20 since the last: fine
    assert [(g.start, g.minutes, g.kind) for g in gaps] == [(T0 + 30 * MIN, 31, "between")]
    intervals = svc.check_intervals(placement, now=T0 + 100 * MIN)
    assert [(i.minutes, i.flagged) for i in intervals] == [
        (30, False),
        (31, True),
        (19, False),
        (20, False),
    ]
    late = svc.check_gaps(placement, now=T0 + 111 * MIN)
    assert late[-1].kind == "since_last" and late[-1].is_open and late[-1].minutes == 31


def test_gap_from_placement_to_first_check_and_to_release(supervisor, officer, booking):
    placement = place(supervisor, booking)
    assert [g.kind for g in svc.check_gaps(placement, now=T0 + 31 * MIN)] == ["since_last"]
    assert svc.check_gaps(placement, now=T0 + 30 * MIN) == []
    svc.record_check(actor=officer, placement_id=placement.id, checked_at=T0 + 40 * MIN)
    svc.release_from_restrictive_housing(
        actor=supervisor,
        placement_id=placement.id,
        note="Review found no need",
        released_at=T0 + 80 * MIN,
    )
    db.session.refresh(placement)
    gaps = svc.check_gaps(placement, now=T0 + 10 * DAY)  # release ends the counting
    assert [(g.kind, g.minutes, g.is_open) for g in gaps] == [
        ("first", 40, False),
        ("since_last", 40, False),
    ]


# --- reviews -------------------------------------------------------------------------


def test_review_at_72_hours_then_every_7_days_after_the_previous(supervisor, booking):
    placement = place(supervisor, booking)
    first = svc.record_review(
        actor=supervisor,
        placement_id=placement.id,
        decision="continue",
        note="Threat assessment still pending",
        reviewed_at=T0 + 70 * HOUR,
    )
    assert first.reviewer_id == supervisor.user_id
    assert open_clock(placement, svc.REVIEW_RULE).due_at == T0 + 70 * HOUR + 7 * DAY
    svc.record_review(
        actor=supervisor,
        placement_id=placement.id,
        decision="continue",
        note="Continues",
        reviewed_at=T0 + 70 * HOUR + 8 * DAY,  # a day late
    )
    reviews = series(placement, svc.REVIEW_RULE)
    assert [clocks.state(c) for c in reviews[:2]] == [
        clocks.ClockState.MET,
        clocks.ClockState.MET_LATE,
    ]
    assert open_clock(placement, svc.REVIEW_RULE).due_at == T0 + 70 * HOUR + 15 * DAY
    event = last_event("custody:restrictive:review")
    assert event.actor_id == supervisor.user_id and "decision" in event.changed_fields


def test_review_deciding_release_releases(supervisor, booking):
    placement = place(supervisor, booking)
    svc.record_review(
        actor=supervisor,
        placement_id=placement.id,
        decision="release",
        note="No longer needed",
        reviewed_at=T0 + 48 * HOUR,
    )
    db.session.refresh(placement)
    assert placement.released_at == T0 + 48 * HOUR
    assert placement.released_by_id == supervisor.user_id
    assert all(c.met_at is not None for c in svc.placement_clocks(placement))
    assert last_event("custody:restrictive:review").subject_id == str(placement.id)
    assert last_event("custody:restrictive:release").subject_id == str(placement.id)


def test_review_input_is_422(supervisor, booking):
    placement = place(supervisor, booking)
    with pytest.raises(ValidationFailed) as err:
        svc.record_review(actor=supervisor, placement_id=placement.id, decision="maybe", note="")
    assert set(err.value.errors) == {"decision", "note"}


# --- notifications -------------------------------------------------------------------


def test_notifications_at_14_30_60_days_from_placement(supervisor, booking):
    placement = place(supervisor, booking)

    def notify(at):
        return svc.record_notification(
            actor=supervisor,
            placement_id=placement.id,
            recipient="Field Office Director, San Antonio",
            method="email",
            notified_at=at,
        )

    notification = notify(T0 + 13 * DAY)
    assert notification.notified_by_id == supervisor.user_id
    assert open_clock(placement, svc.NOTIFY_RULE).due_at == T0 + 30 * DAY
    notify(T0 + 29 * DAY)
    assert open_clock(placement, svc.NOTIFY_RULE).due_at == T0 + 60 * DAY
    notify(T0 + 62 * DAY)  # late: the series still counts from placement
    assert open_clock(placement, svc.NOTIFY_RULE).due_at == T0 + 90 * DAY
    assert [clocks.state(c) for c in series(placement, svc.NOTIFY_RULE)[:3]] == [
        clocks.ClockState.MET,
        clocks.ClockState.MET,
        clocks.ClockState.MET_LATE,
    ]
    event = last_event("custody:restrictive:notify")
    assert event.subject_id == str(placement.id) and "recipient" in event.changed_fields


def test_notification_input_is_422(supervisor, booking):
    placement = place(supervisor, booking)
    with pytest.raises(ValidationFailed) as err:
        svc.record_notification(
            actor=supervisor, placement_id=placement.id, recipient="", method="pigeon"
        )
    assert set(err.value.errors) == {"recipient", "method"}


# --- release -------------------------------------------------------------------------


def test_release_ends_every_series(supervisor, officer, booking):
    placement = place(supervisor, booking)
    svc.record_check(actor=officer, placement_id=placement.id, checked_at=T0 + 10 * MIN)
    released = svc.release_from_restrictive_housing(
        actor=supervisor, placement_id=placement.id, note="Hearing concluded", released_at=T0 + HOUR
    )
    assert released.released_at == T0 + HOUR and released.release_note == "Hearing concluded"
    for rule in svc.RULES:
        assert open_clock(placement, rule) is None
        assert series(placement, rule)[-1].met_by == "released"
    event = last_event("custody:restrictive:release")
    assert event.actor_id == supervisor.user_id and event.subject_id == str(placement.id)
    with pytest.raises(Conflict):
        svc.record_check(actor=officer, placement_id=placement.id)
    with pytest.raises(Conflict):
        svc.release_from_restrictive_housing(actor=supervisor, placement_id=placement.id, note="x")
    again = place(supervisor, booking, placed_at=T0 + 2 * HOUR)  # a new placement is allowed
    assert again.id != placement.id


def test_release_before_the_last_check_is_422(supervisor, officer, booking):
    placement = place(supervisor, booking)
    svc.record_check(actor=officer, placement_id=placement.id, checked_at=T0 + 20 * MIN)
    with pytest.raises(ValidationFailed) as err:
        svc.release_from_restrictive_housing(
            actor=supervisor, placement_id=placement.id, note="x", released_at=T0 + 10 * MIN
        )
    assert "released_at" in err.value.errors


# --- who may ---------------------------------------------------------------------------


def test_officer_cannot_place_review_notify_or_release(make, supervisor, officer, booking):
    with pytest.raises(Forbidden):
        place(officer, booking)
    placement = place(supervisor, booking)
    with pytest.raises(Forbidden):
        svc.record_review(actor=officer, placement_id=placement.id, decision="continue", note="x")
    with pytest.raises(Forbidden):
        svc.record_notification(
            actor=officer, placement_id=placement.id, recipient="FOD", method="email"
        )
    with pytest.raises(Forbidden):
        svc.release_from_restrictive_housing(actor=officer, placement_id=placement.id, note="x")
    denied = events("custody:supervision:approve", outcome="denied")
    assert len(denied) == 4 and {e.actor_id for e in denied} == {officer.user_id}
    assert not events("custody:restrictive:review")


@pytest.mark.parametrize("role", ["clinician", "auditor", "records"])
def test_readers_cannot_write(make, supervisor, booking, role):
    placement = place(supervisor, booking)
    reader = make.actor(role)
    assert svc.get_placement(actor=reader, placement_id=placement.id).id == placement.id
    with pytest.raises(Forbidden):
        svc.record_check(actor=reader, placement_id=placement.id)
    assert last_event("custody:detainee:write", outcome="denied").actor_id == reader.user_id


def test_admin_cannot_read_placements(make, supervisor, booking):
    placement = place(supervisor, booking)
    with pytest.raises(Forbidden):
        svc.get_placement(actor=make.actor("admin"), placement_id=placement.id)


def test_facility_scope(make, supervisor, booking):
    placement = place(supervisor, booking)
    elsewhere = make.facility()
    scoped_officer = make.actor("officer", facility_id=elsewhere.id)
    scoped_supervisor = make.actor("supervisor", facility_id=elsewhere.id)
    with pytest.raises(Forbidden):
        svc.get_placement(actor=scoped_officer, placement_id=placement.id)
    with pytest.raises(Forbidden):
        svc.record_check(actor=scoped_officer, placement_id=placement.id)
    with pytest.raises(Forbidden):
        svc.record_review(
            actor=scoped_supervisor, placement_id=placement.id, decision="continue", note="x"
        )
    with pytest.raises(Forbidden):
        svc.release_from_restrictive_housing(
            actor=scoped_supervisor, placement_id=placement.id, note="x"
        )
    other = make.booking(booked_at=T0 - DAY)
    with pytest.raises(Forbidden):
        place(scoped_supervisor, other)
    with pytest.raises(Forbidden):
        svc.facility_overview(actor=scoped_officer, facility_code=booking.facility.code)
    home = make.actor("officer", facility_id=booking.facility_id)
    svc.record_check(actor=home, placement_id=placement.id)
    assert not events("custody:restrictive:review")


def test_missing_placement_is_404(supervisor):
    with pytest.raises(NotFound):
        svc.record_check(actor=supervisor, placement_id=999_999)


# --- overview --------------------------------------------------------------------------


def test_overview_flags_what_is_overdue(make, supervisor, officer):
    facility = make.facility()
    quiet = make.booking(facility=facility, booked_at=T0 - DAY)
    busy = make.booking(facility=facility, booked_at=T0 - DAY)
    make.booking(facility=facility, booked_at=T0 - DAY)  # not placed: not listed
    fine = place(supervisor, quiet, placed_at=T0 + 20 * DAY)
    late = place(supervisor, busy)
    svc.record_check(actor=officer, placement_id=fine.id, checked_at=T0 + 20 * DAY + 25 * MIN)
    svc.record_check(actor=officer, placement_id=late.id, checked_at=T0 + 10 * MIN)
    svc.record_check(actor=officer, placement_id=late.id, checked_at=T0 + 35 * MIN)
    now = T0 + 20 * DAY + 40 * MIN
    board = svc.facility_overview(actor=officer, facility_code=facility.code, now=now)
    assert [s.placement.id for s in board] == [late.id, fine.id]  # overdue first
    first, second = board
    assert first.overdue == ["check", "review", "notification"]
    assert first.since_last.is_open and first.since_last.start == T0 + 35 * MIN
    assert [g.kind for g in first.gaps] == ["since_last"]
    assert second.overdue == [] and second.gaps == []
    assert second.due_at(svc.CHECK_RULE) == T0 + 20 * DAY + 55 * MIN
    assert second.last_check_at == T0 + 20 * DAY + 25 * MIN


# --- JSON API --------------------------------------------------------------------------


def test_api_place_check_review_notify_release(client, make, booking):
    boss = make.headers("supervisor")
    guard = make.headers("officer")
    url = f"/api/v1/bookings/{booking.id}/restrictive-housing"
    body = {"kind": "disciplinary", "reason": "Sanction after hearing", "placed_at": T0.isoformat()}
    response = client.post(url, json=body, headers=boss)
    assert response.status_code == 201, response.json
    placement = response.json
    assert placement["kind"] == "disciplinary" and isinstance(placement["id"], str)
    assert placement["person"]["a_number"] == booking.detainee.a_number
    assert {c["rule"] for c in placement["clocks"]} == set(svc.RULES)
    assert client.post(url, json=body, headers=boss).status_code == 409
    assert client.post(url, json=body, headers=guard).status_code == 403

    base = f"/api/v1/restrictive-housing/{placement['id']}"
    one = client.get(base, headers=guard)
    assert one.status_code == 200 and one.json["gaps"]  # far more than 30 min since T0
    earlier = (dt.datetime.now(dt.UTC) - dt.timedelta(minutes=5)).isoformat()
    late = client.post(
        base + "/checks", json={"observation": "refused", "checked_at": earlier}, headers=guard
    )
    assert late.status_code == 201 and late.json["observation"] == "refused"
    assert late.json["recorded_at"] > late.json["checked_at"]  # a late entry shows as one
    check = client.post(base + "/checks", json={}, headers=guard)
    assert check.status_code == 201 and check.json["observation"] == "observed"
    review = {"decision": "continue", "note": "Still needed", "reviewed_at": T0.isoformat()}
    assert client.post(base + "/reviews", json=review, headers=guard).status_code == 403
    assert client.post(base + "/reviews", json=review, headers=boss).status_code == 201
    notify = {"recipient": "FOD San Antonio", "method": "phone"}
    assert client.post(base + "/notifications", json=notify, headers=boss).status_code == 201
    bad = client.post(
        base + "/notifications", json={"recipient": "x", "method": "pigeon"}, headers=boss
    )
    assert bad.status_code == 422 and "method" in bad.json["errors"]
    released = client.post(base + "/release", json={"note": "Sanction served"}, headers=boss)
    assert released.status_code == 200 and released.json["is_open"] is False
    assert client.post(base + "/checks", json={}, headers=guard).status_code == 409
    assert last_event("custody:restrictive:release").subject_id == placement["id"]


def test_api_errors(client, make, booking):
    boss = make.headers("supervisor")
    url = f"/api/v1/bookings/{booking.id}/restrictive-housing"
    missing = client.post(url, json={"kind": "administrative"}, headers=boss)
    assert missing.status_code == 422 and "reason" in missing.json["errors"]
    naive = client.post(
        url,
        json={"kind": "administrative", "reason": "x", "placed_at": "2026-03-02T08:00:00"},
        headers=boss,
    )
    assert naive.status_code == 422 and "placed_at" in naive.json["errors"]
    wrong = client.post(url, json={"kind": "other", "reason": "x"}, headers=boss)
    assert wrong.status_code == 422 and "kind" in wrong.json["errors"]
    assert (
        client.post(
            "/api/v1/bookings/999999/restrictive-housing",
            json={"kind": "administrative", "reason": "x"},
            headers=boss,
        ).status_code
        == 404
    )
    assert client.get("/api/v1/restrictive-housing/999999", headers=boss).status_code == 404
    assert (
        client.post("/api/v1/restrictive-housing/999999/checks", json={}, headers=boss).status_code
        == 404
    )
    assert (
        client.get("/api/v1/restrictive-housing/1", headers=make.headers("admin")).status_code
        == 403
    )
    assert (
        client.post(
            "/api/v1/restrictive-housing/1/checks", json={}, headers=make.headers("clinician")
        ).status_code
        == 403
    )


def test_api_overview(client, make, supervisor, booking):
    placement = place(supervisor, booking)
    url = f"/api/v1/facilities/{booking.facility.code}/restrictive-housing"
    response = client.get(url, headers=make.headers("officer"))
    assert response.status_code == 200
    (item,) = response.json["items"]
    assert item["placement_id"] == str(placement.id)
    assert item["overdue"][:2] == ["check", "review"]  # placed weeks before now
    assert item["gaps"][-1]["kind"] == "since_last"
    assert client.get(url, headers=make.headers("admin")).status_code == 403
    scoped = make.headers("officer", facility_id=make.facility().id)
    assert client.get(url, headers=scoped).status_code == 403
    assert (
        client.get(
            "/api/v1/facilities/NOPE/restrictive-housing", headers=make.headers("officer")
        ).status_code
        == 404
    )


def test_system_actor_can_do_everything(booking):
    system = Actor.system("test")
    placement = place(system, booking)
    svc.record_check(actor=system, placement_id=placement.id)
    assert last_event("custody:restrictive:check").actor == "test"


def test_release_from_custody_ends_the_placement_and_its_series(supervisor, officer, booking):
    from custody.releases.inputs import ReleaseIn
    from custody.releases.services import release_booking

    placement = place(supervisor, booking)
    release_booking(actor=officer, booking_id=booking.id, release=ReleaseIn(reason="removal"))
    assert placement.released_at is not None
    for rule in svc.RULES:
        assert open_clock(placement, rule) is None
        # what was still running stops with the release: neither met nor overdue
        last = series(placement, rule)[-1]
        assert last.met_at is None and last.stopped_at == placement.released_at
        assert clocks.state(last) == clocks.ClockState.STOPPED
    assert last_event("custody:restrictive:release").subject_id == str(placement.id)
