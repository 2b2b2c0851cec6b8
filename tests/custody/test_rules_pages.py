"""Rule-set pages: read by staff, changed by administrators through the same services as
the API; limits shown as people say them; typed values kept on errors."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from core.db import db
from custody.facilities.models import StandardsSet
from custody.rules.forms import duration_text, repeat_text, split_minutes
from custody.rules.models import ComplianceRule
from tests.helpers import csrf_token, events, last_event

DEFAULT_SET = "PBNDS-2011-R2016"
D = 24 * 60


def _post(client, path: str, data: dict):
    token = csrf_token(client.get("/dashboard").text)
    return client.post(path, data={"csrf_token": token, **data})


def rule_of(set_code: str, rule: str) -> ComplianceRule:
    return db.session.scalar(
        sa.select(ComplianceRule)
        .join(StandardsSet)
        .where(StandardsSet.code == set_code, ComplianceRule.rule == rule)
    )


@pytest.fixture
def admin(client, make):
    return make.login(client, role="admin")


@pytest.fixture
def own_set(client, admin):
    response = _post(
        client,
        "/admin/rule-sets/new",
        {"code": "PAGE-SET", "name": "Page test set", "copy_from": DEFAULT_SET},
    )
    assert response.status_code == 302, response.text
    assert response.headers["Location"].endswith("/rule-sets/PAGE-SET")
    return "PAGE-SET"


@pytest.mark.parametrize(
    ("minutes", "text"),
    [
        (12 * 60, "12 hours"),
        (14 * D, "14 days"),
        (D, "1 day"),
        (15, "15 minutes"),
        (90, "90 minutes"),
    ],
)
def test_durations_read_as_people_say_them(minutes, text):
    assert duration_text(minutes) == text


def test_repeat_wording_and_split():
    assert repeat_text(7 * D, "previous") == "every 7 days after the last"
    assert repeat_text(30 * D, "start") == "every 30 days from the start"
    assert repeat_text(None, "start") == "does not repeat"
    assert split_minutes(72 * 60) == (3, "days")
    assert split_minutes(30) == (30, "minutes")


@pytest.mark.parametrize("role", ["admin", "auditor", "officer"])
def test_list_and_detail_render_for_readers(client, make, role):
    facility = make.facility()
    make.login(client, role=role)
    listing = client.get("/rule-sets")
    assert listing.status_code == 200
    assert DEFAULT_SET in listing.text and facility.code in listing.text
    assert 'href="/rule-sets"' in client.get("/dashboard").text  # the nav item
    detail = client.get(f"/rule-sets/{DEFAULT_SET}")
    assert detail.status_code == 200
    text = detail.text
    assert "12 hours" in text and "14 days" in text
    assert "every 7 days after the last" in text  # restrictive-housing review
    assert "every 30 days from the start" in text  # field office notification
    assert "default, to confirm" in text
    manage = role == "admin"
    assert ("Add a rule" in text) is manage
    assert ("/admin/rule-sets/rules/" in text) is manage
    assert client.get("/rule-sets/NOPE").status_code == 404


def test_admin_edits_a_limit_in_days_and_it_is_audited(client, own_set):
    rule = rule_of(own_set, "dental-screening")
    form = client.get(f"/admin/rule-sets/rules/{rule.id}")
    assert form.status_code == 200
    assert 'name="limit_value"' in form.text and 'value="14"' in form.text
    response = _post(
        client,
        f"/admin/rule-sets/rules/{rule.id}",
        {
            "title": rule.title,
            "limit_value": "10",
            "limit_unit": "days",
            "repeat_value": "",
            "repeat_unit": "days",
            "repeat_anchor": "",
            "citation": "PBNDS 4.3",
            "is_active": "y",
        },
    )
    assert response.status_code == 302, response.text
    db.session.expire_all()
    saved = rule_of(own_set, "dental-screening")
    assert (saved.limit_minutes, saved.to_confirm) == (10 * D, False)
    event = last_event("custody:rules:update", subject_id=str(rule.id))
    assert event.changed_fields == ["limit_minutes", "to_confirm"]
    detail = client.get(f"/rule-sets/{own_set}").text
    assert "10 days" in detail


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"limit_value": "400", "limit_unit": "days"}, "limit_value", "at most 365 days"),
        ({"limit_value": "0"}, "limit_value", "more than zero"),
        ({"limit_value": "twelve"}, "limit_value", "Not a valid integer"),
        ({"repeat_value": "7", "repeat_anchor": ""}, "repeat_anchor", "needs an anchor"),
        ({"title": ""}, "title", "required"),
    ],
)
def test_edit_errors_keep_the_typed_values_next_to_the_field(
    client, own_set, change, field, message
):
    rule = rule_of(own_set, "health-assessment")
    data = {
        "title": "Comprehensive health assessment (edited)",
        "limit_value": "9",
        "limit_unit": "days",
        "repeat_value": "",
        "repeat_unit": "days",
        "repeat_anchor": "",
        "citation": "PBNDS 4.3 (edited)",
        "is_active": "y",
        **change,
    }
    before = len(events("custody:rules:update"))
    response = _post(client, f"/admin/rule-sets/rules/{rule.id}", data)
    assert response.status_code == 422
    text = response.text
    assert f'id="{field}-error"' in text and message in text
    for name in ("limit_value", "citation"):
        assert f'value="{data[name]}"' in text  # what was typed stays in the form
    db.session.expire_all()
    assert rule_of(own_set, "health-assessment").limit_minutes == 14 * D
    assert len(events("custody:rules:update")) == before


def test_admin_adds_a_rule_and_a_taken_id_is_shown_on_the_field(client, own_set):
    data = {
        "rule": "legal-orientation",
        "starts_on": "booking",
        "stops_on": "orientation recorded",
        "title": "Legal rights orientation",
        "limit_value": "3",
        "limit_unit": "days",
        "repeat_unit": "days",
        "repeat_anchor": "",
        "citation": "PBNDS 6.4",
        "is_active": "y",
    }
    added = _post(client, f"/admin/rule-sets/{own_set}/rules/new", data)
    assert added.status_code == 302, added.text
    assert last_event("custody:rules:create").subject_type == "compliance_rule"
    again = _post(client, f"/admin/rule-sets/{own_set}/rules/new", data)
    assert again.status_code == 422
    assert 'id="rule-error"' in again.text and "already has a rule" in again.text


def test_new_rule_set_code_taken_is_shown_on_the_field(client, own_set):
    response = _post(client, "/admin/rule-sets/new", {"code": own_set, "name": "Again"})
    assert response.status_code == 422
    assert 'id="code-error"' in response.text and 'value="Again"' in response.text
    assert last_event("custody:rule_set:create").subject_type == "rule_set"


@pytest.mark.parametrize("role", ["officer", "auditor", "supervisor"])
def test_non_admins_get_403_on_the_admin_pages(client, make, role):
    rule = rule_of(DEFAULT_SET, "health-assessment")
    make.login(client, role=role)
    assert client.get(f"/admin/rule-sets/rules/{rule.id}").status_code == 403
    assert client.get("/admin/rule-sets/new").status_code == 403
    assert client.get(f"/admin/rule-sets/{DEFAULT_SET}/rules/new").status_code == 403
    response = _post(client, f"/admin/rule-sets/rules/{rule.id}", {"title": "x"})
    assert response.status_code == 403
    assert "/admin/rule-sets/" not in client.get(f"/rule-sets/{DEFAULT_SET}").text


def test_scoped_admin_sees_no_edit_links_and_is_refused(client, make):
    facility = make.facility()
    make.login(client, make.user("admin", facility_id=facility.id))
    rule = rule_of(DEFAULT_SET, "health-assessment")
    assert "/admin/rule-sets/" not in client.get(f"/rule-sets/{DEFAULT_SET}").text
    assert "Add a rule set" not in client.get("/rule-sets").text
    assert client.get(f"/admin/rule-sets/rules/{rule.id}").status_code == 403
    assert client.get("/admin/rule-sets/new").status_code == 403
    response = _post(
        client,
        f"/admin/rule-sets/rules/{rule.id}",
        {
            "title": "x",
            "limit_value": "1",
            "limit_unit": "hours",
            "repeat_unit": "days",
            "repeat_anchor": "",
            "is_active": "y",
        },
    )
    assert response.status_code == 403
    db.session.expire_all()
    assert rule_of(DEFAULT_SET, "health-assessment").limit_minutes == 14 * D
