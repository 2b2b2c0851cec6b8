"""PDF exports: what features call to answer an export route, the registry of export
kinds the exports page offers, the records and audit that make every export
verifiable, background jobs for large ones, and `custodia exports verify FILE`.

A feature's export route is its own page-blueprint route under `/exports/...`,
declared with `@requires(<its export permission>)`; its body is one call:

    return send_export(KIND, subject_id=str(booking_id), build=lambda: build_doc(actor, id))

`build` checks what the actor may see (facility scope, restricted content), reads the
data and returns the `PdfDocument`; it raises the usual DomainErrors (NotFound,
Forbidden) for a clear 4xx. The feature registers the kind with
`registry(app).add_export_kind(KIND)` (with `resolve`, the exports page offers it).
"""

from __future__ import annotations

from core.exports.kinds import ExportKind, Resolver
from core.exports.send import send_export

__all__ = ["ExportKind", "Resolver", "send_export"]
