"""Health's service interface for custody: a booking creates or links the person's FHIR
Patient (identified by the A-number) and the facility's Organization and Location, so
clinical data written anywhere finds its person and place.

Custody calls `ensure_patient` with plain typed values (`PatientDemographics`,
`FacilityRef`); health never imports custody. The call needs `health:patient:link`
(granted to the roles that book people), which writes exactly those resources through
the link's own path in `health.fhir.services` — never health:record:write, never the
FHIR API, never a clinical read. It runs inside the caller's unit of work and writes
one audit entry tagged `health:patient:link` naming the Patient, with the references
of what it wrote (no content).

The identifier systems live under the configurable canonical base (`FHIR_BASE`):
`{base}/sid/a-number` for people, `{base}/sid/facility-code` for facilities.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection
from dataclasses import dataclass
from typing import Any

from core import audit
from core.access import authorize
from core.actor import Actor
from core.db import unit_of_work, utcnow
from health import flags
from health.audit_tags import HealthAuditTag, HealthSubject
from health.fhir import jsontext, link, scope, services, store
from health.fhir.store import Stored
from health.flags import CustodyFlag
from health.permissions import HealthPermission

# FHIR administrative gender; anything else is recorded as unknown
GENDERS = frozenset({"male", "female", "other", "unknown"})


@dataclass(frozen=True)
class PatientDemographics:
    """Who is booked: the A-number (9 digits) identifies the Patient."""

    a_number: str
    family_name: str
    given_name: str
    birth_date: dt.date
    gender: str  # male, female, other or unknown
    # (language code, interpreter needed), the preferred one first: Patient.communication
    languages: tuple[tuple[str, bool], ...] = ()


@dataclass(frozen=True)
class FacilityRef:
    """The facility the person is booked into (its code names its FHIR resources; its
    id is the facility directory's key, which scopes users and the Patient's stays)."""

    id: int
    code: str
    name: str
    is_active: bool
    phone: str
    address_line: str
    city: str
    state: str
    postal_code: str


@dataclass(frozen=True)
class PatientRef:
    """The person's FHIR Patient."""

    id: str

    @property
    def reference(self) -> str:
        return f"Patient/{self.id}"


def facility_organization_id(code: str) -> str:
    """The FHIR id of a facility's Organization and Location: `facility-<code>`."""
    return f"{link.FACILITY_ID_PREFIX}{code.lower()}"


def ensure_patient(
    *,
    actor: Actor,
    person: PatientDemographics,
    facility: FacilityRef,
    held_since: dt.datetime | None = None,
) -> PatientRef:
    """The booked person's Patient: found by A-number (never duplicated, whatever the
    number of bookings), created when missing; its managing organization follows the
    facility, whose Organization and Location are written when they changed; and the
    Patient is held at the facility from `held_since` (default now: the stay that
    scopes their health records to it, ending any other). Call it inside the booking's
    unit of work (it joins it)."""
    authorize(actor, HealthPermission.PATIENT_LINK, subject_type=HealthSubject.PATIENT)
    with unit_of_work():
        written = [
            link.link_place(actor=actor, document=document)
            for document in _facility_documents(facility)
        ]
        patient_id, stored = link.link_patient(
            actor=actor,
            a_number=person.a_number,
            family_name=person.family_name,
            given_name=person.given_name,
            birth_date=person.birth_date.isoformat(),
            gender=person.gender if person.gender in GENDERS else "unknown",
            organization_ref=f"Organization/{facility_organization_id(facility.code)}",
            languages=person.languages,
        )
        opened = scope.open_stay(patient_id, facility.id, held_since or utcnow())
        audit.record(
            actor=actor,
            tag=HealthAuditTag.PATIENT_LINK,
            subject_type=HealthSubject.PATIENT,
            subject_id=patient_id,
            changed_fields=_references([*written, stored]) + (["stay"] if opened else []),
            facility_id=facility.id,
        )
    return PatientRef(patient_id)


