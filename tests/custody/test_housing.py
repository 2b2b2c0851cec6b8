"""Housing rules (each refusal names its rule), overrides, bed history, board, census."""

from __future__ import annotations

import pytest

from core.errors import Conflict, Forbidden
from custody.bookings import services as bookings_lookups
from custody.housing import assignment as housing
from custody.housing import board as housing_board_svc
from custody.people import services as identity
from custody.people.inputs import PersonPatch
from tests.helpers import last_event


@pytest.fixture
def place(make):
    """A classified, screened Level 2 man at a facility with a general unit for L1–2."""
    facility = make.facility()
    unit = make.unit(facility=facility, allows_level_1=True, allows_level_2=True)
    booking = make.classified(make.booking(facility=facility), level=2)
    return {"facility": facility, "unit": unit, "booking": booking}


def refused(make, booking, bed, rule, override=None, role="officer"):
    with pytest.raises(Conflict) as err:
        housing.assign_bed(
            actor=make.actor(role), booking_id=booking.id, bed_id=bed.id, override_reason=override
        )
    rules = {r["rule"] for r in err.value.details["rules"]}
    assert rule in rules, rules
    return err.value


def test_assignment_houses_the_person_and_audits(app, make, place):
    bed = make.bed(unit=place["unit"])
    assignment = housing.assign_bed(
        actor=make.actor("officer"), booking_id=place["booking"].id, bed_id=bed.id
    )
    assert assignment.ended_at is None and place["booking"].status == "housed"
    event = last_event("custody:housing:assign")
    assert event.subject_id == str(place["booking"].id) and event.changed_fields == ["bed_id"]


def test_moving_ends_the_old_assignment_and_keeps_history(app, make, place):
    first, second = make.bed(unit=place["unit"]), make.bed(unit=place["unit"])
    officer = make.actor("officer")
    housing.assign_bed(actor=officer, booking_id=place["booking"].id, bed_id=first.id)
    housing.assign_bed(actor=officer, booking_id=place["booking"].id, bed_id=second.id)
    history = bookings_lookups.bed_history(actor=officer, booking_id=place["booking"].id)
    assert [(a.bed_id, a.end_reason) for a in history] == [(second.id, None), (first.id, "moved")]
    with pytest.raises(Conflict):
        housing.assign_bed(actor=officer, booking_id=place["booking"].id, bed_id=second.id)


def test_bed_taken_is_hard(app, make, place):
    bed = make.bed(unit=place["unit"])
    other = make.classified(make.booking(facility=place["facility"]), level=2)
    housing.assign_bed(actor=make.actor("officer"), booking_id=other.id, bed_id=bed.id)
    err = refused(make, place["booking"], bed, "bed_taken", override="urgent", role="supervisor")
    assert not any(rule["overridable"] for rule in err.details["rules"])
    assert "may override" not in err.message


def test_out_of_service_and_other_facility_are_hard(app, make, place):
    broken = make.bed(unit=place["unit"], is_in_service=False)
    refused(make, place["booking"], broken, "bed_out_of_service", "x", role="supervisor")
    elsewhere = make.bed(unit=make.unit())
    refused(make, place["booking"], elsewhere, "other_facility", "x", role="supervisor")


def test_never_level_1_with_level_3_even_with_an_override(app, make):
    facility = make.facility()
    unit = make.unit(
        facility=facility, allows_level_1=True, allows_level_2=True, allows_level_3=True
    )
    high = make.classified(make.booking(facility=facility), level=3)
    housing.assign_bed(
        actor=make.actor("officer"), booking_id=high.id, bed_id=make.bed(unit=unit).id
    )
    low = make.classified(make.booking(facility=facility), level=1)
    err = refused(make, low, make.bed(unit=unit), "level_1_with_level_3", "x", role="supervisor")
    assert err.details["rule"] == "level_1_with_level_3"
    # A Level 2 may join either.
    mid = make.classified(make.booking(facility=facility), level=2)
    housing.assign_bed(
        actor=make.actor("officer"), booking_id=mid.id, bed_id=make.bed(unit=unit).id
    )


