"""The access matrix's facility axis (issue 11, point 1): every route of `/api/v1`,
`/fhir` and the pages, for every role, as a user limited to the world's facility
(own: as an unscoped user would) and as one limited to another facility (other: a
refusal, or an answer that names nothing of the world's facility and its people)."""

from __future__ import annotations

import pytest

from core import audit
from core.actor import Actor
from core.db import unit_of_work
from core.i18n import a_number
from core.permissions import ROLE_PERMISSIONS, Role
from custody.restrictive.services import place_in_restrictive_housing
from health.fhir.link import patient_id_of
from health.sickcall.inputs import RequestIn
from health.sickcall.services import record_request
from tests.core.test_access import checked_routes, transfer_and_attorney
from tests.helpers import csrf_token

# What another facility may answer for a route it may call: a refusal, nothing found,
# or a list and a form that (checked below) name nothing of the world's facility.
REFUSED = {403, 404}


@pytest.fixture
def world(make):
    facility = make.facility(code="OWNF", name="Facility Owned Here")
    unit = make.unit(facility=facility, name="Unit Owned Here")
    bed = make.bed(unit=unit)
    other_user = make.user("records", facility_id=facility.id)
    person = make.detainee(family_name="Worldperson", given_name="Quinta")
    booking = make.booking(facility=facility, detainee=person)
    placement = place_in_restrictive_housing(
        actor=Actor.system("test"), booking_id=booking.id, kind="administrative", reason="Matrix"
    )
    with unit_of_work():
        event_id = audit.record(
            actor=Actor.system("test"),
            tag="test:world",
            subject_type="test",
            facility_id=facility.id,
        )
    sick_call = record_request(
        actor=Actor.system("test"),
        data=RequestIn(
            a_number=person.a_number, complaint="Matrix", language="es", channel="verbal"
        ),
    )
    # the transfer goes to a third facility: "other" (ELSW) is neither side of it
    transfer, attorney = transfer_and_attorney(make, booking)
    elsewhere = make.facility(code="ELSW", name="Elsewhere")
    patient = patient_id_of(person.a_number)
    # the A-number as stored and as pages write it (A123-456-789)
    secrets = (person.family_name, person.a_number, a_number(person.a_number), unit.name, patient)
    return {
        "facility_id": facility.id,
        "elsewhere_id": elsewhere.id,
        # what no other facility may learn (facility names are public: the locator)
        "secrets": secrets,
        "code": facility.code,
        "unit_id": unit.id,
        "bed_id": bed.id,
        "user_id": other_user.id,
        "event_id": event_id,
        "detainee_id": booking.detainee_id,
        "booking_id": booking.id,
        "placement_id": placement.id,
        "transfer_id": transfer.id,
        "attorney_id": attorney.id,
        "resource_type": "Patient",
        "resource_id": patient,
        "patient_id": patient,
        "flag_id": "example",
        "a_number": person.a_number,
        "version": "1",
        "set_code": facility.standards_set.code,
        "rule_id": facility.standards_set.rules[0].id,
        "sick_call_id": sick_call.request_id,
        "system": "icd10",
        "job_id": "0" * 32,  # core.exports: no such job
        "export_id": "0" * 32,
    }


def _call(client, path, method, headers, token=None):
    if path.startswith("/api/"):
        return client.open(path, method=method, headers=headers, json={})
    if path.startswith("/fhir"):
        body = {"resourceType": "Patient", "id": path.rsplit("/", 1)[-1]}
        return client.open(path, method=method, headers=headers, json=body)
    data = {"csrf_token": token} if method == "POST" else None
    return client.open(path, method=method, data=data)


# What only an unscoped user may do, whatever facility a scoped one is limited to: the
# standards every facility shares (rule sets and their rules), and registering a new
# Patient outside a booking (a booking opens the stay that scopes health records).
UNSCOPED_ONLY = ("/admin/rule-sets", "/api/v1/rules/", "/api/v1/rule-sets")


# What only the receiving facility of a transfer may do: the world's facility sends.
RECEIVING_ONLY = ("/arrive", "/acknowledge")


def _unscoped_only(path: str, method: str) -> bool:
    if path == "/fhir/Patient" and method == "POST":
        return True
    if path.startswith(("/transfers/", "/api/v1/transfers/")) and path.endswith(RECEIVING_ONLY):
        return True
    return path.startswith(UNSCOPED_ONLY) and (method != "GET" or path.startswith("/admin"))


@pytest.mark.parametrize("scope", ["own", "other"])
@pytest.mark.parametrize("role", list(Role))
def test_facility_axis(app, client, make, world, role, scope):
    facility = world["facility_id"] if scope == "own" else world["elsewhere_id"]
    user = make.user(role.value, facility_id=facility)
    headers = make.headers(user=user)
    make.login(client, user=user)
    token = csrf_token(client.get("/dashboard").text)
    checked = 0
    for path, method, permission in checked_routes(app, world):
        if permission not in ROLE_PERMISSIONS[role]:
            continue  # the role axis (test_access.py) covers refusals by permission
        response = _call(client, path, method, headers, token)
        where = (role.value, scope, method, path, response.status_code)
        assert response.status_code < 500, where
        assert response.status_code not in (401,), where
        if scope == "own":
            assert response.status_code != 403 or _unscoped_only(path, method), where
            continue
        checked += 1
        if response.status_code in REFUSED:
            continue
        text = response.get_data(as_text=True)
        leaked = [s for s in world["secrets"] if s and s in text]
        assert not leaked, (*where, leaked)
    assert scope == "own" or checked or not ROLE_PERMISSIONS[role]
