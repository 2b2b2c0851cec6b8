"""PDF exports: what features call to answer an export route, and the registry of
export kinds the exports page offers.

INTERFACE SKELETON (issue 15): `core.exports` (services, jobs, audit with SHA-256,
verify, the exports page) replaces the naive body of `send_export` below; the names and
fields here are what features code against.

A feature's export route is its own page-blueprint route under `/exports/...`,
declared with `@requires(<its export permission>)`; its body is one call:

    return send_export(KIND, subject_id=str(booking_id), build=lambda: build_doc(actor, id))

`build` checks what the actor may see (facility scope, restricted content), reads the
data and returns the `PdfDocument`; it raises the usual DomainErrors (NotFound,
Forbidden) for a clear 4xx.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum

from flask import Response, request

from core.pdf import PdfDocument, render_pdf, render_print_html


@dataclass(frozen=True)
class ExportKind:
    """One kind of export (registered by its feature with `add_export_kind`)."""

    name: str  # "custody-record": the file name stem and the audit's "what"
    label: str  # "Custody record"
    endpoint: str  # the PDF route's endpoint ("custody_exports.custody_record")
    permission: StrEnum  # what the route requires
    subject_type: str  # "booking", "patient", "transfer": the audit subject
    health: bool = False  # needs ?purpose=, marked confidential


def send_export(kind: ExportKind, *, subject_id: str, build: Callable[[], PdfDocument]) -> Response:
    """Answer an export route: the PDF (200), or the print view with `?format=html`."""
    document = build()
    if request.args.get("format") == "html":
        return Response(render_print_html(document), mimetype="text/html")
    rendered = render_pdf(document)
    return Response(
        rendered.data,
        mimetype="application/pdf",
        headers={"Content-Disposition": f'inline; filename="{kind.name}-{subject_id}.pdf"'},
    )
