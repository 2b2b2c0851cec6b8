"""The link between custody and the health record: a booking creates or links the
person's FHIR Patient (identified by the A-number) and the facility's Organization and
Location, so clinical data written anywhere finds its person and place.

The identifier systems live under the configurable canonical base (`FHIR_BASE`):
`{base}/sid/a-number` for people, `{base}/sid/facility-code` for facilities. The link
runs inside the booking's transaction and is audited in the booking officer's name;
the officer needs no clinical permission for it (they never see clinical content).
"""

from __future__ import annotations

import dataclasses
import json
from typing import Any

from core.actor import Actor
from custody.bookings.models import Booking
from custody.facilities.models import Facility
from health.fhir import services, store

GENDER = {"male": "male", "female": "female", "unknown": "unknown"}


def _system(name: str) -> str:
    return f"{services.fhir_base()}/sid/{name}"


def facility_id(facility: Facility) -> str:
    """The FHIR id of a facility's Organization and Location: `facility-<code>`."""
    return f"facility-{facility.code.lower()}"


def _current(resource_type: str, resource_id: str) -> dict[str, Any] | None:
    """The stored document, to compare with (not a read anyone audits: nobody sees it);
    None when unknown or deleted (written again)."""
    stored = store.current(resource_type, resource_id)
    return json.loads(stored.text) if stored is not None and stored.text else None


def _put_if_changed(actor: Actor, document: dict[str, Any]) -> None:
    current = _current(document["resourceType"], document["id"])
    if current is not None:
        current.pop("meta", None)
        if current == document:
            return
    services.update(
        actor=actor,
        resource_type=document["resourceType"],
        resource_id=document["id"],
        document=document,
    )


def ensure_facility(*, actor: Actor, facility: Facility) -> str:
    """Organization and Location for the facility (written again only when changed);
    returns the Organization reference."""
    fid = facility_id(facility)
    identifier = [{"system": _system("facility-code"), "value": facility.code}]
    telecom = [{"system": "phone", "value": facility.phone}]
    address = {
        "line": [facility.address_line],
        "city": facility.city,
        "state": facility.state,
        "postalCode": facility.postal_code,
        "country": "US",
    }
    _put_if_changed(
        actor,
        {
            "resourceType": "Organization",
            "id": fid,
            "identifier": identifier,
            "active": facility.is_active,
            "name": facility.name,
            "telecom": telecom,
            "address": [address],
        },
    )
    _put_if_changed(
        actor,
        {
            "resourceType": "Location",
            "id": fid,
            "identifier": identifier,
            "status": "active" if facility.is_active else "inactive",
            "name": facility.name,
            "mode": "instance",
            "telecom": telecom,
            "address": address,
            "managingOrganization": {"reference": f"Organization/{fid}"},
        },
    )
    return f"Organization/{fid}"


def link_booking(*, actor: Actor, booking: Booking) -> str:
    """The booked person's Patient id: found by A-number (never duplicated, whatever
    the number of bookings), created when missing; its managing organization follows
    the facility. Call inside the booking's unit of work."""
    linker = dataclasses.replace(actor, is_system=True)
    organization = ensure_facility(actor=linker, facility=booking.facility)
    person = booking.detainee
    return services.ensure_patient(
        actor=linker,
        a_number=person.a_number,
        family_name=person.family_name,
        given_name=person.given_name,
        birth_date=person.date_of_birth.isoformat(),
        gender=GENDER.get(person.sex, "unknown"),
        organization_ref=organization,
    )
