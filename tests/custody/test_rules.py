"""Detention-standards rule sets: read by staff, changed by administrators, audited; a
changed limit applies to clocks opened afterwards only."""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any, TypeVar

import pytest
import sqlalchemy as sa

from core.actor import Actor
from core.db import db
from core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from core.validation import FieldErrors
from custody.facilities.models import StandardsSet
from custody.rules import services as rules
from custody.rules.inputs import RuleIn, RulePatch, RuleSetIn
from custody.rules.models import ComplianceRule
from tests.helpers import events, last_event

T = TypeVar("T")
DEFAULT_SET = "PBNDS-2011-R2016"
ARRIVAL = dt.datetime(2026, 3, 2, 8, 0, tzinfo=dt.UTC)
H, D = 60, 24 * 60
NEW_RULE = {
    "rule": "law-library-orientation",
    "title": "Law library orientation",
    "starts_on": "booking",
    "stops_on": "orientation recorded",
    "limit_minutes": 3 * D,
    "citation": "PBNDS 6.3",
}


def typed(kind: type[T], data: dict[str, Any]) -> T:
    """Test data as a typed input; fields the input has not are refused (a 422), as the
    API refuses them."""
    errors = FieldErrors()
    errors.unknown_fields(data, [f.name for f in dataclasses.fields(kind)])  # type: ignore[arg-type]
    errors.raise_if_any()
    return kind(**data)


def patch_of(data: dict[str, Any]) -> RulePatch:
    return typed(RulePatch, data)


def new_rule(data: dict[str, Any]) -> RuleIn:
    return typed(RuleIn, data)


def rule_of(set_code: str, rule: str) -> ComplianceRule:
    return db.session.scalar(
        sa.select(ComplianceRule)
        .join(StandardsSet)
        .where(StandardsSet.code == set_code, ComplianceRule.rule == rule)
    )


@pytest.fixture
def admin(make) -> Actor:
    return make.actor("admin")


@pytest.fixture
def own_set(admin) -> StandardsSet:
    """A copy of the default set, so changes never touch the sets other tests rely on."""
    return rules.create_rule_set(
        actor=admin, data=RuleSetIn(code="TEST-SET", name="Test standards", copy_from=DEFAULT_SET)
    )


# --- reading -------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["officer", "auditor", "supervisor", "admin", "clinician"])
def test_staff_read_rule_sets_with_the_facilities_using_them(make, role):
    facility = make.facility()
    found = {s.code: s for s in rules.list_rule_sets(actor=make.actor(role))}
    assert {DEFAULT_SET, "NDS-2019", "NDS-2025"} <= set(found)
    assert facility.code in [f.code for f in found[DEFAULT_SET].facilities]
    assert "intake-health-screening" in [r.rule for r in found[DEFAULT_SET].rules]
    one = rules.get_rule_set(actor=make.actor(role), code=DEFAULT_SET.lower())
    assert one.code == DEFAULT_SET and len(one.rules) == len(found[DEFAULT_SET].rules)


def test_scoped_reader_sees_only_their_facility_among_the_users(make):
    home, other = make.facility(), make.facility()
    reader = make.actor("officer", facility_id=home.id)
    users = [f.code for f in rules.get_rule_set(actor=reader, code=DEFAULT_SET).facilities]
    assert users == [home.code] and other.code not in users


def test_unknown_rule_set_is_404(make):
    with pytest.raises(NotFound):
        rules.get_rule_set(actor=make.actor("officer"), code="NOPE")


def test_reading_needs_facility_or_compliance_read(make):
    nobody = Actor(user_id=None, username="nobody", role=None)
    with pytest.raises(Forbidden):
        rules.list_rule_sets(actor=nobody)


# --- creating a set ------------------------------------------------------------------


def test_create_copies_the_rules_and_audits(admin, own_set):
    source = rules.get_rule_set(actor=admin, code=DEFAULT_SET)
    copy = rules.get_rule_set(actor=admin, code="TEST-SET")
    as_rows = [
        (r.rule, r.limit_minutes, r.repeat_minutes, r.repeat_anchor, r.to_confirm, r.citation)
        for r in copy.rules
    ]
    assert as_rows == [
        (r.rule, r.limit_minutes, r.repeat_minutes, r.repeat_anchor, r.to_confirm, r.citation)
        for r in source.rules
    ]
    assert {r.id for r in copy.rules}.isdisjoint({r.id for r in source.rules})
    event = last_event("custody:rule_set:create", subject_id=str(own_set.id))
    assert event.changed_fields == ["code", "name", "rules"]
    assert event.actor == admin.username


def test_create_empty_set(admin):
    created = rules.create_rule_set(actor=admin, data=RuleSetIn(code="empty-one", name="Empty"))
    assert created.code == "EMPTY-ONE" and created.rules == []
    assert last_event("custody:rule_set:create").changed_fields == ["code", "name"]


