"""Issue 12, point 2: chaining, `_has`, `:missing`, `_include:iterate` and `*`,
compartment search and system search — through the search service, so facility scope,
restricted labels and audit hold on each."""

from __future__ import annotations

from typing import Any

import pytest

from tests.health.conftest import Fhir, assert_outcome, observation, patient
from tests.health.test_fhir_scope import World
from tests.helpers import events, last_event

CONFIDENTIALITY = "http://terminology.hl7.org/CodeSystem/v3-Confidentiality"


def _ids(bundle: dict[str, Any], mode: str | None = None) -> set[str]:
    return {
        e["resource"]["id"]
        for e in bundle.get("entry", [])
        if "resource" in e and (mode is None or e["search"]["mode"] == mode)
    }


def _keys(bundle: dict[str, Any], mode: str) -> set[str]:
    return {
        f"{e['resource']['resourceType']}/{e['resource']['id']}"
        for e in bundle.get("entry", [])
        if e["search"]["mode"] == mode
    }


class People:
    """Jast (two Observations, an Encounter) and Okuneva (one Observation, no gender);
    an Organization manages Jast."""

    def __init__(self, fhir: Fhir) -> None:
        self.org = fhir.create({"resourceType": "Organization", "name": "Synthetic Clinic"})["id"]
        self.jast = fhir.create(
            patient(
                name=[{"family": "Jast", "given": ["Ana"]}],
                identifier=[{"system": "urn:test", "value": "J-1"}],
                birthDate="1980-02-03",
                managingOrganization={"reference": f"Organization/{self.org}"},
            )
        )["id"]
        okuneva = patient(
            name=[{"family": "Okuneva", "given": ["Bo"]}],
            identifier=[{"system": "urn:test", "value": "O-2"}],
            birthDate="1991-07-08",
        )
        del okuneva["gender"]
        self.okuneva = fhir.create(okuneva)["id"]
        self.enc = fhir.create(
            {
                "resourceType": "Encounter",
                "status": "finished",
                "class": {
                    "system": "http://terminology.hl7.org/CodeSystem/v3-ActCode",
                    "code": "AMB",
                },
                "subject": {"reference": f"Patient/{self.jast}"},
            }
        )["id"]
        self.jast_obs = {
            fhir.create(observation(self.jast, encounter={"reference": f"Encounter/{self.enc}"}))[
                "id"
            ],
            fhir.create(observation(self.jast))["id"],
        }
        other = observation(self.okuneva)
        other["code"]["coding"][0]["code"] = "1234-5"
        self.okuneva_obs = fhir.create(other)["id"]
        tagged = observation(self.okuneva, meta={"tag": [{"system": "urn:t", "code": "chain"}]})
        tagged["code"]["coding"][0]["code"] = "2708-6"
        self.tagged = fhir.create(tagged)["id"]


@pytest.fixture
def people(fhir) -> People:
    return People(fhir)


def _search_lenient(fhir: Fhir, path: str) -> dict[str, Any]:
    response = fhir.get(path, Prefer="handling=lenient")
    assert response.status_code == 200, response.text
    return response.json


def _search(fhir: Fhir, path: str) -> dict[str, Any]:
    response = fhir.get(path)
    assert response.status_code == 200, response.text
    return response.json


@pytest.mark.parametrize(
    "query",
    [
        "subject:Patient.name=Jast",
        "subject.name=jast",
        "patient.name=Jast",
        "patient.identifier=urn:test|J-1",
        "patient.birthdate=1980-02-03",
        "subject:Patient._id={jast}",
    ],
)
def test_chain_finds_only_that_patients_observations(fhir, people, query):
    bundle = _search(fhir, "Observation?" + query.format(jast=people.jast))
    assert _ids(bundle) == people.jast_obs
    assert bundle["total"] == 2
    assert "Observation?" in bundle["link"][0]["url"]


def test_chain_by_identifier_and_birthdate_of_the_other_patient(fhir, people):
    assert _ids(_search(fhir, "Observation?patient.identifier=urn:test|O-2")) == {
        people.okuneva_obs,
        people.tagged,
    }
    assert _ids(_search(fhir, "Encounter?subject.birthdate=1980")) == {people.enc}
    assert _ids(_search(fhir, "Encounter?subject.birthdate=1991")) == set()
    assert _ids(_search(fhir, "Observation?patient.identifier=urn:test|none")) == set()


