"""What the charting pages show above a form: who the patient is and the facility's
time zone (the zone every time on the form is typed and shown in: the facility
directory's, as the sick-call pages use). Reading it is a FHIR read of the Patient:
permission, facility scope and audit as any."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from core.actor import Actor
from core.features import facility_directory
from core.i18n import local_time
from health.fhir import jsontext, scope, services


@dataclass(frozen=True)
class PatientHeader:
    id: str
    name: str
    a_number: str
    birth_date: str
    facility: str
    time_zone: str

    @property
    def zone(self) -> dt.tzinfo:
        try:
            return ZoneInfo(self.time_zone)
        except (ZoneInfoNotFoundError, ValueError):
            return dt.UTC

    def local(self, value: dt.datetime) -> str:
        return local_time(value, self.zone)


def patient_header(*, actor: Actor, patient_id: str) -> PatientHeader:
    stored = services.read(actor=actor, resource_type="Patient", resource_id=patient_id)
    document = jsontext.loads(stored.text or "{}")
    names = document.get("name") or [{}]
    name = " ".join([*names[0].get("given", []), names[0].get("family", "")]).strip()
    system = services.a_number_system()
    a_number = next(
        (i.get("value", "") for i in document.get("identifier", []) if i.get("system") == system),
        "",
    )
    facility, zone = _facility(patient_id)
    return PatientHeader(
        id=patient_id,
        name=name or "Unnamed patient",
        a_number=a_number,
        birth_date=document.get("birthDate", ""),
        facility=facility,
        time_zone=zone,
    )


def _facility(patient_id: str) -> tuple[str, str]:
    """The name and IANA zone of the facility holding the Patient now (else of the
    last one that did), from the facility directory; UTC when there is none."""
    stays = scope.stays_of([patient_id]).get(patient_id, [])
    ids = [stay.facility_id for stay in stays if stay.is_open] or [s.facility_id for s in stays]
    found = facility_directory().by_ids(ids[-1:]).get(ids[-1]) if ids else None
    return (found.name, found.time_zone) if found is not None else ("", "UTC")