def test_create_refuses_a_taken_code_bad_input_and_unknown_source(admin, own_set):
    with pytest.raises(Conflict) as taken:
        rules.create_rule_set(actor=admin, data=RuleSetIn(code="test-set", name="Again"))
    assert taken.value.details["field"] == "code"
    with pytest.raises(ValidationFailed) as bad:
        rules.create_rule_set(actor=admin, data=RuleSetIn(code="a b", name=" ", copy_from="NOPE"))
    assert set(bad.value.errors) == {"code", "name", "copy_from"}


# --- changing a rule -----------------------------------------------------------------


def test_update_rule_audits_the_changed_field_names(admin, own_set):
    rule = rule_of("TEST-SET", "dental-screening")
    assert rule.to_confirm
    rules.update_rule(
        actor=admin,
        rule_id=rule.id,
        data=patch_of({"limit_minutes": 7 * D, "to_confirm": False, "title": rule.title}),
    )
    assert (rule.limit_minutes, rule.to_confirm) == (7 * D, False)
    event = last_event("custody:rules:update", subject_id=str(rule.id))
    assert event.subject_type == "compliance_rule"
    assert event.changed_fields == ["limit_minutes", "to_confirm"]
    assert rule_of(DEFAULT_SET, "dental-screening").limit_minutes == 14 * D  # the copy only


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"limit_minutes": 0}, "limit_minutes"),
        ({"limit_minutes": -5}, "limit_minutes"),
        ({"limit_minutes": 365 * D + 1}, "limit_minutes"),
        ({"limit_minutes": None}, "limit_minutes"),
        ({"limit_minutes": "12h"}, "limit_minutes"),
        ({"limit_minutes": True}, "limit_minutes"),
        ({"repeat_minutes": 0}, "repeat_minutes"),
        ({"repeat_minutes": 400 * D}, "repeat_minutes"),
        ({"repeat_minutes": 60, "repeat_anchor": None}, "repeat_anchor"),
        ({"repeat_anchor": "whenever"}, "repeat_anchor"),
        ({"title": "  "}, "title"),
        ({"citation": "x" * 201}, "citation"),
        ({"is_active": "yes"}, "is_active"),
        ({"starts_on": "triage"}, "starts_on"),
        ({"rule": "other-id"}, "rule"),
    ],
)
def test_bad_changes_are_422_naming_the_field_and_change_nothing(admin, own_set, data, field):
    rule = rule_of("TEST-SET", "health-assessment")
    before = len(events("custody:rules:update"))
    with pytest.raises(ValidationFailed) as err:
        rules.update_rule(actor=admin, rule_id=rule.id, data=patch_of(data))
    assert field in err.value.errors
    db.session.expire_all()
    assert rule_of("TEST-SET", "health-assessment").limit_minutes == 14 * D
    assert len(events("custody:rules:update")) == before


def test_removing_the_repeat_resets_the_anchor(admin, own_set):
    rule = rule_of("TEST-SET", "restrictive-housing-review")
    assert (rule.repeat_minutes, rule.repeat_anchor) == (7 * D, "previous")
    rules.update_rule(
        actor=admin, rule_id=rule.id, data=patch_of({"repeat_minutes": None, "repeat_anchor": None})
    )
    assert (rule.repeat_minutes, rule.repeat_anchor) == (None, "start")
    changed = last_event("custody:rules:update").changed_fields
    assert changed == ["repeat_anchor", "repeat_minutes"]


def test_unknown_rule_is_404(admin):
    with pytest.raises(NotFound):
        rules.update_rule(actor=admin, rule_id=2**31 - 1, data=patch_of({"title": "x"}))


@pytest.mark.parametrize("role", ["officer", "supervisor", "auditor", "clinician", "records"])
def test_only_administrators_change_rules(make, own_set, role):
    rule = rule_of("TEST-SET", "health-assessment")
    with pytest.raises(Forbidden):
        rules.update_rule(
            actor=make.actor(role), rule_id=rule.id, data=patch_of({"limit_minutes": 60})
        )
    assert last_event("custody:rules:manage").outcome == "denied"


def test_an_admin_limited_to_one_facility_may_not_change_shared_rule_sets(make, own_set):
    facility = make.facility()
    scoped = make.actor("admin", facility_id=facility.id)
    rule = rule_of("TEST-SET", "health-assessment")
    for attempt in (
        lambda: rules.update_rule(
            actor=scoped, rule_id=rule.id, data=patch_of({"limit_minutes": 60})
        ),
        lambda: rules.add_rule(actor=scoped, set_code="TEST-SET", data=new_rule(NEW_RULE)),
        lambda: rules.create_rule_set(actor=scoped, data=RuleSetIn(code="MINE", name="Mine")),
        lambda: rules.assign_rule_set(
            actor=scoped, facility_code=facility.code, set_code="TEST-SET"
        ),
    ):
        with pytest.raises(Forbidden):
            attempt()
    db.session.expire_all()
    assert rule_of("TEST-SET", "health-assessment").limit_minutes == 14 * D
    assert not events("custody:rules:update") and not events("custody:rules:create")


