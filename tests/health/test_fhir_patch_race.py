"""Parallel PATCHes and conditional updates over real HTTP against a real database:
of 16 PATCHes with the same If-Match one wins and fifteen get 412; 16 PATCHes without
If-Match are applied one after the other (none lost); 16 conditional updates on a
condition nothing matches create one resource (the others update it)."""

from __future__ import annotations

import json
import threading
import urllib.error
import urllib.request
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from tests.health import test_fhir_conditional_race as race

REQUESTS, SYSTEM = race.REQUESTS, race.SYSTEM
_patient, _stored = race._patient, race._stored
server = race.server  # the module's fixture: its own server and database


def _send(
    server: dict, method: str, path: str, body: Any, headers: dict, start: threading.Barrier
) -> tuple[int, Any]:
    request = urllib.request.Request(
        f"{server['base']}/{path}",
        data=json.dumps(body).encode(),
        method=method,
        headers={"Authorization": f"Bearer {server['token']}", **headers},
    )
    start.wait(timeout=30)
    try:
        with urllib.request.urlopen(request, timeout=90) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as err:
        return err.code, json.loads(err.read() or b"{}")


def _race(server: dict, method: str, path: str, bodies: list[Any], headers: dict) -> list[Any]:
    start = threading.Barrier(len(bodies))
    with ThreadPoolExecutor(len(bodies)) as pool:
        futures = [
            pool.submit(_send, server, method, path, body, headers, start) for body in bodies
        ]
        return [f.result() for f in futures]


def _create(server: dict, value: str) -> str:
    status, body = _race(
        server, "POST", "Patient", [_patient(value)], {"Content-Type": "application/fhir+json"}
    )[0]
    assert status == 201, body
    return str(body["id"])


def _read(server: dict, path: str) -> dict[str, Any]:
    return _race(server, "GET", path, [None], {})[0][1]


PATCH = {"Content-Type": "application/json-patch+json"}


def test_parallel_patches_with_one_if_match_one_wins(server):
    pid = _create(server, "patch-1")
    bodies = [[{"op": "replace", "path": "/name/0/family", "value": f"R{n}"}] for n in range(16)]
    answers = _race(server, "PATCH", f"Patient/{pid}", bodies, {**PATCH, "If-Match": 'W/"1"'})
    assert Counter(status for status, _ in answers) == Counter({200: 1, 412: REQUESTS - 1})
    (winner,) = [body for status, body in answers if status == 200]
    current = _read(server, f"Patient/{pid}")
    assert current["meta"]["versionId"] == "2"
    assert current["name"][0]["family"] == winner["name"][0]["family"]


def test_parallel_patches_without_if_match_lose_nothing(server):
    pid = _create(server, "patch-2")
    bodies = [[{"op": "add", "path": "/name/0/given/-", "value": f"G{n}"}] for n in range(16)]
    answers = _race(server, "PATCH", f"Patient/{pid}", bodies, PATCH)
    assert {status for status, _ in answers} == {200}, answers
    current = _read(server, f"Patient/{pid}")
    assert current["meta"]["versionId"] == str(REQUESTS + 1)
    assert sorted(current["name"][0]["given"]) == sorted(["Robin", *(f"G{n}" for n in range(16))])


def test_parallel_conditional_updates_create_one_resource(server):
    path = f"Patient?identifier={SYSTEM}|cu-race"
    bodies = [_patient("cu-race") for _ in range(REQUESTS)]
    answers = _race(server, "PUT", path, bodies, {"Content-Type": "application/fhir+json"})
    assert Counter(status for status, _ in answers) == Counter({201: 1, 200: REQUESTS - 1})
    assert len({body["id"] for _, body in answers}) == 1
    assert len(_stored(server, "cu-race")) == 1