def test_unclassified_or_unscreened_people_stay_out_of_general_population(app, make, place):
    bed = make.bed(unit=place["unit"])
    unclassified = make.booking(facility=place["facility"])
    refused(make, unclassified, bed, "not_classified")
    unscreened = make.classified(make.booking(facility=place["facility"]), screened=False)
    refused(make, unscreened, bed, "not_classified")
    holding = make.unit(facility=place["facility"], kind="intake_holding", sex_housed="any")
    housing.assign_bed(
        actor=make.actor("officer"), booking_id=unclassified.id, bed_id=make.bed(unit=holding).id
    )


def test_soft_rules_give_way_to_a_supervisor_with_a_reason(app, make, place):
    l3_only = make.unit(
        facility=place["facility"], allows_level_1=False, allows_level_2=False, allows_level_3=True
    )
    bed = make.bed(unit=l3_only)
    refused(make, place["booking"], bed, "level_not_allowed")
    with pytest.raises(Forbidden):
        housing.assign_bed(
            actor=make.actor("officer"),
            booking_id=place["booking"].id,
            bed_id=bed.id,
            override_reason="No other bed tonight",
        )
    supervisor = make.actor("supervisor")
    assignment = housing.assign_bed(
        actor=supervisor,
        booking_id=place["booking"].id,
        bed_id=bed.id,
        override_reason="No other bed tonight",
    )
    assert assignment.overridden_rules == ["level_not_allowed"]
    assert assignment.override_reason == "No other bed tonight"
    event = last_event("custody:housing:override")
    assert event.actor == supervisor.username
    assert "override:level_not_allowed" in event.changed_fields


def test_unit_sex_and_gender_review(app, make, place):
    women = make.unit(facility=place["facility"], sex_housed="female")
    refused(make, place["booking"], make.bed(unit=women), "unit_sex")
    identity.update_detainee(
        actor=make.actor("officer"),
        detainee_id=place["booking"].detainee_id,
        data=PersonPatch(gender_identity="transgender_woman"),
    )
    refused(make, place["booking"], make.bed(unit=women), "gender_review")
    refused(make, place["booking"], make.bed(unit=place["unit"]), "gender_review")


@pytest.mark.parametrize(
    ("alert", "bed_kwargs", "rule"),
    [
        ("lower_bunk", {}, "lower_bunk_needed"),
        ("accessible_bed", {}, "accessible_bed_needed"),
        ("medical_isolation", {}, "isolation_ordered"),
    ],
)
def test_alerts_need_fitting_beds(app, make, place, alert, bed_kwargs, rule):
    identity.set_alert(
        actor=make.actor("clinician"),
        detainee_id=place["booking"].detainee_id,
        kind=alert,
        active=True,
    )
    refused(make, place["booking"], make.bed(unit=place["unit"], **bed_kwargs), rule)


def test_lower_bunk_alert_is_met_by_a_lower_bunk(app, make, place):
    identity.set_alert(
        actor=make.actor("clinician"),
        detainee_id=place["booking"].detainee_id,
        kind="lower_bunk",
        active=True,
    )
    bed = make.bed(unit=place["unit"], is_lower_bunk=True)
    assignment = housing.assign_bed(
        actor=make.actor("officer"), booking_id=place["booking"].id, bed_id=bed.id
    )
    assert assignment.bed_id == bed.id and assignment.ended_at is None
    assert assignment.overridden_rules in (None, []) and place["booking"].status == "housed"


@pytest.mark.parametrize(
    ("kind", "rule", "order"),
    [
        ("isolation", "isolation_without_order", "medical_isolation"),
        ("medical", "medical_unit_without_order", "medical_housing"),
        ("restrictive", "restrictive_without_placement", None),
    ],
)
def test_special_units_need_an_order(app, make, place, kind, rule, order):
    unit = make.unit(facility=place["facility"], kind=kind, sex_housed="any")
    refused(make, place["booking"], make.bed(unit=unit), rule)
    if order:
        identity.set_alert(
            actor=make.actor("clinician"),
            detainee_id=place["booking"].detainee_id,
            kind=order,
            active=True,
        )
        bed = make.bed(unit=unit)
        assignment = housing.assign_bed(
            actor=make.actor("officer"), booking_id=place["booking"].id, bed_id=bed.id
        )
        assert assignment.bed_id == bed.id and not assignment.overridden_rules


