"""The health-record export route: `GET /exports/patients/<patient_id>/health-record.pdf`
(`?purpose=` required, `?format=html` for the print view), under `health:record:export`
(clinician, mental health, records). One call into `core.exports.send_export`."""

from __future__ import annotations

from typing import Any

from flask import Blueprint

from core.access import authorize, current_actor, requires
from core.actor import Actor
from core.errors import NotFound
from core.exports import ExportKind, send_export
from core.scope import Access
from health.audit_tags import HealthSubject
from health.chart.services import normalize_a_number
from health.exports import documents
from health.fhir import link, scope
from health.permissions import HealthPermission

bp = Blueprint("health_exports", __name__, url_prefix="/exports")


def resolve(actor: Actor, a_number: str) -> str:
    """The Patient id of an A-number typed on the exports page: NotFound when no health
    record has it, Forbidden (audited) outside the actor's facility scope, so the page
    names nothing of another facility; the export then checks and audits again."""
    authorize(actor, HealthPermission.EXPORT, subject_type=HealthSubject.PATIENT)
    normal = normalize_a_number(a_number)
    found = link.patient_id_of(normal) if normal else None
    if found is None:
        raise NotFound("No health record has this A-number.")
    scope.check(actor, [found], Access.READ)
    return found


KIND = ExportKind(
    name="health-record",
    label="Health record",
    endpoint="health_exports.health_record",
    permission=HealthPermission.EXPORT,
    subject_type="Patient",
    health=True,
    resolve=resolve,
)


@bp.get("/patients/<patient_id>/health-record.pdf")
@requires(HealthPermission.EXPORT)
def health_record(patient_id: str) -> Any:
    actor = current_actor()
    return send_export(
        KIND,
        subject_id=patient_id,
        build=lambda: documents.build(actor=actor, patient_id=patient_id),
    )
