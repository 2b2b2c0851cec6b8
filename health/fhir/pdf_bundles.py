"""The FHIR Bundles attached to a PDF, for `custodia fhir import export.pdf`.

Health exports and the transfer packet embed the Bundle they were made from (a PDF/A-3
associated file, `application/fhir+json`), so a receiving facility loads the record from
the PDF it was handed. Every attachment with that MIME type, or whose name ends in
`.json`, that parses as a FHIR Bundle is returned; other attachments are ignored. A PDF
without one, or one pikepdf cannot read, is an error the importer reports for the file.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from typing import Any

import pikepdf

from health.fhir import jsontext
from health.fhir.errors import InvalidRequest

PDF_MAGIC = b"%PDF-"
FHIR_JSON = "application/fhir+json"


@dataclass(frozen=True)
class AttachedBundle:
    name: str  # the attachment's file name: "fhir-bundle.json"
    bundle: dict[str, Any]


def is_pdf(data: bytes) -> bool:
    return data.startswith(PDF_MAGIC)


def attached_bundles(data: bytes, *, path: str) -> list[AttachedBundle]:
    """The Bundles attached to the PDF `data`, in the order of its attachment names."""
    try:
        with pikepdf.open(io.BytesIO(data)) as pdf:
            found = [
                bundle for name, spec in pdf.attachments.items() if (bundle := _bundle(name, spec))
            ]
    except (pikepdf.PdfError, ValueError, TypeError, KeyError) as err:  # malformed objects
        raise InvalidRequest(f"{path}: not a readable PDF ({err}).", code="structure") from None
    if not found:
        raise InvalidRequest(f"{path}: no FHIR Bundle attached.", code="not-found")
    return found


def _bundle(key: str, spec: pikepdf.AttachedFileSpec) -> AttachedBundle | None:
    name = spec.filename or key
    attached = spec.get_file()
    if attached.mime_type != FHIR_JSON and not name.lower().endswith(".json"):
        return None
    try:
        document = jsontext.loads(attached.read_bytes())
    except (ValueError, UnicodeDecodeError):
        return None
    if not isinstance(document, dict) or document.get("resourceType") != "Bundle":
        return None
    return AttachedBundle(name, document)
