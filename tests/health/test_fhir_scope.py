"""Facility scope on /fhir (issue 11, point 1): a clinician limited to one facility reads
the records of people held there now or before, writes only for people held there now,
and learns nothing of anyone else — whatever the path: read, vread, history at every
level, search and its counts, _include/_revinclude, $everything, conditional create,
create, update, delete, batch and transaction entries."""

from __future__ import annotations

import pytest

from core.actor import Actor
from custody.releases.inputs import ReleaseIn
from custody.releases.services import release_booking
from health.fhir.link import patient_id_of
from tests.health.conftest import Fhir
from tests.helpers import events, last_event


def observation(patient_id: str, value: float = 80.0, **extra: object) -> dict:
    return {
        "resourceType": "Observation",
        "status": "final",
        "code": {"coding": [{"system": "http://loinc.org", "code": "8867-4"}]},
        "subject": {"reference": f"Patient/{patient_id}"},
        "valueQuantity": {"value": value, "unit": "/min"},
        **extra,
    }


class World:
    """Two facilities; `here` held at A, `there` at B, `left` once at A and now at B."""

    def __init__(self, client, make) -> None:
        self.a, self.b = make.facility(code="SCPA"), make.facility(code="SCPB")
        system = Actor.system("test")
        here, there, left = make.detainee(), make.detainee(), make.detainee()
        make.booking(facility=self.a, detainee=here)
        make.booking(facility=self.b, detainee=there)
        earlier = make.booking(facility=self.a, detainee=left)
        release_booking(actor=system, booking_id=earlier.id, release=ReleaseIn(reason="bond"))
        make.booking(facility=self.b, detainee=left)
        self.here = patient_id_of(here.a_number)
        self.there = patient_id_of(there.a_number)
        self.left = patient_id_of(left.a_number)
        self.everyone = Fhir(client, make.headers("clinician"))
        self.scoped = Fhir(client, make.headers("clinician", facility_id=self.a.id))
        self.obs = {
            name: self.everyone.create(observation(pid))["id"]
            for name, pid in (("here", self.here), ("there", self.there), ("left", self.left))
        }


@pytest.fixture
def world(client, make) -> World:
    return World(client, make)


def _ids(bundle: dict) -> set[str]:
    return {e["resource"]["id"] for e in bundle.get("entry", []) if "resource" in e}


def test_reads_reach_people_held_here_now_or_before(world):
    for pid in (world.here, world.left):
        response = world.scoped.get(f"Patient/{pid}")
        assert response.status_code == 200 and response.json["id"] == pid
    assert world.scoped.get(f"Observation/{world.obs['left']}").status_code == 200
    for path in (
        f"Patient/{world.there}",
        f"Observation/{world.obs['there']}",
        f"Observation/{world.obs['there']}/_history/1",
        f"Observation/{world.obs['there']}/_history",
        f"Patient/{world.there}/$everything",
    ):
        response = world.scoped.get(path)
        assert response.status_code == 403, path
        assert response.json["resourceType"] == "OperationOutcome"
        assert "SCPB" not in response.text and world.there not in response.text
    denied = last_event(outcome="denied")
    assert (denied.subject_type, denied.subject_id) == ("Patient", world.there)
    assert denied.facility_id == world.a.id


def test_search_and_counts_see_only_this_facility(world):
    everyone = world.everyone.get("Patient?_summary=count").json["total"]
    scoped = world.scoped.get("Patient?_summary=count").json["total"]
    assert everyone >= 3 and scoped == 2
    found = world.scoped.get("Observation?_count=50").json
    assert _ids(found) == {world.obs["here"], world.obs["left"]}
    bundle = world.scoped.get(f"Observation?subject=Patient/{world.there}").json
    assert bundle.get("total", 0) == 0 and _ids(bundle) == set()
    # includes never bring another facility's people in
    pats = world.scoped.get("Patient?_revinclude=Observation:subject&_count=50").json
    assert world.obs["there"] not in _ids(pats) and world.obs["here"] in _ids(pats)
    assert world.there not in _ids(pats)


def test_history_lists_see_only_this_facility_and_name_the_patient(world):
    for path in ("Observation/_history?_count=100", "_history?_count=200"):
        bundle = world.scoped.get(path).json
        ids = _ids(bundle)
        assert world.obs["here"] in ids and world.obs["left"] in ids, path
        assert world.obs["there"] not in ids and world.there not in ids, path
    reads = events("health:fhir:history", subject_type="Patient")
    assert {e.subject_id for e in reads} >= {world.here, world.left}


