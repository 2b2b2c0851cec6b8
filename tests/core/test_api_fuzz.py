"""Property-based API checks (schemathesis + hypothesis) over /api/v1/openapi.json:
whatever the input, valid or not, every response is declared by the document, with its
declared status, content type, headers and body schema (errors included: `ErrorOut`),
never a 5xx; a method a path does not take is a 405 with `Allow`.

Example counts come from the hypothesis profile (tests/conftest.py): small in the suite,
a few hundred per operation in `.ci/run`'s fuzz step (CUSTODIA_HYPOTHESIS_PROFILE=ci-fuzz).
"""

from __future__ import annotations

from typing import Any

import pytest
import schemathesis
from hypothesis import given, settings
from hypothesis import strategies as st
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)
from schemathesis.generation import GenerationMode
from schemathesis.transport.wsgi import WSGI_TRANSPORT

from core import create_app
from core.api import ERROR_RESPONSES

_spec_app = create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://", "SECRET_KEY": "spec-only"})
SPEC = _spec_app.test_client().get("/api/v1/openapi.json").json
SCHEMA = schemathesis.openapi.from_dict(SPEC)
OPERATIONS = [result.ok() for result in SCHEMA.get_all_operations()]
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]
METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")


@pytest.fixture
def admin_headers(make):
    facility = make.facility(code="FUZZ01")
    make.unit(facility=facility)
    return make.headers("admin")


def send(client: Any, case: Any, headers: dict[str, str]) -> Any:
    """Send a schemathesis case (serialised as schemathesis would for its media type)
    through the suite's Flask test client (one request context each, as in production)."""
    return client.open(**WSGI_TRANSPORT.serialize_case(case, headers=headers))


def fuzz_settings(share: float = 1.0) -> settings:
    """The loaded profile's settings, with `share` of its examples."""
    return settings(max_examples=max(1, int(settings.default.max_examples * share)))


@pytest.mark.parametrize("operation", OPERATIONS, ids=lambda op: op.label)
def test_api_conforms_to_its_document(client, admin_headers, operation):
    """Valid and invalid input alike: every answer is one the document declares."""
    cases = st.one_of(
        operation.as_strategy(GenerationMode.POSITIVE),
        operation.as_strategy(GenerationMode.NEGATIVE),
    )

    @fuzz_settings()
    @given(case=cases)
    def run(case: Any) -> None:
        response = send(client, case, admin_headers)
        case.validate_response(response, checks=CHECKS)
        assert response.is_json, (case.method, case.formatted_path, response.status_code)

    run()


@pytest.mark.parametrize("operation", OPERATIONS, ids=lambda op: op.label)
def test_without_a_token_the_refusal_is_declared(client, operation):
    """No token: a declared 401 with `WWW-Authenticate` (public operations answer)."""

    @fuzz_settings(0.1)
    @given(case=operation.as_strategy())
    def run(case: Any) -> None:
        response = send(client, case, {})
        case.validate_response(response, checks=CHECKS)
        if SPEC["paths"][operation.path][operation.method.lower()].get("security") != []:
            assert response.status_code == 401
            assert response.headers["WWW-Authenticate"] == 'Bearer realm="custodia"'
            assert set(response.json) == {"message"}

    run()


@pytest.mark.parametrize("path", sorted(SPEC["paths"]))
def test_a_method_the_path_does_not_take_is_405_with_allow(client, admin_headers, path):
    declared = {m.upper() for m in SPEC["paths"][path] if m.upper() in METHODS}
    url = path.replace("{code}", "FUZZ01").replace("{set_code}", "X")
    for name in (
        "detainee_id",
        "booking_id",
        "unit_id",
        "bed_id",
        "placement_id",
        "rule_id",
        "transfer_id",
        "attorney_id",
    ):
        url = url.replace("{" + name + "}", "1")
    for method in sorted(set(METHODS) - declared):
        response = client.open(url, method=method, headers=admin_headers, json={})
        assert response.status_code == 405, (method, url)
        allowed = {m.strip() for m in response.headers["Allow"].split(",")}
        assert allowed - {"HEAD", "OPTIONS"} == declared, (method, url, allowed)
        assert response.is_json and set(response.json) == {"message"}


def test_every_operation_declares_the_platform_errors():
    """The errors core.web gives are declared on each operation, with the one body."""
    assert SPEC["components"]["responses"]["Error405"]["headers"]["Allow"]["required"]
    for path, item in SPEC["paths"].items():
        for method, operation in item.items():
            if method == "parameters":
                continue
            responses = operation["responses"]
            assert "default" not in responses, (method, path)  # a catch-all checks nothing
            public = operation.get("security") == []
            expected = {"503"} | ({"429"} if public else {"401", "403"})
            if method in ("post", "put", "patch", "delete"):
                expected |= {"400", "409", "413", "422"}
            assert expected <= set(responses), (method, path, sorted(responses))
            assert not [s for s in responses if s.startswith("5") and s != "503"]
    assert set(ERROR_RESPONSES) == {"400", "401", "403", "404", "409", "413", "422", "429", "503"}


def test_a_conflict_body_conforms(client, admin_headers):
    """A 409 carries `field` (and others `rule`, `existing_id`): declared, so it conforms."""
    operation = SCHEMA["/api/v1/facilities"]["POST"]
    body = {
        "code": "FUZZ01",
        "name": "Fuzz Processing Center",
        "address_line": "1 Example Road",
        "city": "Town",
        "state": "TX",
        "postal_code": "78000",
        "phone": "(210) 555-0100",
        "field_office": "SNA",
        "facility_type": "SPC",
        "time_zone": "America/Chicago",
        "standards_set": "PBNDS-2011-R2016",
    }
    case = operation.Case(body=body, media_type="application/json")
    response = send(client, case, admin_headers)
    assert response.status_code == 409 and response.json["field"] == "code"
    case.validate_response(response, checks=CHECKS)
