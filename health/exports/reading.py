"""What the export reads: the record through `patient_record` (the one function that
decides what an actor may see of a patient; audited `health:record:export`, authorized
by `health:record:export` so the records role, which may not browse charts, exports),
plus what the documents point at and the person's facility stays."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from core.actor import Actor
from core.db import db
from core.features import facility_directory, whereabouts
from core.i18n import a_number as format_a_number
from health.audit_tags import HealthAuditTag
from health.chart import summary
from health.chart.record import PatientRecord, patient_record
from health.chart.services import encounter_type_system
from health.exports.content import Context, Stay
from health.fhir import jsontext, services, store
from health.fhir.models import PatientStay
from health.permissions import HealthPermission

REFERENCED = ("Practitioner", "Organization", "Location")


@dataclass(frozen=True)
class ExportRecord:
    record: PatientRecord
    referenced: list[dict[str, Any]]  # the Practitioners, Organizations, Locations named
    context: Context
    a_number: str  # as pages write it
    facility: str  # where the person is held now, or "Not held"


def read(*, actor: Actor, patient_id: str) -> ExportRecord:
    """Everything the export of `patient_id` shows, as `actor` may see it."""
    record = patient_record(
        actor=actor,
        patient_id=patient_id,
        types=None,
        tag=HealthAuditTag.EXPORT,
        permission=HealthPermission.EXPORT,
    )
    number = summary.identifier_of(record.patient, services.a_number_system())
    placement = whereabouts().held(number) if number else None
    stays = _stays(patient_id)
    zone = placement.time_zone if placement else (stays[-1].time_zone if stays else None)
    referenced = _referenced(record)
    context = Context(
        clock=summary.Clock(zone),
        encounter_system=encounter_type_system(),
        interpreter_url=f"{services.fhir_base()}/StructureDefinition/interpreter",
        names={f"{d['resourceType']}/{d['id']}": _name(d) for d in referenced},
        stays=tuple(stays),
    )
    return ExportRecord(
        record=record,
        referenced=referenced,
        context=context,
        a_number=format_a_number(number),
        facility=placement.facility_name if placement else "Not held",
    )


def _stays(patient_id: str) -> list[Stay]:
    rows = db.session.execute(
        sa.select(PatientStay.facility_id, PatientStay.started_at, PatientStay.ended_at)
        .where(PatientStay.patient_id == patient_id)
        .order_by(PatientStay.started_at, PatientStay.id)
    ).all()
    facilities = facility_directory().by_ids({row.facility_id for row in rows})
    found = []
    for facility_id, started_at, ended_at in rows:
        facility = facilities.get(facility_id)
        name = facility.name if facility else f"Facility {facility_id}"
        zone = facility.time_zone if facility else "UTC"
        found.append(Stay(name, started_at, ended_at, zone))
    return found


def _references(value: Any) -> Iterator[str]:
    if isinstance(value, dict):
        ref = value.get("reference")
        if isinstance(ref, str) and ref.split("/")[0] in REFERENCED and ref.count("/") == 1:
            yield ref
        for item in value.values():
            yield from _references(item)
    elif isinstance(value, list):
        for item in value:
            yield from _references(item)


def _referenced(record: PatientRecord) -> list[dict[str, Any]]:
    """The live, unrestricted Practitioners, Organizations and Locations the record
    names (shared reference data, in no patient's compartment)."""
    keys = {
        tuple(ref.split("/", 1))
        for documents in [[record.patient], *record.resources.values()]
        for document in documents
        for ref in _references(document)
    }
    found = store.current_many(sorted((t, i) for t, i in keys))
    return [
        jsontext.loads(s.text)
        for s in sorted(found, key=lambda s: (s.resource_type, s.id))
        if s.text is not None and not s.is_restricted and s.patient_id is None
    ]


def _name(document: dict[str, Any]) -> str:
    if document.get("resourceType") == "Practitioner":
        for name in document.get("name") or ():
            if isinstance(name, dict) and name.get("text"):
                return str(name["text"])
            if isinstance(name, dict):
                given = " ".join(str(g) for g in name.get("given") or ())
                return f"{given} {name.get('family') or ''}".strip() or "Practitioner"
    return str(document.get("name") or document.get("resourceType"))
