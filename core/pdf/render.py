"""The render paths: one WeasyPrint pass for a small document, chunks for a large one.

Small (one chunk): laid out in this process in one pass, header and footer as running
elements (a 2-page document takes well under a second once WeasyPrint is loaded).
Large: chunks come from the cache or are laid out in the worker pool in parallel, are
merged with their structure trees, and get the per-export header/footer as a stamp.
Both paths end in core.pdf.archival, so the result has the same properties.
"""

from __future__ import annotations

import hashlib
import io
import tempfile
from concurrent.futures import Future, as_completed
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path

import pikepdf
import weasyprint
from flask import current_app
from flask_babel import gettext

from core.pdf import archival, html, worker
from core.pdf.cache import ChunkCache, split_chunks
from core.pdf.document import PdfDocument, Progress, RenderedPdf
from core.pdf.fetcher import BASE_URL, StaticOnlyFetcher
from core.pdf.merge import Merger


def render(document: PdfDocument, *, progress: Progress | None = None) -> RenderedPdf:
    config = current_app.config
    chunks = split_chunks(document.parts, int(config["PDF_CHUNK_BYTES"]))
    if len(chunks) == 1:
        return _single_pass(document, progress)
    try:
        return _chunked(document, chunks, progress)
    except BrokenProcessPool:
        worker.shutdown()  # a worker died (killed, out of memory): the next export starts anew
        raise


def _static_dir() -> str:
    return worker.static_dir_of(current_app.static_folder or "static")


def _single_pass(document: PdfDocument, progress: Progress | None) -> RenderedPdf:
    fetcher = StaticOnlyFetcher(_static_dir())
    laid_out = weasyprint.HTML(
        string=html.pdf_html(document), base_url=BASE_URL, url_fetcher=fetcher
    ).render()
    raw = laid_out.write_pdf(
        pdf_variant=worker.PDF_VARIANT, pdf_tags=True, output_intent=worker.NO_OUTPUT_INTENT
    )
    with pikepdf.open(io.BytesIO(raw)) as pdf:
        archival.finish(pdf, document, tagged=True)
        data = archival.save(pdf)
    if progress is not None:
        progress(1, 1)
    return RenderedPdf(data=data, pages=len(laid_out.pages), parts_rendered=1)


def _cache() -> ChunkCache:
    config = current_app.config
    sheet = Path(_static_dir()) / html.STYLESHEET
    salt = hashlib.sha256(sheet.read_bytes()).hexdigest()
    return ChunkCache(Path(config["PDF_CACHE_DIR"]), int(config["PDF_CACHE_MAX_BYTES"]), salt)


def _chunked(
    document: PdfDocument, chunks: list[list[str]], progress: Progress | None
) -> RenderedPdf:
    config = current_app.config
    cache, static_dir = _cache(), _static_dir()
    sources = [html.chunk_html(document, parts, first=i == 0) for i, parts in enumerate(chunks)]
    keys = [cache.key(source) for source in sources]
    paths = [cache.lookup(key) for key in keys]
    missing = [i for i, path in enumerate(paths) if path is None]
    done, total = len(chunks) - len(missing), len(chunks)
    if progress is not None:
        progress(done, total)
    with tempfile.TemporaryDirectory(prefix="custodia-stamp-") as tmp:
        header = Path(tmp) / "header.pdf"
        stamp = html.stamp_html(document)
        if not missing:  # all cached: no reason to wake (or start) the pool
            worker.write_pdf(stamp, static_dir, str(header), tagged=False)
        else:
            executor = worker.pool(int(config["PDF_WORKERS"]))
            stamp_job = executor.submit(
                worker.write_pdf, stamp, static_dir, str(header), tagged=False
            )
            jobs: dict[Future[int], int] = {
                executor.submit(
                    worker.write_pdf, sources[i], static_dir, str(cache.reserve(keys[i]))
                ): i
                for i in missing
            }
            for job in as_completed(jobs):
                job.result()
                paths[jobs[job]] = cache.path(keys[jobs[job]])
                done += 1
                if progress is not None:
                    progress(done, total)
            stamp_job.result()
            if len(chunks) >= int(config["PDF_RETIRE_POOL_CHUNKS"]):
                worker.retire()
        data, pages = _merge(document, [p for p in paths if p is not None], header)
    cache.prune()
    return RenderedPdf(
        data=data, pages=pages, parts_rendered=len(missing), parts_cached=total - len(missing)
    )


def _merge(document: PdfDocument, paths: list[Path], header: Path) -> tuple[bytes, int]:
    """The merged, stamped, finished file and its page count."""
    merger = Merger()
    try:
        for path in paths:
            merger.add(path)
        merger.finish_structure()
        pages = len(merger.pdf.pages)
        labels = [gettext("Page %(n)s of %(m)s", n=n, m=pages) for n in range(1, pages + 1)]
        merger.stamp(header, labels)
        archival.finish(merger.pdf, document, tagged=merger.tagged)
        return archival.save(merger.pdf), pages
    finally:
        merger.close()