@pytest.mark.parametrize(
    "query",
    [
        "subject.nosuch=1",
        "code.name=x",
        "subject:Nowhere.name=x",
        "subject:Patient.organization.name=x",
        "subject:Patient.birthdate=notadate",
        "_has:Observation:patient=1",
        "_has:Observation:code:code=1",
        "_has:Nowhere:patient:code=1",
        "gender:missing=maybe",
    ],
)
def test_bad_chains_are_400(fhir, people, query):
    path = "Patient?" if query.startswith(("_has", "gender")) else "Observation?"
    assert_outcome(fhir.get(path + query), 400)


def test_has_finds_the_patients_with_such_observations(fhir, people):
    assert _ids(_search(fhir, "Patient?_has:Observation:patient:code=1234-5")) == {people.okuneva}
    assert _ids(_search(fhir, "Patient?_has:Observation:patient:code=8867-4")) == {people.jast}
    assert _ids(_search(fhir, "Patient?_has:Observation:subject:code=http://loinc.org|")) == {
        people.jast,
        people.okuneva,
    }
    assert _ids(_search(fhir, "Patient?_has:Encounter:patient:status=finished")) == {people.jast}
    assert _ids(_search(fhir, "Patient?_has:Observation:patient:code=0000-0")) == set()


def test_missing_both_ways(fhir, people):
    assert _ids(_search(fhir, "Patient?gender:missing=true")) == {people.okuneva}
    assert _ids(_search(fhir, "Patient?gender:missing=false")) == {people.jast}
    assert _ids(_search(fhir, "Patient?organization:missing=false")) == {people.jast}
    with_encounter = _ids(_search(fhir, f"Observation?encounter=Encounter/{people.enc}"))
    assert len(with_encounter) == 1
    assert (
        _ids(_search(fhir, "Observation?encounter:missing=true"))
        == (people.jast_obs | {people.okuneva_obs, people.tagged}) - with_encounter
    )
    assert len(_ids(_search(fhir, "Observation?encounter:missing=false"))) == 1
    assert _ids(_search(fhir, "Patient?birthdate:missing=true")) == set()
    assert _ids(_search(fhir, "Observation?subject:Patient.gender:missing=true")) == {
        people.okuneva_obs,
        people.tagged,
    }
    assert _ids(_search(fhir, "Patient?_has:Observation:patient:encounter:missing=false")) == {
        people.jast
    }


def test_include_iterate_reaches_one_level_further(fhir, people):
    plain = _search(fhir, f"Observation?patient=Patient/{people.jast}&_include=Observation:patient")
    assert _keys(plain, "include") == {f"Patient/{people.jast}"}
    iterated = _search(
        fhir,
        f"Observation?patient=Patient/{people.jast}&_include=Observation:patient"
        "&_include:iterate=Patient:organization",
    )
    assert _keys(iterated, "include") == {f"Patient/{people.jast}", f"Organization/{people.org}"}
    assert "_include%3Aiterate=Patient%3Aorganization" in iterated["link"][0]["url"]


def test_revinclude_iterate(fhir, people):
    bundle = _search(
        fhir,
        f"Encounter?_id={people.enc}&_include=Encounter:subject"
        "&_revinclude:iterate=Observation:patient",
    )
    assert _keys(bundle, "include") == {f"Patient/{people.jast}"} | {
        f"Observation/{i}" for i in people.jast_obs
    }


def test_include_star_takes_every_reference(fhir, people):
    obs = next(iter(_ids(_search(fhir, f"Observation?encounter=Encounter/{people.enc}"))))
    bundle = _search(fhir, f"Observation?_id={obs}&_include=*")
    assert _keys(bundle, "include") == {f"Patient/{people.jast}", f"Encounter/{people.enc}"}
    typed = _search(fhir, f"Observation?_id={obs}&_include=Observation:*")
    assert _keys(typed, "include") == _keys(bundle, "include")
    assert fhir.get("Observation?_include=Patient:*").status_code == 400
    iterated = _search(fhir, f"Observation?_id={obs}&_include=*&_include:iterate=*")
    assert _keys(iterated, "include") == _keys(bundle, "include") | {f"Organization/{people.org}"}
    assert fhir.get("Observation?_include=Observation:nosuch").status_code == 400


