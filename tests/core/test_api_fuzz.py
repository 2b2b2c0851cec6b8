"""Property-based API checks (schemathesis + hypothesis): whatever the input, the API
answers 2xx/4xx with a JSON body, never a 5xx or an HTML page."""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis.core import NOT_SET

from core import create_app

_spec_app = create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://", "SECRET_KEY": "spec-only"})
SCHEMA = schemathesis.openapi.from_dict(_spec_app.test_client().get("/api/v1/openapi.json").json)
OPERATIONS = [result.ok() for result in SCHEMA.get_all_operations()]


@pytest.fixture
def admin_headers(make):
    facility = make.facility(code="FUZZ01")
    make.unit(facility=facility)
    return make.headers("admin")


@pytest.mark.parametrize("operation", OPERATIONS, ids=lambda op: op.label)
def test_api_never_errors(client, admin_headers, operation):
    @settings(max_examples=30, deadline=None, suppress_health_check=list(HealthCheck))
    @given(data=st.data())
    def run(data: st.DataObject) -> None:
        case = data.draw(operation.as_strategy())
        response = client.open(
            case.formatted_path,
            method=case.method,
            query_string=case.query or None,
            json=case.body if case.body is not NOT_SET else None,
            headers=admin_headers,
        )
        assert response.status_code < 500, (case.method, case.formatted_path, case.body)
        assert response.is_json, (case.method, case.formatted_path, response.status_code)

    run()
