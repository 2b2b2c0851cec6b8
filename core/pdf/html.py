"""The export HTML: one shell template (templates/exports/shell.html) in four modes.

Rendered in the app process (Flask templates, translations); the results are plain
strings that pool workers lay out. Every header value is escaped by Jinja: nothing
from the document reaches CSS (`content:` strings) — the header and footer are running
elements built from escaped HTML.
"""

from __future__ import annotations

from collections.abc import Sequence

from flask import current_app, render_template

from core.pdf.document import PdfDocument
from core.pdf.fetcher import BASE_URL

STYLESHEET = "css/export.css"


def _render(document: PdfDocument, mode: str, parts: Sequence[str], **extra: object) -> str:
    if mode == "print":
        stylesheet = f"{current_app.static_url_path}/{STYLESHEET}"
    else:  # laid out under the fetcher's base URL: served from the static folder
        stylesheet = f"{BASE_URL}static/{STYLESHEET}"
    return render_template(
        "exports/shell.html",
        document=document,
        mode=mode,
        parts=parts,
        stylesheet=stylesheet,
        **extra,
    )


def print_html(document: PdfDocument) -> str:
    """The print view (a page of the app: stylesheet from /static, no inline CSS)."""
    return _render(document, "print", document.parts)


def pdf_html(document: PdfDocument) -> str:
    """The whole document for one WeasyPrint pass, header and footer included."""
    return _render(document, "pdf", document.parts)


def chunk_html(document: PdfDocument, parts: Sequence[str], *, first: bool) -> str:
    """A slice of the body: nothing per export (no header, no time), so it caches.

    The first chunk carries the document's heading (the export title)."""
    return _render(document, "chunk" if not first else "chunk-first", parts)


def stamp_html(document: PdfDocument) -> str:
    """One page of header and footer alone (no body, no page number): the overlay
    of merged chunks (core.pdf.stamp adds "Page N of M")."""
    return _render(document, "stamp", ())