# --- adding a rule -------------------------------------------------------------------


def test_add_rule_audits_and_refuses_a_taken_id(admin, own_set):
    rule = rules.add_rule(actor=admin, set_code="test-set", data=new_rule(NEW_RULE))
    assert (rule.repeat_anchor, rule.is_active, rule.to_confirm) == ("start", True, False)
    event = last_event("custody:rules:create", subject_id=str(rule.id))
    assert {"standards_set_id", "rule", "limit_minutes"} <= set(event.changed_fields)
    with pytest.raises(Conflict) as taken:
        rules.add_rule(
            actor=admin, set_code="TEST-SET", data=new_rule({**NEW_RULE, "title": "Again"})
        )
    assert taken.value.details["field"] == "rule"
    # the same id in another set is fine: ids are unique within a set
    rules.add_rule(actor=admin, set_code="NDS-2025", data=new_rule(NEW_RULE))


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"rule": "Not A Slug"}, "rule"),
        ({"rule": "x" * 49}, "rule"),
        ({"starts_on": "sunrise"}, "starts_on"),
        ({"starts_on": ["booking"]}, "starts_on"),
        ({"rule": 5}, "rule"),
        ({"stops_on": ""}, "stops_on"),
        ({"limit_minutes": None}, "limit_minutes"),
        ({"repeat_minutes": 60}, "repeat_anchor"),
        ({"colour": "red"}, "colour"),
    ],
)
def test_add_rule_validation(admin, own_set, change, field):
    with pytest.raises(ValidationFailed) as err:
        rules.add_rule(actor=admin, set_code="TEST-SET", data=new_rule({**NEW_RULE, **change}))
    assert field in err.value.errors


def test_add_rule_to_unknown_set_is_404(admin):
    with pytest.raises(NotFound):
        rules.add_rule(actor=admin, set_code="NOPE", data=new_rule(NEW_RULE))


# --- facilities and clocks -----------------------------------------------------------


def test_assign_rule_set_audits_and_new_bookings_follow_it(make, admin, own_set):
    facility = make.facility()
    rules.update_rule(
        actor=admin,
        rule_id=rule_of("TEST-SET", "health-assessment").id,
        data=patch_of({"limit_minutes": 7 * D}),
    )
    assigned = rules.assign_rule_set(actor=admin, facility_code=facility.code, set_code="test-set")
    assert assigned.standards_set.code == "TEST-SET"
    event = last_event("custody:rule_set:assign", subject_id=str(facility.id))
    assert event.changed_fields == ["standards_set_id"]
    booking = make.booking(facility=facility, booked_at=ARRIVAL)
    due = {c.rule: c.due_at - ARRIVAL for c in booking.clocks}
    assert due["health-assessment"] == dt.timedelta(days=7)
    with pytest.raises(ValidationFailed) as err:
        rules.assign_rule_set(actor=admin, facility_code=facility.code, set_code="NOPE")
    assert "set_code" in err.value.errors
    with pytest.raises(NotFound):
        rules.assign_rule_set(actor=admin, facility_code="NOPE", set_code="TEST-SET")


def test_a_changed_limit_applies_to_bookings_made_afterwards_only(make, admin, own_set):
    facility = make.facility()
    rules.assign_rule_set(actor=admin, facility_code=facility.code, set_code="TEST-SET")
    before = make.booking(facility=facility, booked_at=ARRIVAL)
    rule = rule_of("TEST-SET", "intake-health-screening")
    rules.update_rule(actor=admin, rule_id=rule.id, data=patch_of({"limit_minutes": 4 * H}))
    after = make.booking(facility=facility, booked_at=ARRIVAL + dt.timedelta(hours=1))
    db.session.expire_all()

    def due(booking) -> dt.timedelta:
        (clock,) = [c for c in booking.clocks if c.rule == "intake-health-screening"]
        return clock.due_at - clock.started_at

    assert due(before) == dt.timedelta(hours=12)  # an open clock keeps its due time
    assert due(after) == dt.timedelta(hours=4)


def test_an_inactive_rule_opens_no_clocks(make, admin, own_set):
    facility = make.facility()
    rules.assign_rule_set(actor=admin, facility_code=facility.code, set_code="TEST-SET")
    rule = rule_of("TEST-SET", "dental-screening")
    rules.update_rule(actor=admin, rule_id=rule.id, data=patch_of({"is_active": False}))
    booking = make.booking(facility=facility, booked_at=ARRIVAL)
    assert "dental-screening" not in {c.rule for c in booking.clocks}
    assert "health-assessment" in {c.rule for c in booking.clocks}