def test_iterate_within_the_page_cap(fhir, people, monkeypatch):
    monkeypatch.setattr("health.fhir.search.MAX_INCLUDES", 1)
    bundle = _search(
        fhir,
        f"Observation?patient=Patient/{people.jast}&_include=Observation:patient"
        "&_include:iterate=Patient:organization",
    )
    assert _keys(bundle, "include") == {f"Patient/{people.jast}"}
    assert bundle["entry"][-1]["search"]["mode"] == "outcome"


def test_compartment_search(fhir, people):
    bundle = _search(fhir, f"Patient/{people.jast}/Observation")
    assert _ids(bundle) == people.jast_obs
    assert (
        bundle["link"][0]["url"].split("/fhir/")[1].startswith(f"Patient/{people.jast}/Observation")
    )
    first = _search(fhir, f"Patient/{people.jast}/Observation?_count=1")
    nxt = next(x["url"] for x in first["link"] if x["relation"] == "next")
    assert nxt.split("/fhir/", 1)[1].startswith(f"Patient/{people.jast}/Observation?")
    second = _search(fhir, nxt.split("/fhir/", 1)[1])
    assert _ids(first) | _ids(second) == people.jast_obs and len(_ids(second)) == 1
    narrowed = _search(fhir, f"Patient/{people.okuneva}/Observation?code=1234-5")
    assert _ids(narrowed) == {people.okuneva_obs}
    assert _ids(_search(fhir, f"Patient/{people.okuneva}/Observation?code=8867-4")) == set()
    assert _ids(_search(fhir, f"Patient/{people.jast}/Encounter")) == {people.enc}
    assert fhir.get("Patient/nobody/Observation").status_code == 404
    assert fhir.get(f"Patient/{people.jast}/_history").status_code == 200
    assert fhir.get(f"Patient/{people.jast}/$everything").status_code == 200
    event = last_event("health:fhir:search")
    assert (event.subject_type, event.subject_id) == ("Patient", people.jast)


def test_system_search(fhir, people):
    ids = f"{people.jast},{people.enc},{people.org}"
    bundle = _search(fhir, f"?_type=Patient,Encounter&_id={ids}")
    assert _keys(bundle, "match") == {f"Patient/{people.jast}", f"Encounter/{people.enc}"}
    assert bundle["total"] == 2
    everything = _search(fhir, "?_type=Patient,Observation&_count=2")
    assert everything["total"] == 6 and len(everything["entry"]) == 2
    nxt = [link["url"] for link in everything["link"] if link["relation"] == "next"]
    assert nxt and "_offset=2" in nxt[0]
    pages, url = [], nxt[0]
    while url:
        page = _search(fhir, url.split("/fhir/", 1)[1])
        pages.append(_keys(page, "match"))
        url = next((x["url"] for x in page["link"] if x["relation"] == "next"), "")
    seen = _keys(everything, "match").union(*pages)
    assert len(seen) == 6 and sum(map(len, pages)) == 4
    assert f"Patient/{people.jast}" in seen and f"Observation/{people.tagged}" in seen
    assert _search(fhir, "?_type=Patient&_lastUpdated=gt2000-01-01")["total"] == 2
    tagged = _search(fhir, "?_type=Patient,Observation&_tag=urn:t|chain")
    assert _keys(tagged, "match") == {f"Observation/{people.tagged}"}
    untagged = _search(fhir, "?_type=Observation&_tag:not=urn:t|chain")
    assert _ids(untagged) == people.jast_obs | {people.okuneva_obs}
    assert fhir.get("?_type=Patient&_id:missing=true").status_code == 400
    assert_outcome(fhir.get("?_type=Patient&name=Jast"), 400, "name")
    lenient = _search_lenient(fhir, "?_type=Patient&name=Nobody&_id=" + people.jast)
    assert _keys(lenient, "match") == {f"Patient/{people.jast}"}
    [outcome] = [e["resource"] for e in lenient["entry"] if e["search"]["mode"] == "outcome"]
    assert outcome["issue"][0]["expression"] == ["name"]
    assert "name=" not in lenient["link"][0]["url"]
    assert fhir.get("?_type=Nowhere").status_code in (400, 404)


