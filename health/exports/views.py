"""The health-record export route: `GET /exports/patients/<patient_id>/health-record.pdf`
(`?purpose=` required, `?format=html` for the print view), under `health:record:export`
(clinician, mental health, records). One call into `core.exports.send_export`."""

from __future__ import annotations

import dataclasses
from typing import Any

from flask import Blueprint

from core.access import current_actor, requires
from core.exports import ExportKind, send_export
from health.chart.services import normalize_a_number
from health.exports import documents
from health.fhir import link
from health.permissions import HealthPermission

bp = Blueprint("health_exports", __name__, url_prefix="/exports")


def resolve(reference: str) -> str | None:
    """The Patient id of an A-number typed on the exports page (None when unknown);
    the export itself then checks permission, scope and audits."""
    normal = normalize_a_number(reference)
    return link.patient_id_of(normal) if normal else None


_FIELDS: dict[str, Any] = {
    "name": "health-record",
    "label": "Health record",
    "endpoint": "health_exports.health_record",
    "permission": HealthPermission.EXPORT,
    "subject_type": "Patient",
    "health": True,
}
# `resolve` arrives with core.exports' registry (helper exportsvc); until then the
# kind is made without it
if "resolve" in {f.name for f in dataclasses.fields(ExportKind)}:
    _FIELDS["resolve"] = resolve
KIND = ExportKind(**_FIELDS)


@bp.get("/patients/<patient_id>/health-record.pdf")
@requires(HealthPermission.EXPORT)
def health_record(patient_id: str) -> Any:
    actor = current_actor()
    return send_export(
        KIND,
        subject_id=patient_id,
        build=lambda: documents.build(actor=actor, patient_id=patient_id),
    )