# --- API -----------------------------------------------------------------------------


@pytest.fixture
def admin_headers(make) -> dict[str, str]:
    return make.headers("admin")


def test_api_reads_rule_sets(client, make):
    facility = make.facility()
    headers = make.headers("auditor")
    listing = client.get("/api/v1/rule-sets", headers=headers)
    assert listing.status_code == 200
    default = next(i for i in listing.json["items"] if i["code"] == DEFAULT_SET)
    assert facility.code in default["facilities"]
    one = client.get(f"/api/v1/rule-sets/{DEFAULT_SET}", headers=headers).json
    dental = next(r for r in one["rules"] if r["rule"] == "dental-screening")
    assert dental["limit_minutes"] == 14 * D and dental["to_confirm"] is True
    assert dental["rule_set"] == DEFAULT_SET
    assert client.get("/api/v1/rule-sets/NOPE", headers=headers).status_code == 404


def test_api_create_set_add_and_change_a_rule(client, admin_headers):
    created = client.post(
        "/api/v1/rule-sets",
        headers=admin_headers,
        json={"code": "API-SET", "name": "From the API", "copy_from": DEFAULT_SET},
    )
    assert created.status_code == 201, created.json
    assert created.json["code"] == "API-SET" and created.json["rules"]
    assert last_event("custody:rule_set:create").changed_fields == ["code", "name", "rules"]
    again = client.post(
        "/api/v1/rule-sets", headers=admin_headers, json={"code": "api-set", "name": "x"}
    )
    assert again.status_code == 409

    added = client.post("/api/v1/rule-sets/API-SET/rules", headers=admin_headers, json=NEW_RULE)
    assert added.status_code == 201, added.json
    assert added.json["rule_set"] == "API-SET"
    assert last_event("custody:rules:create").subject_id == added.json["id"]
    taken = client.post("/api/v1/rule-sets/API-SET/rules", headers=admin_headers, json=NEW_RULE)
    assert taken.status_code == 409

    changed = client.patch(
        f"/api/v1/rules/{added.json['id']}",
        headers=admin_headers,
        json={"repeat_minutes": 7 * D, "repeat_anchor": "previous"},
    )
    assert changed.status_code == 200, changed.json
    assert (changed.json["repeat_minutes"], changed.json["repeat_anchor"]) == (7 * D, "previous")
    event = last_event("custody:rules:update", subject_id=added.json["id"])
    assert event.changed_fields == ["repeat_anchor", "repeat_minutes"]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"limit_minutes": 0}, "limit_minutes"),
        ({"limit_minutes": 365 * D + 1}, "limit_minutes"),
        ({"limit_minutes": "12"}, "limit_minutes"),
        ({"repeat_minutes": 60, "repeat_anchor": None}, "repeat_anchor"),
        ({"repeat_anchor": "sometimes"}, "repeat_anchor"),
        ({"starts_on": "booking"}, "starts_on"),
    ],
)
def test_api_bad_patch_is_422_naming_the_field(client, admin_headers, admin, own_set, body, field):
    rule = rule_of("TEST-SET", "health-assessment")
    response = client.patch(f"/api/v1/rules/{rule.id}", headers=admin_headers, json=body)
    assert response.status_code == 422, response.json
    assert field in response.json["errors"]


def test_api_refusals(client, make, own_set):
    rule = rule_of("TEST-SET", "health-assessment")
    officer = make.headers("officer")
    response = client.patch(f"/api/v1/rules/{rule.id}", headers=officer, json={"title": "x"})
    assert response.status_code == 403
    facility = make.facility()
    scoped = make.headers("admin", facility_id=facility.id)
    response = client.patch(f"/api/v1/rules/{rule.id}", headers=scoped, json={"title": "x"})
    assert response.status_code == 403
    response = client.post(
        "/api/v1/rule-sets", headers=scoped, json={"code": "SCOPED", "name": "Scoped"}
    )
    assert response.status_code == 403
    admin = make.headers("admin")
    assert client.patch("/api/v1/rules/999999", headers=admin, json={}).status_code == 404
    response = client.post("/api/v1/rule-sets/NOPE/rules", headers=admin, json=NEW_RULE)
    assert response.status_code == 404


def test_api_assigns_a_rule_set(client, make, admin_headers, own_set):
    facility = make.facility()
    response = client.put(
        f"/api/v1/facilities/{facility.code}/rule-set",
        headers=admin_headers,
        json={"rule_set": "TEST-SET"},
    )
    assert response.status_code == 200, response.json
    assert response.json == {"facility": facility.code, "rule_set": "TEST-SET"}
    assert last_event("custody:rule_set:assign").subject_id == str(facility.id)