def end_stay(*, actor: Actor, a_number: str, facility_id: int, ended_at: dt.datetime) -> bool:
    """The person is no longer held at `facility_id` (released, or moved on): their
    health records stay readable there as history, but no longer writable. False when
    no Patient has this A-number or no stay was open. Joins the caller's unit of work;
    audited under `health:patient:link` when a stay ended."""
    authorize(actor, HealthPermission.PATIENT_LINK, subject_type=HealthSubject.PATIENT)
    with unit_of_work():
        patient_id = link.patient_id_of(a_number)
        if patient_id is None or not scope.end_stay(patient_id, facility_id, ended_at):
            return False
        audit.record(
            actor=actor,
            tag=HealthAuditTag.PATIENT_LINK,
            subject_type=HealthSubject.PATIENT,
            subject_id=patient_id,
            changed_fields=["stay"],
            facility_id=facility_id,
        )
    return True


def a_number_of(patient_id: str) -> str | None:
    """The A-number of the stored Patient `patient_id` (its identifier under
    `{FHIR_BASE}/sid/a-number`); None when the Patient is unknown, deleted or has none.

    For custody's subscribers, which map a written resource's Patient to a booking.
    Reading an identifier is not clinical content: no permission is checked and no
    audit entry of a read is written. Reads in the open unit of work, if any."""
    stored = store.current("Patient", patient_id)
    if stored is None or stored.is_deleted or stored.text is None:
        return None
    document = jsontext.loads(stored.text)
    system = services.a_number_system()
    for identifier in document.get("identifier") or ():
        if isinstance(identifier, dict) and identifier.get("system") == system:
            value = identifier.get("value")
            if isinstance(value, str) and value:
                return value
    return None


def _references(items: list[Stored | None]) -> list[str]:
    return [item.reference for item in items if item is not None]


def _facility_documents(facility: FacilityRef) -> list[dict[str, Any]]:
    """The facility's Organization and Location."""
    fid = facility_organization_id(facility.code)
    identifier = [{"system": f"{services.fhir_base()}/sid/facility-code", "value": facility.code}]
    telecom = [{"system": "phone", "value": facility.phone}]
    address = {
        "line": [facility.address_line],
        "city": facility.city,
        "state": facility.state,
        "postalCode": facility.postal_code,
        "country": "US",
    }
    organization = {
        "resourceType": "Organization",
        "id": fid,
        "identifier": identifier,
        "active": facility.is_active,
        "name": facility.name,
        "telecom": telecom,
        "address": [address],
    }
    location = {
        "resourceType": "Location",
        "id": fid,
        "identifier": identifier,
        "status": "active" if facility.is_active else "inactive",
        "name": facility.name,
        "mode": "instance",
        "telecom": telecom,
        "address": address,
        "managingOrganization": {"reference": f"Organization/{fid}"},
    }
    return [organization, location]


def custody_alerts(a_number: str) -> list[CustodyFlag]:
    """The custody-visible alerts of the person with this A-number: their Patient's
    active Flags coded in `{FHIR_BASE}/CodeSystem/custody-alert` (a medical hold set by
    a transfer included), as code, label and start only — never the clinical reason,
    never a clinical-only Flag (health.flags). Empty for an unknown A-number.

    For custody's pages and the booking API (officers see alerts, no clinical
    content): no permission is checked and no read audited. Reads in the open unit."""
    patient_id = link.patient_id_of(a_number)
    return [] if patient_id is None else flags.custody_flags(patient_id)


def custody_alerts_of(a_numbers: Collection[str]) -> dict[str, list[CustodyFlag]]:
    """`custody_alerts` of many people (A-number → alerts; those with none absent), in
    two queries: for lists and boards."""
    patients = flags.patients_by_a_number(a_numbers, services.a_number_system())
    by_patient = flags.custody_flags_of(list(patients.values()))
    return {a: by_patient[pid] for a, pid in patients.items() if pid in by_patient}
