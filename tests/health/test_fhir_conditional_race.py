"""Parallel conditional creates over real HTTP against a real database: of 16 clients
posting the same Patient with the same If-None-Exist, exactly one creates it (201) and
the others get it (200, the same id); the same for transactions with
request.ifNoneExist. PostgreSQL: an advisory lock per condition; SQLite: the database
write lock taken before the match (`health.fhir.locks`)."""

from __future__ import annotations

import json
import threading
import urllib.error
import urllib.request
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
import sqlalchemy as sa

from core.db import db
from health.fhir import locks
from health.fhir.models import FhirResource
from tests.health.live import serve_fhir

REQUESTS = 16
SYSTEM = "urn:synthetic:race"


@pytest.fixture(scope="module")
def server() -> Iterator[dict[str, Any]]:
    with serve_fhir("fhir_race") as live:
        yield {"app": live.app, "base": live.base, "token": live.token}


def _patient(value: str) -> dict[str, Any]:
    return {
        "resourceType": "Patient",
        "identifier": [{"system": SYSTEM, "value": value}],
        "name": [{"family": "Racer", "given": ["Robin"]}],
        "gender": "other",
        "birthDate": "1991-02-03",
    }


def _post(server: dict, path: str, body: dict, headers: dict, start: threading.Barrier) -> Any:
    request = urllib.request.Request(
        f"{server['base']}/{path}".rstrip("/"),
        data=json.dumps(body).encode(),
        method="POST",
        headers={
            "Authorization": f"Bearer {server['token']}",
            "Content-Type": "application/fhir+json",
            **headers,
        },
    )
    start.wait(timeout=30)
    try:
        with urllib.request.urlopen(request, timeout=90) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as err:
        return err.code, json.loads(err.read() or b"{}")


def _race(server: dict, path: str, body: dict, headers: dict) -> list[Any]:
    start = threading.Barrier(REQUESTS)
    with ThreadPoolExecutor(REQUESTS) as pool:
        futures = [pool.submit(_post, server, path, body, headers, start) for _ in range(REQUESTS)]
        return [f.result() for f in futures]


def _stored(server: dict, value: str) -> list[str]:
    """Ids of the Patients whose text holds the identifier value (read from the table)."""
    with server["app"].app_context():
        rows = db.session.execute(
            sa.select(FhirResource.id, sa.cast(FhirResource.resource, sa.Text)).where(
                FhirResource.resource_type == "Patient"
            )
        ).all()
        db.session.remove()
    return [rid for rid, text in rows if f'"value":"{value}"' in text.replace(" ", "")]


def test_parallel_conditional_creates_make_one_patient(server):
    condition = {"If-None-Exist": f"identifier={SYSTEM}|p-1"}
    answers = _race(server, "Patient", _patient("p-1"), condition)
    statuses = Counter(status for status, _ in answers)
    assert statuses == Counter({201: 1, 200: REQUESTS - 1}), answers
    assert len({body["id"] for _, body in answers}) == 1
    assert _stored(server, "p-1") == [answers[0][1]["id"]]


def test_parallel_transactions_with_if_none_exist_make_one_patient(server):
    entry = {
        "resource": _patient("p-2"),
        "request": {"method": "POST", "url": "Patient", "ifNoneExist": f"identifier={SYSTEM}|p-2"},
    }
    bundle = {"resourceType": "Bundle", "type": "transaction", "entry": [entry]}
    answers = _race(server, "", bundle, {})
    assert {status for status, _ in answers} == {200}, answers
    responses = [body["entry"][0]["response"] for _, body in answers]
    assert Counter(r["status"] for r in responses) == Counter(
        {"201 Created": 1, "200 OK": REQUESTS - 1}
    )
    assert len({r["location"].split("/")[1] for r in responses}) == 1
    assert len(_stored(server, "p-2")) == 1


def test_the_lock_key_ignores_parameter_order():
    assert locks.normalised("Patient", "b=2&a=1") == locks.normalised("Patient", "Patient?a=1&b=2")
    one = locks.condition_key("Patient", f"identifier={SYSTEM}|x&gender=other")
    assert one == locks.condition_key("Patient", f"gender=other&identifier={SYSTEM}|x")
    assert one != locks.condition_key("Observation", f"identifier={SYSTEM}|x&gender=other")
    assert -(2**63) <= one < 2**63
