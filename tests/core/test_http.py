"""HTTP basics: health check, JSON errors, the generated OpenAPI document, headers."""

from __future__ import annotations

import pytest

from core.web import SECURITY_HEADERS


def test_healthz_without_login(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json == {"status": "ok", "database": "ok"}


def test_api_unknown_path_is_json_404(client, make):
    response = client.get("/api/v1/nope", headers=make.headers())
    assert response.status_code == 404
    assert response.is_json and response.json["message"]


def test_api_wrong_method_is_json_405(client, make):
    response = client.delete("/api/v1/facilities", headers=make.headers("admin"))
    assert response.status_code == 405
    assert response.is_json and response.json["message"]


def test_api_validation_error_names_fields(client, make):
    response = client.post(
        "/api/v1/facilities", headers=make.headers("admin"), json={"code": "x", "state": "Texas"}
    )
    assert response.status_code == 422
    body = response.json
    assert body["message"]
    assert {"code", "state", "name", "field_office"} <= set(body["errors"])


def test_api_malformed_json_is_a_4xx_json(client, make):
    response = client.post(
        "/api/v1/facilities",
        headers={**make.headers("admin"), "Content-Type": "application/json"},
        data="{not json",
    )
    assert 400 <= response.status_code < 500
    assert response.is_json and response.json["message"]
    assert "Traceback" not in response.text


def test_page_404_is_html(client):
    response = client.get("/no-such-page", headers={"X-Request-ID": "abc123def456"})
    assert response.status_code == 404
    assert response.mimetype == "text/html"
    assert "abc123def456" in response.text  # the user can quote it
    assert response.headers["X-Request-ID"] == "abc123def456"


def test_openapi_is_generated_from_schemas(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    spec = response.json
    assert spec["info"]["title"] == "Custodia API"
    assert "/api/v1/facilities" in spec["paths"]
    assert "/api/v1/facilities/{code}/beds" in spec["paths"]
    schemas = spec["components"]["schemas"]
    assert "code" in schemas["FacilityOut"]["properties"]
    assert "required" in schemas["FacilityIn"]
    error = schemas["ErrorOut"]
    assert error["required"] == ["message"] and error["additionalProperties"] is False
    assert set(error["properties"]) == {
        "message",
        "errors",
        "field",
        "rule",
        "rules",
        "existing_id",
        "duplicates",
    }
    assert spec["components"]["securitySchemes"]["bearer"]["scheme"] == "bearer"


@pytest.mark.parametrize("booking_id", ["0", "007", "2147483648", "6759285471972434989023232"])
def test_an_id_out_of_range_is_404_not_a_siblings_405(client, make, booking_id):
    """GET and POST share the path: an id no route takes is a 404, not a 405 naming POST."""
    response = client.get(f"/api/v1/bookings/{booking_id}/housing", headers=make.headers())
    assert response.status_code == 404 and "Allow" not in response.headers
    assert set(response.json) == {"message"}


def test_security_headers_on_pages_and_api(client, make):
    for response in (
        client.get("/login"),
        client.get("/api/v1/facilities"),
        client.get("/healthz"),
    ):
        for name, value in SECURITY_HEADERS.items():
            assert response.headers[name] == value
    csp = SECURITY_HEADERS["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in csp
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp


def test_no_inline_script_in_pages(client, make):
    make.login(client, role="admin")
    for path in ("/login", "/dashboard"):
        html = client.get(path).text
        assert "<script>" not in html and "onclick=" not in html and "style=" not in html


def test_assets_served_by_the_app(client):
    response = client.get("/static/vendor/uswds/css/uswds.min.css")
    assert response.status_code == 200
    assert "usa-" in response.get_data(as_text=True)[:200000]
    response.close()


def test_print_stylesheet_linked(client):
    html = client.get("/login").text
    assert 'media="print"' in html


def test_dashboards_differ_by_role(client, make):
    make.facility()
    make.login(client, role="auditor")
    auditor = client.get("/dashboard").text
    assert "Auditor dashboard" in auditor and "Denied attempts, last 24 h" in auditor
    assert "Latest audit entries" in auditor and "Locked accounts" not in auditor
    client.post("/logout", data={"csrf_token": _token(client)})
    make.login(client, role="admin")
    admin = client.get("/dashboard").text
    assert "Locked accounts" in admin and "Latest audit entries" not in admin
    client.post("/logout", data={"csrf_token": _token(client)})
    make.login(client, role="officer")
    officer = client.get("/dashboard").text
    assert "Officer dashboard" in officer
    assert "Locked accounts" not in officer and "Latest audit entries" not in officer


def _token(client):
    from tests.helpers import csrf_token

    return csrf_token(client.get("/dashboard").text)
