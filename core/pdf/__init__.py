"""PDF rendering with WeasyPrint: the one place that turns export HTML into PDF.

Features hand a `PdfDocument` (its running header, its body as HTML parts rendered from
their own templates with autoescaping, and attachments) to `render_pdf`; the print view
of the same document comes from `render_print_html`. The engine owns the URL fetcher
(only the app's own static files: core.pdf.fetcher), PDF/A-3b with tags and associated
files (core.pdf.archival), page headers and footers ("page N of M"), and chunked,
parallel, cached rendering (core.pdf.render, .cache, .merge, .worker). docs/exports.md
("Rendering engine") explains the design; docs/benchmarks.md measures it.
"""

from __future__ import annotations

from core.pdf.archival import attachments_of, embedded_export_id
from core.pdf.document import Attachment, PdfDocument, Progress, RenderedPdf, RunningHeader
from core.pdf.html import print_html
from core.pdf.render import render as _render

__all__ = [
    "Attachment",
    "PdfDocument",
    "Progress",
    "RenderedPdf",
    "RunningHeader",
    "attachments_of",
    "embedded_export_id",
    "render_pdf",
    "render_print_html",
]


def render_pdf(document: PdfDocument, *, progress: Progress | None = None) -> RenderedPdf:
    """The PDF of `document` (PDF/A-3b, tagged, attachments embedded, export id in its
    metadata). Call inside an app context; large documents use the worker pool."""
    return _render(document, progress=progress)


def render_print_html(document: PdfDocument) -> str:
    """The print-friendly HTML view of `document`: the same templates and stylesheet."""
    return print_html(document)
