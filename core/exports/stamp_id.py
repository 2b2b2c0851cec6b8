"""The export id in the PDF's document information (`/CustodiaExportId`), where
`custodia exports verify` reads it back. The engine writes it from
`PdfDocument.export_id`; until it does, `stamp` adds it after rendering."""

from __future__ import annotations

import io

import pikepdf

KEY = "/CustodiaExportId"


def read_export_id(data: bytes) -> str | None:
    """The export id a PDF carries; None for a PDF without one or bytes that are no PDF."""
    try:
        with pikepdf.open(io.BytesIO(data)) as pdf:
            value = pdf.docinfo.get(KEY)
    except (pikepdf.PdfError, ValueError):
        return None
    return None if value is None else str(value)


def stamp(data: bytes, export_id: str) -> bytes:
    """`data` with the export id in its document information (unchanged if it has it)."""
    if read_export_id(data) == export_id:
        return data
    with pikepdf.open(io.BytesIO(data)) as pdf:
        pdf.docinfo[KEY] = export_id
        out = io.BytesIO()
        pdf.save(out)
    return out.getvalue()
