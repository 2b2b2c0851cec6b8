"""_include/_revinclude are capped per page (MAX_INCLUDES), and a page that was cut says
so in an OperationOutcome entry; $everything and history pages are capped by _count."""

from __future__ import annotations

import pytest

from core.db import unit_of_work
from health.fhir import search
from health.fhir.query import MAX_COUNT
from health.fhir.writes import Pending, write_many
from tests.health.conftest import observation, patient

CAP = 4


@pytest.fixture
def many(fhir, monkeypatch):
    """Two patients, six observations of the first and one of the second; a cap of 4."""
    first = fhir.create(patient())["id"]
    second = fhir.create(patient())["id"]
    observations = [fhir.create(observation(first))["id"] for _ in range(6)]
    observations.append(fhir.create(observation(second))["id"])
    monkeypatch.setattr(search, "MAX_INCLUDES", CAP)
    return {"first": first, "second": second, "observations": observations}


def _modes(body):
    modes: dict[str, list] = {}
    for entry in body.get("entry", []):
        modes.setdefault(entry["search"]["mode"], []).append(entry)
    return modes


def test_revinclude_is_cut_at_the_cap_and_the_page_says_so(fhir, many):
    body = fhir.get(f"Patient?_id={many['first']}&_revinclude=Observation:subject").json
    modes = _modes(body)
    assert [e["resource"]["id"] for e in modes["match"]] == [many["first"]]
    included = [e["resource"]["id"] for e in modes["include"]]
    assert len(included) == CAP and set(included) < set(many["observations"][:6])
    assert included == sorted(included)  # in id order: the same ones on every request
    [warning] = modes["outcome"]
    outcome = warning["resource"]
    assert outcome["resourceType"] == "OperationOutcome" and "fullUrl" not in warning
    [issue] = outcome["issue"]
    assert (issue["severity"], issue["code"]) == ("warning", "too-costly")
    assert f"at most {CAP} resources added by _include and _revinclude" in issue["diagnostics"]
    assert body["entry"][-1] is warning  # after the matches and includes
    assert body["total"] == 1  # the matches only


def test_the_cap_counts_each_included_resource_once(fhir, many, monkeypatch):
    """`subject` and `patient` find the same 7 observations of both patients: 7 distinct
    resources, counted once each against the cap."""
    both = f"{many['first']},{many['second']}"
    query = f"Patient?_id={both}&_revinclude=Observation:subject&_revinclude=Observation:patient"
    modes = _modes(fhir.get(query).json)
    ids = [e["resource"]["id"] for e in modes["include"]]
    assert len(ids) == len(set(ids)) == CAP and "outcome" in modes
    monkeypatch.setattr(search, "MAX_INCLUDES", 7)
    modes = _modes(fhir.get(query).json)
    assert sorted(e["resource"]["id"] for e in modes["include"]) == sorted(many["observations"])
    assert "outcome" not in modes


def test_a_page_within_the_cap_has_no_warning(fhir, many, monkeypatch):
    monkeypatch.setattr(search, "MAX_INCLUDES", 6)
    modes = _modes(fhir.get(f"Patient?_id={many['first']}&_revinclude=Observation:subject").json)
    assert len(modes["include"]) == 6 and "outcome" not in modes
    obs = many["observations"][0]
    modes = _modes(fhir.get(f"Observation?_id={obs}&_include=Observation:subject").json)
    assert [e["resource"]["id"] for e in modes["include"]] == [many["first"]]
    assert "outcome" not in modes


def test_the_capability_statement_states_the_caps(client):
    statement = client.get("/fhir/metadata").json["rest"][0]["documentation"]
    assert f"at most {search.MAX_INCLUDES} resources added by _include and _revinclude" in (
        statement
    )
    assert "search.mode outcome" in statement
    assert f"History and Patient/$everything pages hold at most {MAX_COUNT}" in statement


def test_everything_pages_are_capped_whatever_count_asks(app, fhir):
    pid = fhir.create(patient())["id"]
    pendings = [
        Pending("Observation", f"cap-{n:04d}", observation(pid), "PUT")
        for n in range(MAX_COUNT + 5)
    ]
    with unit_of_work():
        write_many(pendings)
    body = fhir.get(f"Patient/{pid}/$everything?_count=100000").json
    assert len(body["entry"]) == MAX_COUNT and body["total"] == MAX_COUNT + 6
    links = {link["relation"]: link["url"] for link in body["link"]}
    assert f"_count={MAX_COUNT}" in links["self"] and "_offset=1000" in links["next"]