# --- facility scope and restricted labels -------------------------------------------


@pytest.fixture
def world(client, make) -> World:
    return World(client, make)


def test_chain_and_has_stay_within_reach(world):
    scoped = world.scoped
    for pid, expected in ((world.here, {world.obs["here"]}), (world.there, set())):
        bundle = _search(scoped, f"Observation?subject:Patient._id={pid}")
        assert _ids(bundle) == expected
    found = _search(scoped, "Patient?_has:Observation:patient:code=8867-4")
    assert _ids(found) == {world.here, world.left}
    everyone = _search(world.everyone, "Patient?_has:Observation:patient:code=8867-4")
    assert {world.here, world.left, world.there} <= _ids(everyone)


def test_compartment_search_refuses_another_facilitys_patient(world):
    response = world.scoped.get(f"Patient/{world.there}/Observation")
    assert response.status_code == 403
    assert world.there not in response.text
    denied = last_event(outcome="denied")
    assert (denied.subject_type, denied.subject_id) == ("Patient", world.there)
    allowed = _search(world.scoped, f"Patient/{world.here}/Observation")
    assert _ids(allowed) == {world.obs["here"]}
    assert _ids(_search(world.scoped, f"Patient/{world.left}/Observation")) == {world.obs["left"]}


def test_system_search_within_reach(world):
    everyone = _search(world.everyone, "?_type=Patient,Observation&_count=100")
    mine = _search(world.scoped, "?_type=Patient,Observation&_count=100")
    assert {world.there, world.obs["there"]} <= _ids(everyone)
    assert _ids(mine) == {world.here, world.left, world.obs["here"], world.obs["left"]}
    assert mine["total"] == 4
    audited = {e.subject_id for e in events("health:fhir:search", outcome="success")}
    assert {world.here, world.left} <= audited


def test_chain_ignores_restricted_targets_for_those_who_may_not_see_them(fhir, mh_fhir):
    hidden = mh_fhir.create(
        patient(
            name=[{"family": "Hidden"}],
            meta={"security": [{"system": CONFIDENTIALITY, "code": "R"}]},
        )
    )["id"]
    obs = mh_fhir.create(observation(hidden))["id"]
    assert _ids(_search(mh_fhir, "Observation?patient.name=Hidden")) == {obs}
    assert _ids(_search(fhir, "Observation?patient.name=Hidden")) == set()
    assert _ids(_search(fhir, "Patient?_has:Observation:patient:_id=" + obs)) == set()


def test_has_does_not_look_into_observations_out_of_reach(world):
    """A practitioner (shared, in no compartment) is found by `_has` only through
    Observations the scoped user may read: nothing of the other facility's patient."""
    doctor = world.everyone.create({"resourceType": "Practitioner", "name": [{"family": "Doc"}]})
    there = observation(world.there, performer=[{"reference": f"Practitioner/{doctor['id']}"}])
    there["code"]["coding"][0]["code"] = "9999-9"
    world.everyone.create(there)
    query = "Practitioner?_has:Observation:performer:code=9999-9"
    assert _ids(_search(world.everyone, query)) == {doctor["id"]}
    assert _ids(_search(world.scoped, query)) == set()
    chained = f"Observation?performer:Practitioner._id={doctor['id']}"
    assert len(_ids(_search(world.everyone, chained))) == 1
    assert _ids(_search(world.scoped, chained)) == set()


def test_capability_statement_states_what_search_supports(client):
    body = client.get("/fhir/metadata").json
    rest = body["rest"][0]
    resources = {r["type"]: r for r in rest["resource"]}
    assert {"*", "Observation:*", "Observation:patient"} <= set(
        resources["Observation"]["searchInclude"]
    )
    assert "search-system" in {i["code"] for i in rest["interaction"]}
    assert rest["compartment"] == ["http://hl7.org/fhir/CompartmentDefinition/patient"]
    assert {"_id", "_lastUpdated", "_tag"} <= {p["name"] for p in rest["searchParam"]}
    for feature in ("chaining", "_has", ":missing", "_include:iterate", "Patient/{id}/{type}"):
        assert feature in rest["documentation"], feature