def test_released_booking_cannot_be_housed(app, make, place):
    from custody.releases.inputs import ReleaseIn
    from custody.releases.services import release_booking

    release_booking(
        actor=make.actor("officer"),
        booking_id=place["booking"].id,
        release=ReleaseIn(reason="bond"),
    )
    refused(make, place["booking"], make.bed(unit=place["unit"]), "booking_not_active")


def test_board_and_census(app, make, place):
    beds = [make.bed(unit=place["unit"], is_lower_bunk=i == 0) for i in range(3)]
    housing.assign_bed(
        actor=make.actor("officer"), booking_id=place["booking"].id, bed_id=beds[1].id
    )
    officer = make.actor("officer")
    board = housing_board_svc.housing_board(actor=officer, facility_code=place["facility"].code)
    slots = {s.bed.id: s for b in board for s in b.slots}
    assert slots[beds[1].id].a_number == place["booking"].detainee.a_number
    assert slots[beds[1].id].level == 2 and slots[beds[0].id].is_free
    lower = housing_board_svc.housing_board(
        actor=officer, facility_code=place["facility"].code, needs_lower_bunk=True
    )
    assert [s.bed.id for b in lower for s in b.slots] == [beds[0].id]
    # the unit's totals and levels count every bed, not only the beds the filter shows
    assert [(b.occupied, b.levels_present) for b in lower] == [(1, [2])]
    assert (
        housing_board_svc.housing_board(
            actor=officer, facility_code=place["facility"].code, level=3
        )
        == []
    )
    census = housing_board_svc.census(actor=officer, facility_code=place["facility"].code)
    assert census["population"] == 1 and census["housed"] == 1
    unit = census["units"][0]
    assert unit["beds"] == 3 and unit["by_level"] == {"1": 0, "2": 1, "3": 0, "unclassified": 0}


def test_admin_sees_taken_beds_without_people(app, make, place):
    bed = make.bed(unit=place["unit"])
    housing.assign_bed(actor=make.actor("officer"), booking_id=place["booking"].id, bed_id=bed.id)
    slots = housing_board_svc.beds_with_occupants(
        actor=make.actor("admin"), facility_code=place["facility"].code
    )
    assert [(s.is_free, s.occupant) for s in slots] == [(False, None)]


def _statements(fn) -> int:
    import sqlalchemy as sa

    from core.db import db

    seen = []
    engine = db.session.get_bind().engine

    def count(*_args):
        seen.append(1)

    sa.event.listen(engine, "before_cursor_execute", count)
    try:
        fn()
    finally:
        sa.event.remove(engine, "before_cursor_execute", count)
    return len(seen)


def test_board_and_census_queries_do_not_grow_with_the_population(app, make):
    from core.db import db

    facility = make.facility()
    officer = make.actor("officer")
    units = [make.unit(facility=facility) for _ in range(3)]

    def house(count):
        for n in range(count):
            booking = make.classified(make.booking(facility=facility), level=2)
            bed = make.bed(unit=units[n % 3])
            housing.assign_bed(actor=officer, booking_id=booking.id, bed_id=bed.id)
        db.session.expire_all()

    def read():
        housing_board_svc.housing_board(actor=officer, facility_code=facility.code)
        housing_board_svc.census(actor=officer, facility_code=facility.code)

    house(2)
    small = _statements(read)
    house(10)
    assert _statements(read) == small


def test_bed_picker_reads_alerts_once_not_per_free_bed(app, make):
    """The picker checks every free bed against the rules; the person's alerts (a health
    query) are read once, so more free beds add no statement per bed beyond the board's."""
    from core.db import db
    from custody.housing.picker import bed_choices
    from custody.people import alerts

    facility = make.facility()
    officer = make.actor("officer")
    unit = make.unit(facility=facility)
    booking = make.classified(make.booking(facility=facility), level=2)
    calls = []
    real = alerts.patients.custody_alerts

    def counting(a_number):
        calls.append(a_number)
        return real(a_number)

    def read():
        db.session.expire_all()
        bed_choices(actor=officer, booking=booking)

    make.bed(unit=unit)
    alerts.patients.custody_alerts = counting
    try:
        few = _statements(read)
        for _ in range(6):
            make.bed(unit=unit)
        many = _statements(read)
    finally:
        alerts.patients.custody_alerts = real
    assert calls == [booking.detainee.a_number] * 2  # once per picker, not per bed
    assert many == few
