"""Fixtures for the FHIR tests: a clinician's headers and a small FHIR client."""

from __future__ import annotations

import json
from typing import Any

import pytest

FHIR = "application/fhir+json"


class Fhir:
    """Calls /fhir with a bearer token; bodies are FHIR JSON."""

    def __init__(self, client: Any, headers: dict[str, str]) -> None:
        self.client = client
        self.headers = {**headers, "Accept": FHIR}

    def _send(self, method: str, path: str, body: Any = None, **headers: str) -> Any:
        data = None if body is None else (body if isinstance(body, str) else json.dumps(body))
        all_headers = {**self.headers, **headers}
        if data is not None:
            all_headers.setdefault("Content-Type", FHIR)
        return self.client.open(
            "/fhir/" + path.lstrip("/"), method=method, data=data, headers=all_headers
        )

    def get(self, path: str, **headers: str) -> Any:
        return self._send("GET", path, **headers)

    def post(self, path: str, body: Any, **headers: str) -> Any:
        return self._send("POST", path, body, **headers)

    def put(self, path: str, body: Any, **headers: str) -> Any:
        return self._send("PUT", path, body, **headers)

    def delete(self, path: str, **headers: str) -> Any:
        return self._send("DELETE", path, **headers)

    def create(self, body: dict[str, Any]) -> dict[str, Any]:
        response = self.post(body["resourceType"], body)
        assert response.status_code == 201, response.text
        return response.json


@pytest.fixture
def fhir(client, make) -> Fhir:
    return Fhir(client, make.headers("clinician"))


@pytest.fixture
def mh_fhir(client, make) -> Fhir:
    """A mental-health clinician: also reads and writes resources labelled restricted."""
    return Fhir(client, make.headers("mental_health"))


def patient(**extra: Any) -> dict[str, Any]:
    """A synthetic patient."""
    return {
        "resourceType": "Patient",
        "identifier": [{"system": "https://custodia.dev/fhir/sid/a-number", "value": "900000001"}],
        "name": [{"family": "Testperson", "given": ["Alex"]}],
        "gender": "female",
        "birthDate": "1990-04-01",
        **extra,
    }


def observation(patient_id: str, **extra: Any) -> dict[str, Any]:
    return {
        "resourceType": "Observation",
        "status": "final",
        "code": {"coding": [{"system": "http://loinc.org", "code": "8867-4"}], "text": "HR"},
        "subject": {"reference": f"Patient/{patient_id}"},
        "effectiveDateTime": "2026-03-04T10:00:00Z",
        "valueQuantity": {
            "value": 72.50,
            "unit": "/min",
            "system": "http://unitsofmeasure.org",
            "code": "/min",
        },
        **extra,
    }


def assert_outcome(response: Any, status: int, expression: str | None = None) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.mimetype == FHIR
    body = response.json
    assert body["resourceType"] == "OperationOutcome"
    assert body["issue"] and body["issue"][0]["severity"] == "error"
    if expression is not None:
        found = [e for issue in body["issue"] for e in issue.get("expression", [])]
        assert expression in found, found
    return body
