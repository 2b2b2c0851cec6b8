"""Every route declares who may call it, and the declaration holds for every role."""

from __future__ import annotations

import datetime as dt
import re
from enum import StrEnum

import pytest
from flask import Flask

from core import audit
from core.actor import Actor
from core.api import PUBLIC_ENDPOINTS
from core.db import unit_of_work
from core.permissions import ROLE_PERMISSIONS, Role, role_has
from custody.counsel.services import file_g28
from custody.permissions import CustodyPermission
from custody.restrictive.services import place_in_restrictive_housing
from custody.transfers.services import request_transfer
from health.fhir.link import patient_id_of
from health.permissions import HealthPermission
from health.sickcall.inputs import RequestIn
from health.sickcall.services import record_request
from tests.helpers import csrf_token, last_event

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
    sick_call = record_request(
        actor=Actor.system("test"),
        data=RequestIn(
            a_number=booking.detainee.a_number, complaint="Matrix", language="es", channel="verbal"
        ),
    )
    transfer, attorney = transfer_and_attorney(make, booking)
    return {
        "transfer_id": transfer.id,
        "attorney_id": attorney.id,
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
        "patient_id": patient_id_of(booking.detainee.a_number),
        "flag_id": "example",
        "a_number": booking.detainee.a_number,
        "version": "1",
        "set_code": facility.standards_set.code,
        "rule_id": facility.standards_set.rules[0].id,
        "sick_call_id": sick_call.request_id,
        "system": "icd10",  # the charting pages' code lookups
        "job_id": "0" * 32,  # core.exports: no such job (404 when permitted)
        "export_id": "0" * 32,
    }


def transfer_and_attorney(make, booking):
    """A requested transfer to another facility and a G-28 on file, for the world."""
    system = Actor.system("test")
    receiving = make.facility(name="Receiving Elsewhere")
    transfer = request_transfer(
        actor=system,
        booking_id=booking.id,
        to_facility_code=receiving.code,
        reason="Matrix",
        scheduled_for=booking.booked_at + dt.timedelta(days=1),
    )
    attorney = file_g28(
        actor=system,
        booking_id=booking.id,
        attorney_name="Ada Counsel",
        bar_number="123456",
        bar_state="TX",
    )
    return transfer, attorney


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


# --- the restricted label: mental_health reads and writes it, clinician does not ------

PSY = {"system": "http://terminology.hl7.org/CodeSystem/v3-ActCode", "code": "PSYTHPN"}
FHIR_JSON = "application/fhir+json"
READERS = [role for role in Role if role_has(role, HealthPermission.READ)]


def test_only_mental_health_reaches_restricted_notes_and_has_all_a_clinician_has():
    restricted = {HealthPermission.RESTRICTED_READ, HealthPermission.RESTRICTED_WRITE}
    holders = {role for role in Role if ROLE_PERMISSIONS[role] & restricted}
    assert holders == {Role.MENTAL_HEALTH}
    assert ROLE_PERMISSIONS[Role.MENTAL_HEALTH] - ROLE_PERMISSIONS[Role.CLINICIAN] == restricted
    assert READERS == [Role.CLINICIAN, Role.MENTAL_HEALTH]


def _note(patient_id: str, labelled: bool = True, **extra: object) -> dict:
    note = {
        "resourceType": "Observation",
        "status": "final",
        "code": {"text": "Therapy session"},
        "subject": {"reference": f"Patient/{patient_id}"},
        "valueString": "synthetic note",
        **extra,
    }
    if labelled:
        note["meta"] = {"security": [PSY]}
    return note


@pytest.fixture
def notes(client, make):
    """A patient with two labelled notes and a plain observation between them (the note
    derives from it, it from the secret one), written by a mental-health clinician."""
    headers = {**make.headers("mental_health"), "Content-Type": FHIR_JSON}

    def create(body: dict) -> str:
        response = client.post(f"/fhir/{body['resourceType']}", json=body, headers=headers)
        assert response.status_code == 201, response.text
        return response.json["id"]

    def derived(rid: str) -> list[dict]:
        return [{"reference": f"Observation/{rid}"}]

    pid = create({"resourceType": "Patient", "name": [{"family": "Labelperson"}]})
    secret = create(_note(pid))
    plain = create(_note(pid, labelled=False, derivedFrom=derived(secret)))
    note = create(_note(pid, derivedFrom=derived(plain)))
    return {"pid": pid, "note": note, "plain": plain, "secret": secret, "reader": headers}


# (name, method, path, body, what it needs): every write that touches the label
RESTRICTED_CALLS = [
    ("read", "GET", "Observation/{note}", None, HealthPermission.RESTRICTED_READ),
    ("vread", "GET", "Observation/{note}/_history/1", None, HealthPermission.RESTRICTED_READ),
    ("history", "GET", "Observation/{note}/_history", None, HealthPermission.RESTRICTED_READ),
    ("create labelled", "POST", "Observation", "labelled", HealthPermission.RESTRICTED_WRITE),
    ("update", "PUT", "Observation/{note}", "labelled", HealthPermission.RESTRICTED_WRITE),
    ("strip label", "PUT", "Observation/{note}", "plain", HealthPermission.RESTRICTED_WRITE),
    ("add label", "PUT", "Observation/{plain}", "labelled", HealthPermission.RESTRICTED_WRITE),
    ("delete", "DELETE", "Observation/{note}", None, HealthPermission.RESTRICTED_WRITE),
]


