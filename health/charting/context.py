"""What the charting pages show above a form: who the patient is and the facility's
time zone (the zone every time on the form is typed and shown in). Reading it is a
FHIR read of the Patient: permission, facility scope and audit as any."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from core.actor import Actor
from health.fhir import jsontext, services, store

TIMEZONE_EXTENSION = "http://hl7.org/fhir/StructureDefinition/timezone"


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
        return value.astimezone(self.zone).strftime("%Y-%m-%d %H:%M %Z")


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
    organization = (document.get("managingOrganization") or {}).get("reference", "")
    facility, zone = _facility(organization.partition("/")[2])
    return PatientHeader(
        id=patient_id,
        name=name or "Unnamed patient",
        a_number=a_number,
        birth_date=document.get("birthDate", ""),
        facility=facility,
        time_zone=zone,
    )


def _facility(location_id: str) -> tuple[str, str]:
    """The facility's name and IANA zone from its Location (UTC when it names none)."""
    found = store.current("Location", location_id) if location_id else None
    if found is None or found.text is None:
        return "", "UTC"
    location = jsontext.loads(found.text)
    zone = next(
        (
            e.get("valueCode", "UTC")
            for e in location.get("extension", [])
            if e.get("url") == TIMEZONE_EXTENSION
        ),
        "UTC",
    )
    return location.get("name", ""), zone
