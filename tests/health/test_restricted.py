"""Restricted labels on writes: the plain service calls and `check_restricted_write`,
the function every write path asks (the role × call matrix is in tests/core/test_access.py)."""

from __future__ import annotations

import pytest

from core.errors import Forbidden
from health.fhir import services
from health.fhir.labels import check_restricted_write
from health.fhir.writes import Pending
from tests.health.conftest import assert_outcome, observation, patient
from tests.helpers import events, last_event

PSY = {"system": "http://terminology.hl7.org/CodeSystem/v3-ActCode", "code": "PSYTHPN"}
LABELLED = {"security": [PSY]}


@pytest.fixture
def chart(mh_fhir):
    pid = mh_fhir.create(patient())["id"]
    note = mh_fhir.create(observation(pid, meta=LABELLED))
    plain = mh_fhir.create(observation(pid))
    return {"pid": pid, "note": note, "plain": plain}


def _pending(method, document=None, current=None, resource_id="x-1"):
    return Pending("Observation", resource_id, document, method, current)


def test_check_restricted_write_looks_at_both_the_stored_and_the_new_document(make, mh_fhir, chart):
    clinician, therapist = make.actor("clinician"), make.actor("mental_health")
    pid = chart["pid"]
    stored_note = services.read(
        actor=therapist, resource_type="Observation", resource_id=chart["note"]["id"]
    )
    stored_plain = services.read(
        actor=therapist, resource_type="Observation", resource_id=chart["plain"]["id"]
    )
    labelled, plain = observation(pid, meta=LABELLED), observation(pid)
    touching = [
        _pending("POST", labelled),  # create with the label
        _pending("PUT", plain, stored_note),  # take the label off
        _pending("PUT", labelled, stored_plain),  # put the label on
        _pending("PUT", labelled, stored_note),  # change a labelled one
        _pending("DELETE", None, stored_note),
    ]
    for pending in touching:
        check_restricted_write(therapist, pending)
        with pytest.raises(Forbidden):
            check_restricted_write(clinician, pending)
        denied = last_event("health:restricted:write")
        assert (denied.subject_type, denied.subject_id, denied.outcome) == (
            "Patient",
            pid,
            "denied",
        )
    for pending in (_pending("POST", plain), _pending("PUT", plain, stored_plain)):
        check_restricted_write(clinician, pending)  # nothing labelled: no question
    assert len(events("health:restricted:write")) == len(touching)


def test_the_plain_service_calls_refuse_a_clinician_and_change_nothing(make, mh_fhir, chart):
    clinician = make.actor("clinician")
    pid, note = chart["pid"], chart["note"]["id"]
    calls = [
        lambda: services.create(
            actor=clinician, resource_type="Observation", document=observation(pid, meta=LABELLED)
        ),
        lambda: services.update(
            actor=clinician,
            resource_type="Observation",
            resource_id=note,
            document=observation(pid, id=note),
        ),
        lambda: services.delete(actor=clinician, resource_type="Observation", resource_id=note),
    ]
    for call in calls:
        with pytest.raises(Forbidden):
            call()
    stored = mh_fhir.get(f"Observation/{note}").json
    assert stored["meta"]["versionId"] == "1" and stored["meta"]["security"] == [PSY]
    assert mh_fhir.get(f"Observation?patient={pid}&_summary=count").json["total"] == 2


def test_a_refusal_comes_before_what_would_tell_about_the_note(fhir, mh_fhir, chart):
    """A stale If-Match (412 tells the version) is not reached, nor is the delete of a
    restricted resource: the clinician gets the 403."""
    pid, note = chart["pid"], chart["note"]["id"]
    stale = fhir.put(f"Observation/{note}", observation(pid, id=note), **{"If-Match": 'W/"7"'})
    assert_outcome(stale, 403)
    mh_fhir.create(observation(pid, derivedFrom=[{"reference": f"Observation/{note}"}]))
    assert_outcome(fhir.delete(f"Observation/{note}"), 403)
    assert mh_fhir.get(f"Observation/{note}").status_code == 200


def test_a_restricted_referrer_neither_blocks_nor_shows_in_a_delete(fhir, mh_fhir, chart):
    """Deleting a resource a restricted one references is allowed (FHIR), answers 204
    with no body that could name the referrer, and leaves the referrer as it was."""
    pid, plain = chart["pid"], chart["plain"]["id"]
    secret = mh_fhir.create(
        observation(pid, meta=LABELLED, derivedFrom=[{"reference": f"Observation/{plain}"}])
    )
    deleted = fhir.delete(f"Observation/{plain}")
    assert deleted.status_code == 204 and deleted.data == b""
    assert mh_fhir.get(f"Observation/{secret['id']}").json["meta"]["versionId"] == "1"
    assert fhir.get(f"Observation/{secret['id']}").status_code in (403, 404)


def test_a_mental_health_clinician_writes_and_unlabels_notes(mh_fhir, fhir, chart):
    pid, note = chart["pid"], chart["note"]["id"]
    changed = mh_fhir.put(f"Observation/{note}", observation(pid, id=note, meta=LABELLED))
    assert changed.status_code == 200 and changed.json["meta"]["versionId"] == "2"
    assert_outcome(fhir.get(f"Observation/{note}"), 403)
    released = mh_fhir.put(f"Observation/{note}", observation(pid, id=note))
    assert released.status_code == 200
    assert fhir.get(f"Observation/{note}").json["meta"]["versionId"] == "3"
    assert mh_fhir.delete(f"Observation/{chart['plain']['id']}").status_code == 204