@pytest.mark.parametrize("role", READERS)
@pytest.mark.parametrize(("name", "method", "path", "body", "needed"), RESTRICTED_CALLS)
def test_restricted_label_matrix(client, make, notes, role, name, method, path, body, needed):
    """Role × call on a labelled resource: allowed exactly with the restricted permission;
    a refusal is a 403, audited under that permission, and changes nothing."""
    path = path.format(**notes)
    rid = path.split("/")[1] if "/" in path else None
    document = None
    if body is not None:
        document = _note(notes["pid"], labelled=body == "labelled", valueString="changed")
        if rid:
            document["id"] = rid
    headers = {**make.headers(role.value), "Content-Type": FHIR_JSON}
    before = {k: client.get(f"/fhir/Observation/{notes[k]}", headers=notes["reader"]).json
              for k in ("note", "plain")}  # fmt: skip
    response = client.open(f"/fhir/{path}", method=method, json=document, headers=headers)
    if role_has(role, needed):
        assert response.status_code in (200, 201, 204), (name, response.text)
        if method == "GET":
            assert notes["note"] in response.text and "synthetic note" in response.text
        return
    assert response.status_code == 403, (name, response.text)
    assert "synthetic note" not in response.text
    denied = last_event(needed.value)
    assert (denied.outcome, denied.subject_type) == ("denied", "Patient")
    assert denied.subject_id == notes["pid"]
    after = {k: client.get(f"/fhir/Observation/{notes[k]}", headers=notes["reader"]).json
             for k in ("note", "plain")}  # fmt: skip
    assert after == before
    listed = client.get(f"/fhir/Observation?patient={notes['pid']}", headers=notes["reader"])
    assert listed.json["total"] == 3  # no labelled note was created either


@pytest.mark.parametrize("role", READERS)
def test_restricted_resources_are_invisible_to_a_clinician_everywhere(client, make, notes, role):
    """Search, its count, _include, _revinclude, type and system history, $everything."""
    headers = make.headers(role.value)
    sees = role_has(role, HealthPermission.RESTRICTED_READ)
    pid, note, plain, secret = notes["pid"], notes["note"], notes["plain"], notes["secret"]

    def ids(path: str) -> set[str]:
        body = client.get(f"/fhir/{path}", headers=headers).json
        return {e["fullUrl"].rsplit("/", 1)[-1] for e in body.get("entry", [])}

    def total(path: str) -> int:
        return client.get(f"/fhir/{path}", headers=headers).json["total"]

    for path in (
        f"Observation?patient={pid}",
        f"Observation?_id={plain}&_revinclude=Observation:derived-from",
        f"Patient?_id={pid}&_revinclude=Observation:subject",
        "Observation/_history",
        "_history",
        f"Patient/{pid}/$everything",
    ):
        assert (note in ids(path)) is sees, path
    assert ids(f"Observation?patient={pid}") == ({note, plain, secret} if sees else {plain})
    include = f"Observation?_id={plain}&_include=Observation:derived-from"
    assert ids(include) == ({plain, secret} if sees else {plain})
    assert total(f"Observation?patient={pid}&_summary=count") == (3 if sees else 1)
    assert total(f"Observation?patient={pid}") == (3 if sees else 1)
    assert total(f"Patient/{pid}/$everything") == (4 if sees else 2)
    assert total("Observation/_history") == (3 if sees else 1)
    assert total("_history") == (4 if sees else 2)


# --- the legal-access log: who reads, writes and configures it --------------------------

LEGAL = {
    "read": CustodyPermission.LEGAL_READ,
    "write": CustodyPermission.LEGAL_WRITE,
    "configure": CustodyPermission.LEGAL_CONFIGURE,
    "consular": CustodyPermission.CONSULAR_MANAGE,
}
LEGAL_ROLES = {
    Role.OFFICER: {"read", "write"},
    Role.SUPERVISOR: {"read", "write", "configure"},
    Role.AUDITOR: {"read"},
    Role.RECORDS: {"read"},
    Role.ADMIN: {"configure", "consular"},
    Role.CLINICIAN: set(),
    Role.MENTAL_HEALTH: set(),
}


@pytest.mark.parametrize("role", list(Role))
def test_legal_access_permissions_by_role(app, role):
    """Officers and supervisors write entries, auditors (and records) read the reports,
    supervisors and admins set visiting hours and minimums, admins the consular list,
    clinicians none of it; every legal-access route is in the matrix above."""
    held = {name for name, permission in LEGAL.items() if role_has(role, permission)}
    assert held == LEGAL_ROLES[role]
    legal_routes = [r for r, _, endpoint, _ in routes(app) if endpoint.startswith("legal")]
    assert len(legal_routes) >= 14
