"""SKELETON renderer (issue 15): one WeasyPrint pass, header and footer in the page
margins. The engine replaces this module (fetcher, PDF/A-3b, tags, chunks, cache)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from flask import render_template

if TYPE_CHECKING:
    from core.pdf import PdfDocument, Progress, RenderedPdf


def print_html(document: PdfDocument) -> str:
    return render_template("exports/shell.html", document=document, parts=document.parts)


def render(document: PdfDocument, *, progress: Progress | None = None) -> RenderedPdf:
    import weasyprint  # noqa: PLC0415

    from core.pdf import RenderedPdf  # noqa: PLC0415

    html = weasyprint.HTML(string=print_html(document), base_url="/")
    pdf = html.render()
    if progress is not None:
        progress(1, 1)
    return RenderedPdf(data=pdf.write_pdf(), pages=len(pdf.pages), parts_rendered=1)
