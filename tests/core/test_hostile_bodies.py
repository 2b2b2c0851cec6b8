"""Hostile bodies and protocol details answered as such: a JSON body nested ~100,000
levels deep is a 400 on the API (JSON) and on FHIR (OperationOutcome) instead of a 500
from a RecursionError; a 405 says which methods are allowed; production sends HSTS."""

from __future__ import annotations

import json

import pytest

from core import bodies
from core.bodies import MAX_JSON_DEPTH, json_depth
from tests.conftest import PRODUCTION_HOSTS, PRODUCTION_OVERRIDES, make_app

DEEP = "[" * 100_000


def test_depth_counts_brackets_outside_strings_only():
    assert json_depth(b'{"a": [1, {"b": "[[[[{{{{"}]}') == 3
    assert json_depth(b'"\\"[[["') == 0
    assert json_depth(("[" * 500).encode(), limit=10) == 11  # stops counting past the limit


@pytest.mark.parametrize("path", ["/api/v1/detainees", "/api/v1/bookings"])
def test_a_deep_body_is_a_400_on_the_api(client, make, path):
    response = client.post(
        path, data=DEEP, headers={**make.headers("officer"), "Content-Type": "application/json"}
    )
    assert response.status_code == 400, response.text[:200]
    assert "nested more than" in response.json["message"]


def test_a_deep_body_is_a_400_operation_outcome_on_fhir(client, make):
    nested: object = "x"
    for _ in range(MAX_JSON_DEPTH + 5):
        nested = [nested]
    body = json.dumps({"resourceType": "Patient", "extension": nested})
    response = client.post(
        "/fhir/Patient",
        data=body,
        headers={**make.headers("clinician"), "Content-Type": "application/fhir+json"},
    )
    assert response.status_code == 400
    outcome = response.json
    assert outcome["resourceType"] == "OperationOutcome"
    assert "nested more than" in json.dumps(outcome)


def test_a_body_within_the_limit_reaches_validation(client, make):
    response = client.post(
        "/api/v1/detainees",
        json={"a_number": "12", "family_name": "A", "given_name": "B"},
        headers=make.headers("officer"),
    )
    assert response.status_code == 422  # the service's own answer, not the depth check


def test_the_depth_check_scans_a_large_bundle_quickly():
    entry = {"resource": {"resourceType": "Observation", "code": {"coding": [{"code": "x"}]}}}
    body = json.dumps({"resourceType": "Bundle", "entry": [entry] * 5000}).encode()
    assert bodies.json_depth(body) == 7  # Bundle, entry, entry, resource, code, coding, coding


def test_405_names_the_allowed_methods(client, make):
    response = client.delete("/api/v1/facilities", headers=make.headers("admin"))
    assert response.status_code == 405
    allowed = {m.strip() for m in response.headers["Allow"].split(",")}
    assert {"GET", "POST"} <= allowed and "DELETE" not in allowed
    page = client.put("/login")
    assert page.status_code == 405 and "POST" in page.headers["Allow"]


def test_production_sends_hsts_and_development_does_not(client):
    assert "Strict-Transport-Security" not in client.get("/healthz").headers
    nowhere = "postgresql+psycopg://nobody@127.0.0.1:1/none"  # never connected to
    app = make_app(nowhere, **PRODUCTION_OVERRIDES, SECRET_KEY="x" * 64)
    response = app.test_client().get("/login", base_url="https://" + PRODUCTION_HOSTS)
    assert response.headers["Strict-Transport-Security"].startswith("max-age=63072000")


def test_405_on_fhir_names_the_allowed_methods(client, make):
    response = client.patch("/fhir/metadata", headers=make.headers("clinician"))
    assert response.status_code == 405
    assert response.json["resourceType"] == "OperationOutcome"
    assert "GET" in response.headers["Allow"]


def test_a_body_over_the_size_limit_is_a_413(app, client, make):
    too_big = b"[" + b"1," * (app.config["MAX_CONTENT_LENGTH"] // 2) + b"1]"
    response = client.post(
        "/api/v1/detainees",
        data=too_big,
        headers={**make.headers("officer"), "Content-Type": "application/json"},
    )
    assert response.status_code == 413 and response.json["message"]
