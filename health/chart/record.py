"""What an actor may see of one patient: the one function every reader of a whole
health record goes through (the chart, and the health-record export in
`health.exports`).

`patient_record` checks the permission (the clinical read; the export permission for
an export), the facility scope (a scoped user reads only patients with a stay at
their facility, now or before) and the security labels (the restricted mental-health
therapy notes only with `health:restricted:read`, wherever they appear), then writes
one audit entry for the patient under the caller's tag (`health:chart:read` for the chart,
`health:record:export` for the export). Resources come back as parsed documents;
nothing is filtered later, so a page or an export built on the record cannot show
what the actor may not see.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa

from core import audit
from core.access import authorize
from core.actor import Actor
from core.db import reading
from core.scope import Access
from health.audit_tags import HealthAuditTag, HealthSubject
from health.fhir import jsontext, scope, store
from health.fhir.models import FhirResource
from health.fhir.services import check_visible
from health.fhir.store import CURRENT_COLUMNS, Stored, stored_from_row
from health.permissions import HealthPermission

# what the chart shows (an export passes its own list, or none for every type)
CHART_TYPES = (
    "AllergyIntolerance",
    "Condition",
    "DocumentReference",
    "Encounter",
    "Flag",
    "Immunization",
    "MedicationRequest",
    "MedicationStatement",
    "Observation",
)


@dataclass
class PatientRecord:
    """The Patient and, by type, the documents of their compartment the actor may see."""

    patient_id: str
    patient: dict[str, Any]
    resources: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    restricted_shown: bool = False  # the actor may see restricted notes (some may exist)

    def of(self, resource_type: str) -> list[dict[str, Any]]:
        return self.resources.get(resource_type, [])


def patient_record(
    *,
    actor: Actor,
    patient_id: str,
    types: Collection[str] | None = CHART_TYPES,
    tag: HealthAuditTag = HealthAuditTag.CHART,
    permission: HealthPermission = HealthPermission.READ,
) -> PatientRecord:
    """The Patient `patient_id` and what `actor` may see of their compartment (`types`,
    or every type when None); audited under `tag`, one entry naming the patient.
    `permission` is what authorizes the read: the clinical read for the chart, the
    export permission for the health-record export (the records role exports records it
    may not browse); scope and restricted labels apply the same either way.
    NotFound / Gone for an unknown or deleted Patient; Forbidden (audited) outside the
    actor's facility scope or for a restricted Patient."""
    authorize(actor, permission, subject_type=HealthSubject.PATIENT, subject_id=patient_id)
    with reading() as connection:
        patient = store.require_current("Patient", patient_id, connection=connection)
        check_visible(actor, patient)
        scope.check_stored(actor, [patient], Access.READ, connection=connection)
        rows = _compartment(connection, actor, patient_id, types)
        audit.record_access(
            [
                audit.AuditDraft(
                    tag=tag,
                    actor=actor,
                    subject_type=HealthSubject.PATIENT,
                    subject_id=patient_id,
                    outcome=audit.Outcome.SUCCESS,
                    changed_fields=[],
                )
            ],
            connection=connection,
        )
    record = PatientRecord(
        patient_id=patient_id,
        patient=jsontext.loads(patient.text or "{}"),
        restricted_shown=store.can_see_restricted(actor),
    )
    for row in rows:
        if row.text is not None:
            record.resources.setdefault(row.resource_type, []).append(jsontext.loads(row.text))
    return record


def _compartment(
    connection: sa.Connection, actor: Actor, patient_id: str, types: Collection[str] | None
) -> list[Stored]:
    where = [
        FhirResource.patient_id == patient_id,
        FhirResource.is_deleted.is_(False),
        FhirResource.resource_type != "Patient",
        *scope.readable(actor),  # restricted labels and facility scope, in SQL
    ]
    if types is not None:
        where.append(FhirResource.resource_type.in_(sorted(types)))
    query = sa.select(*CURRENT_COLUMNS).where(*where).order_by(FhirResource.last_updated)
    return [stored_from_row(row) for row in connection.execute(query)]
