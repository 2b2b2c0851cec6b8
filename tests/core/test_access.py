"""Every route declares who may call it, and the declaration holds for every role."""

from __future__ import annotations

import re
from enum import StrEnum

import pytest
from flask import Flask

from core import audit
from core.actor import Actor
from core.api import PUBLIC_ENDPOINTS
from core.db import unit_of_work
from core.permissions import ROLE_PERMISSIONS, Role
from custody.restrictive.services import place_in_restrictive_housing
from tests.helpers import csrf_token

SKIP_METHODS = {"HEAD", "OPTIONS"}


def declared(view: object) -> str | StrEnum | None:
    if getattr(view, "is_public", False):
        return "public"
    if getattr(view, "any_signed_in_user", False):
        return "signed-in"
    return getattr(view, "required_permission", None)


def routes(app: Flask) -> list[tuple[str, str, str, object]]:
    found = []
    for rule in app.url_map.iter_rules():
        for method in sorted(rule.methods - SKIP_METHODS):
            view = app.view_functions[rule.endpoint]
            found.append((rule.rule, method, rule.endpoint, declared(view)))
    return found


def test_every_route_declares_a_permission(app):
    missing = [
        f"{method} {rule} ({endpoint})"
        for rule, method, endpoint, decl in routes(app)
        if decl is None and endpoint not in PUBLIC_ENDPOINTS
    ]
    assert not missing, "routes without a declared permission:\n" + "\n".join(missing)


def test_public_routes_are_the_expected_few(app):
    public = {rule for rule, _, endpoint, decl in routes(app) if decl == "public"}
    public |= {rule for rule, _, endpoint, _ in routes(app) if endpoint in PUBLIC_ENDPOINTS}
    allowed = {"/healthz", "/login", "/", "/api/v1/openapi.json", "/static/<path:filename>"}
    allowed |= {
        r for r in public if r.startswith(("/locator", "/api/v1/locator", "/fhir/metadata"))
    }
    assert public <= allowed, f"unexpected public routes: {public - allowed}"


@pytest.fixture
def world(make):
    facility = make.facility()
    unit = make.unit(facility=facility)
    bed = make.bed(unit=unit)
    other = make.user("records")
    booking = make.booking(facility=facility)
    placement = place_in_restrictive_housing(
        actor=Actor.system("test"), booking_id=booking.id, kind="administrative", reason="Matrix"
    )
    with unit_of_work():
        event_id = audit.record(actor=Actor.system("test"), tag="test:world", subject_type="test")
    return {
        "code": facility.code,
        "unit_id": unit.id,
        "bed_id": bed.id,
        "user_id": other.id,
        "event_id": event_id,
        "detainee_id": booking.detainee_id,
        "booking_id": booking.id,
        "placement_id": placement.id,
        "resource_type": "Patient",
        "resource_id": "example",
        "version": "1",
        "set_code": facility.standards_set.code,
        "rule_id": facility.standards_set.rules[0].id,
    }


def concrete(rule: str, world: dict) -> str | None:
    def value(match: re.Match) -> str:
        name = match.group(1).split(":")[-1]
        return str(world.get(name, "__missing__"))

    path = re.sub(r"<([^>]+)>", value, rule)
    return None if "__missing__" in path else path


def checked_routes(app: Flask, world: dict) -> list[tuple[str, str, StrEnum]]:
    out = []
    for rule, method, _endpoint, decl in routes(app):
        if isinstance(decl, StrEnum):  # any feature's permission
            path = concrete(rule, world)
            assert path is not None, f"add a value for the parameters of {rule}"
            out.append((path, method, decl))
    return out


def test_matrix_covers_every_api_fhir_and_page_route(app, world):
    """Every route of every surface is in the matrix: declared by a permission (checked
    role by role below), public, or open to any signed-in user."""
    checked = {(path, method) for path, method, _ in checked_routes(app, world)}
    surfaces = {"/api/": 0, "/fhir": 0, "pages": 0}
    for rule, method, endpoint, decl in routes(app):
        if decl in ("public", "signed-in") or endpoint in PUBLIC_ENDPOINTS:
            continue
        assert (concrete(rule, world), method) in checked, (method, rule)
        surfaces[next((s for s in ("/api/", "/fhir") if rule.startswith(s)), "pages")] += 1
    # every feature's routes are there, not only core's (a feature's own permission enum)
    assert surfaces["/api/"] >= 35 and surfaces["/fhir"] >= 10 and surfaces["pages"] >= 40, surfaces


@pytest.mark.parametrize("role", list(Role))
def test_api_matrix(app, client, make, world, role):
    """Route × role on the JSON API: 403 exactly when the role lacks the permission."""
    headers = make.headers(role.value)
    for path, method, permission in checked_routes(app, world):
        if not path.startswith("/api/"):
            continue
        response = client.open(path, method=method, headers=headers, json={})
        allowed = permission in ROLE_PERMISSIONS[role]
        if allowed:
            assert response.status_code not in (401, 403), (method, path, role)
            assert response.status_code < 500, (method, path, role, response.status_code)
        else:
            assert response.status_code == 403, (method, path, role, response.status_code)
            assert response.is_json and response.json["message"]


@pytest.mark.parametrize("role", list(Role))
def test_page_matrix(app, client, make, world, role):
    """Route × role on the pages: 403 exactly when the role lacks the permission."""
    make.login(client, role=role.value)
    token = csrf_token(client.get("/dashboard").text)
    for path, method, permission in checked_routes(app, world):
        if path.startswith(("/api/", "/fhir")):
            continue
        data = {"csrf_token": token} if method == "POST" else None
        response = client.open(path, method=method, data=data)
        allowed = permission in ROLE_PERMISSIONS[role]
        if allowed:
            assert response.status_code not in (401, 403), (method, path, role)
            assert response.status_code < 500, (method, path, role, response.status_code)
        else:
            assert response.status_code == 403, (method, path, role, response.status_code)


def test_api_without_token_is_401_json(app, client, world):
    for path, method, _ in checked_routes(app, world):
        if path.startswith("/api/"):
            response = client.open(path, method=method, json={})
            assert response.status_code == 401, (method, path)
            assert response.is_json and "message" in response.json


@pytest.mark.parametrize("role", list(Role))
def test_fhir_matrix(app, client, make, world, role):
    """Route × role on the FHIR API: 403 OperationOutcome exactly when not permitted."""
    headers = make.headers(role.value)
    for path, method, permission in checked_routes(app, world):
        if not path.startswith("/fhir"):
            continue
        response = client.open(
            path, method=method, headers=headers, json={"resourceType": "Patient", "id": "example"}
        )
        if permission in ROLE_PERMISSIONS[role]:
            assert response.status_code not in (401, 403), (method, path, role)
            assert response.status_code < 500, (method, path, role, response.status_code)
        else:
            assert response.status_code == 403, (method, path, role, response.status_code)
            assert response.json["resourceType"] == "OperationOutcome"


def test_fhir_without_token_is_401_operation_outcome(app, client, world):
    for path, method, _ in checked_routes(app, world):
        if path.startswith("/fhir"):
            response = client.open(path, method=method, json={})
            assert response.status_code == 401, (method, path)
            assert response.json["resourceType"] == "OperationOutcome"


def test_pages_without_login_redirect_to_sign_in(app, client, world):
    for path, method, _ in checked_routes(app, world):
        if not path.startswith(("/api/", "/fhir")) and method == "GET":
            response = client.get(path)
            assert response.status_code == 302, path
            assert "/login" in response.headers["Location"]