def test_writes_need_the_person_held_here_now(world):
    assert world.scoped.post("Observation", observation(world.here)).status_code == 201
    for pid in (world.there, world.left):  # elsewhere now; `left` only in the past here
        response = world.scoped.post("Observation", observation(pid))
        assert response.status_code == 403, pid
    assert world.scoped.post("Patient", {"resourceType": "Patient"}).status_code == 403
    there = world.obs["there"]
    assert (
        world.scoped.put(
            f"Observation/{there}", {**observation(world.there), "id": there}
        ).status_code
        == 403
    )
    assert world.scoped.delete(f"Observation/{there}").status_code == 403
    # nor move one of ours to someone held elsewhere
    mine = world.obs["here"]
    moved = world.scoped.put(f"Observation/{mine}", {**observation(world.there), "id": mine})
    assert moved.status_code == 403
    current = world.everyone.get(f"Observation/{mine}").json
    assert current["subject"]["reference"] == f"Patient/{world.here}"
    assert world.everyone.get(f"Observation/{there}").json["meta"]["versionId"] == "1"


def test_conditional_create_matches_only_within_reach(world):
    tagged = observation(world.there, identifier=[{"system": "urn:t", "value": "x1"}])
    world.everyone.create(tagged)
    # the match is not found for the scoped clinician (nothing revealed), and the
    # create it then attempts is for a person held elsewhere: refused
    response = world.scoped.post(
        "Observation", observation(world.there), **{"If-None-Exist": "identifier=urn:t|x1"}
    )
    assert response.status_code == 403
    assert "x1" not in response.text


@pytest.mark.parametrize("kind", ["transaction", "batch"])
def test_bundle_entries_are_scoped(world, kind):
    bundle = {
        "resourceType": "Bundle",
        "type": kind,
        "entry": [
            {
                "resource": observation(world.there, 99.0),
                "request": {"method": "POST", "url": "Observation"},
            },
            {
                "request": {"method": "DELETE", "url": f"Observation/{world.obs['there']}"},
            },
        ],
    }
    response = world.scoped.post("", bundle)
    if kind == "transaction":
        assert response.status_code == 403
    else:
        statuses = [e["response"]["status"] for e in response.json["entry"]]
        assert all(s.startswith("403") for s in statuses), statuses
    # nothing was written for, or taken from, the person held elsewhere
    found = world.everyone.get(f"Observation?subject=Patient/{world.there}&_count=50").json
    assert _ids(found) == {world.obs["there"]}


@pytest.mark.parametrize("method", ["POST", "DELETE"])
def test_a_refused_transaction_names_the_entry(world, method):
    """Transaction errors name the real cause: which entry was refused (issue 12)."""
    refused = (
        {
            "resource": observation(world.there, 98.0),
            "request": {"method": "POST", "url": "Observation"},
        }
        if method == "POST"
        else {"request": {"method": "DELETE", "url": f"Observation/{world.obs['there']}"}}
    )
    allowed = {
        "resource": observation(world.here, 97.0),
        "request": {"method": "POST", "url": "Observation"},
    }
    bundle = {"resourceType": "Bundle", "type": "transaction", "entry": [allowed, refused]}
    response = world.scoped.post("", bundle)
    assert response.status_code == 403
    issue = response.json["issue"][0]
    assert issue["diagnostics"].startswith("Bundle.entry[1]: "), issue
    assert world.there not in response.text
    found = world.everyone.get(f"Observation?subject=Patient/{world.here}&value-quantity=97").json
    assert found["total"] == 0  # nothing of the transaction was written


def test_a_release_ends_writing_but_not_reading(world, make):
    person = make.detainee()
    booking = make.booking(facility=world.a, detainee=person)
    pid = patient_id_of(person.a_number)
    assert world.scoped.post("Observation", observation(pid)).status_code == 201
    release_booking(
        actor=Actor.system("test"), booking_id=booking.id, release=ReleaseIn(reason="bond")
    )
    assert world.scoped.post("Observation", observation(pid)).status_code == 403
    assert world.scoped.get(f"Patient/{pid}").status_code == 200


def test_unscoped_clinicians_reach_everyone(world):
    for pid in (world.here, world.there, world.left):
        assert world.everyone.get(f"Patient/{pid}").status_code == 200
    assert world.everyone.post("Observation", observation(world.there)).status_code == 201
