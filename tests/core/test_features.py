"""The feature registry (core.features): the app factory composes the packages named
in FEATURES, each contributing through the registry; core imports none of them."""

from __future__ import annotations

import re

import pytest

import custody
from core.actor import Actor
from core.cli import main
from core.dashboard import dashboard_for
from core.directory import NoFacilities
from core.errors import ValidationFailed
from core.features import FeatureConflict, registry
from core.permissions import Role
from core.users import UserIn, create_user, facility_choices
from custody.facilities.directory import CustodyFacilities
from tests.conftest import make_app
from tests.helpers import PASSWORD

NAV = [
    "Dashboard",
    "Patients",
    "People",
    "Facilities",
    "Transfers",
    "Legal access",
    "Rule sets",
    "Consular notification",
    "Sick call",
    "Exports",
    "Users",
    "Audit log",
]
OFFICER_NAV = [
    "Dashboard",
    "People",
    "Facilities",
    "Transfers",
    "Legal access",
    "Rule sets",
    "Exports",
]
PROBE = "tests.core.feature_probe"


def _bare(*features: str):
    """An app of its own, composed of `features` (no database is touched)."""
    return make_app("sqlite://", FEATURES=features)


def _labels(links) -> list[str]:
    return [link.label for link in links]


def test_the_default_app_composes_custody_then_health(app):
    features = registry(app)
    assert features.features == ["custody", "health"]
    assert _labels(features.nav_items) == NAV
    assert _labels(features.dashboard_links) == [
        "Exports",  # core.exports, for every role that may export
        "Find a patient",
        "Manage users",
        "Manage facilities",
        "Facilities",
        "Record a sick-call request",
        "Audit log",
    ]
    assert [p.name for p in features.dashboard_panels] == [
        "custody_work",
        "chart",
        "sick_call",
        "clinical_compliance",
        "facilities",
        "compliance",
        "transfers",
        "users",
        "audit",
    ]
    assert isinstance(features.facility_directory, CustodyFacilities)
    assert {"seed-demo", "fhir"} <= set(app.cli.commands)


@pytest.mark.parametrize(
    "role,expected",
    [
        (Role.ADMIN, ["Dashboard", "Facilities", "Rule sets", "Consular notification", "Users"]),
        (Role.OFFICER, OFFICER_NAV),
        (
            Role.AUDITOR,
            [
                "Dashboard",
                "People",
                "Facilities",
                "Transfers",
                "Legal access",
                "Rule sets",
                "Audit log",
            ],
        ),
    ],
)
def test_navigation_is_filtered_by_permission(app, role, expected):
    actor = Actor(1, role.value, role)
    assert _labels(registry(app).nav_for(actor)) == expected


def test_the_page_shows_the_actors_navigation_in_order(client, make):
    make.login(client, role="officer")
    nav = client.get("/dashboard").text.split('aria-label="Primary navigation"')[1]
    nav = nav.split("</ul>")[0]
    assert re.findall(r"<span>([^<]+)</span>", nav) == OFFICER_NAV


def test_the_dashboard_puts_the_panels_together_in_order(client, make):
    make.facility(code="DSH01", name="Dashboard Facility")
    make.login(client, role="admin")
    page = client.get("/dashboard").text
    figures = re.findall(r'<h2 class="usa-card__heading">([^<]+)</h2>', page)
    assert figures == ["Facilities", "Beds in service", "Active users", "Locked accounts"]
    links = page.split("<h2>Go to</h2>")[1].split("</ul>")[0]
    assert re.findall(r">([^<]+)</a>", links) == ["Manage users", "Manage facilities", "Facilities"]
    assert "Facilities you can see" in page and "Dashboard Facility" in page


def test_features_compose_what_the_setting_names():
    health_only = _bare("health")
    assert registry(health_only).features == ["health"]
    endpoints = {rule.endpoint for rule in health_only.url_map.iter_rules()}
    assert any(e.startswith("fhir.") for e in endpoints)
    assert not any(e.startswith(("bookings.", "facilities_api.", "locator")) for e in endpoints)
    assert "fhir" in health_only.cli.commands and "seed-demo" not in health_only.cli.commands
    assert _labels(registry(health_only).nav_items) == [
        "Dashboard",
        "Patients",
        "Sick call",
        "Exports",
        "Users",
        "Audit log",
    ]


def test_core_alone_has_no_facilities():
    bare = _bare()
    features = registry(bare)
    assert features.features == [] and isinstance(features.facility_directory, NoFacilities)
    assert [p.name for p in features.dashboard_panels] == ["users", "audit"]
    with bare.app_context():
        system = Actor.system("test")
        assert facility_choices(actor=system) == []
        data = UserIn(username="scoped.one", role="officer", password=PASSWORD, facility_code="X1")
        with pytest.raises(ValidationFailed) as refused:
            create_user(actor=system, data=data)
    assert refused.value.errors == {"facility": ["No facility with code 'X1'."]}


def test_a_feature_listed_twice_is_composed_once():
    twice = _bare("custody", "health", "custody")
    assert registry(twice).features == ["custody", "health"]
    assert _labels(registry(twice).nav_items) == NAV


def test_a_feature_initialised_twice_is_refused_clearly():
    composed = _bare("custody")
    with pytest.raises(FeatureConflict, match=r"registered twice \(first by custody\)"):
        custody.init_app(composed)


def test_an_unknown_feature_is_refused_clearly():
    with pytest.raises(FeatureConflict, match="'no_such_feature', which is not a package"):
        _bare("no_such_feature")
    with pytest.raises(FeatureConflict, match=r"'core\.directory' has no init_app"):
        _bare("core.directory")


def test_another_feature_contributes_through_the_same_calls():
    probed = _bare("custody", "health", PROBE)
    features = registry(probed)
    assert _labels(features.nav_items) == [*NAV[:3], "Probe", *NAV[3:]]  # order 250
    auditor, officer = Actor(1, "a", Role.AUDITOR), Actor(2, "o", Role.OFFICER)
    assert "Probe" in _labels(features.nav_for(auditor))
    assert "Probe" not in _labels(features.nav_for(officer))
    assert "probe.index" in {rule.endpoint for rule in probed.url_map.iter_rules()}
    result = probed.test_cli_runner().invoke(main, ["probe-hello"])
    assert result.exit_code == 0 and "hello from the probe" in result.output
    probe_panel = [p for p in features.dashboard_panels if p.name == "probe"]
    with probed.app_context():
        shown = dashboard_for(actor=auditor, panels=probe_panel)
        hidden = dashboard_for(actor=officer, panels=probe_panel)
    assert shown.figures == [("Probe figure", 7)] and shown.sections == {"probe": ["shown"]}
    assert hidden.figures == [] and hidden.sections == {}


def test_two_features_cannot_claim_the_same_name():
    probed = _bare(PROBE)
    with pytest.raises(FeatureConflict, match="navigation item 'Probe'"):
        registry(probed).add_nav_item(registry(probed).nav_items[1])


def test_no_feature_command_hides_a_core_command(app):
    assert not set(app.cli.commands) & set(main.commands)


def test_each_app_keeps_its_own_registry(app):
    other = _bare("health")
    assert registry(other) is not registry(app)
    assert registry(app).features == ["custody", "health"]


def test_a_mental_health_clinician_gets_a_clinicians_dashboard_by_name(client, make):
    make.login(client, role="mental_health")
    page = client.get("/dashboard").text
    assert "Mental health dashboard" in page and "mental-health notes included" in page
    make.login(client, role="clinician")
    assert "Mental health" not in client.get("/dashboard").text
