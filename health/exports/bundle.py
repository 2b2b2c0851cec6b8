"""The FHIR Bundle the health-record export was made from, attached to the PDF: a
`collection` of the Patient, every resource `patient_record` returned and the
Practitioners, Organizations and Locations they name, each as stored (ids kept) with
its `fullUrl` on our FHIR base, so `custodia fhir import` can load it (PUT by id)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from core.pdf import Attachment
from health.exports import values
from health.exports.reading import ExportRecord
from health.fhir import jsontext
from health.fhir.services import fhir_base

FILENAME = "fhir-bundle.json"
DESCRIPTION = "FHIR R4 Bundle (collection) this record was made from"


def resources_of(export: ExportRecord) -> list[dict[str, Any]]:
    """Exactly what the PDF shows: Patient first, then by type, each oldest first."""
    record = export.record
    documents = [record.patient]
    for resource_type in sorted(record.resources):
        documents += sorted(record.resources[resource_type], key=values.sort_key)
    return documents + export.referenced


def collection(documents: Iterable[dict[str, Any]], timestamp: str | None = None) -> dict[str, Any]:
    """A `collection` Bundle of stored documents (ids kept, `fullUrl` on our base): what
    every export that carries health information attaches (the health record here, the
    transfer summary in health.transfer_reading)."""
    base = fhir_base()
    found: dict[str, Any] = {"resourceType": "Bundle", "type": "collection"}
    if timestamp is not None:
        found["timestamp"] = timestamp
    found["entry"] = [
        {"fullUrl": f"{base}/{d['resourceType']}/{d['id']}", "resource": d} for d in documents
    ]
    return found


def as_attachment(bundle: dict[str, Any]) -> Attachment:
    """The Bundle as the PDF/A-3 associated file `fhir-bundle.json` that `custodia fhir
    import` reads back."""
    data = jsontext.dumps(bundle)  # decimals with their stored digits
    return Attachment(
        filename=FILENAME,
        data=data.encode("utf-8"),
        mime_type="application/fhir+json",
        description=DESCRIPTION,
        relationship="Source",
    )


def bundle(export: ExportRecord) -> dict[str, Any]:
    return collection(resources_of(export))


def attachment(export: ExportRecord) -> Attachment:
    return as_attachment(bundle(export))
