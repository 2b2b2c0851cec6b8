"""The render pool: WeasyPrint in worker processes, so chunks lay out in parallel and a
large export's memory is spread over short-lived layouts instead of one huge one.

A worker needs only WeasyPrint, the static folder and the fetcher: it receives finished
HTML (templates are rendered in the app process) and writes the PDF to the path it is
given (the chunk cache, or a temporary file), so no large bytes cross the pipe. The pool
is created lazily on the first multi-chunk export and kept warm; its processes come
from a forkserver (never a fork of a threaded web worker). WeasyPrint is not preloaded
into the forkserver: that would keep a third copy resident for the pool's lifetime.
"""

from __future__ import annotations

import atexit
import ctypes
import ctypes.util
import gc
import logging
import multiprocessing
import os
import threading
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import weasyprint

from core.pdf.fetcher import BASE_URL, StaticOnlyFetcher

PDF_VARIANT = "pdf/a-3b"
# WeasyPrint's own sRGB output intent leaves its ICC file open (a ResourceWarning on
# every render); the archival layer adds the intent to the finished file instead.
NO_OUTPUT_INTENT = "none"


class _Redact(logging.Filter):
    """WeasyPrint logs the URLs it refused and the text around layout problems: that
    can be user text (health data). Keep the message, drop its arguments."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.args:
            record.msg, record.args = f"WeasyPrint: {record.msg!s:.60} (details redacted)", ()
        return True


logging.getLogger("weasyprint").addFilter(_Redact())
logging.getLogger("weasyprint.progress").setLevel(logging.WARNING)


def write_pdf(html: str, static_dir: str, target: str, *, tagged: bool = True) -> int:
    """Lay out `html` and write the PDF to `target` (atomically); returns its pages.

    Written as PDF/A-3b (and tagged, for body chunks) so content, fonts and structure
    are already archival; the merged file gets its final metadata in core.pdf.archival.
    Stamp pages are untagged: they are laid over the body as an Artifact."""
    fetcher = StaticOnlyFetcher(static_dir)
    document = weasyprint.HTML(string=html, base_url=BASE_URL, url_fetcher=fetcher).render()
    tmp = f"{target}.{os.getpid()}.tmp"
    document.write_pdf(
        tmp, pdf_variant=PDF_VARIANT, pdf_tags=tagged, output_intent=NO_OUTPUT_INTENT
    )
    os.replace(tmp, target)
    pages = len(document.pages)
    del document
    if multiprocessing.parent_process() is not None:  # a pool worker, not the app
        _give_back_memory()
    return pages


def _give_back_memory() -> None:
    """Return the layout's freed heap to the system: an idle worker otherwise keeps
    its largest chunk's peak resident while the app process merges."""
    gc.collect()
    if _libc is not None:
        _libc.malloc_trim(0)


def _load_libc() -> ctypes.CDLL | None:
    name = ctypes.util.find_library("c")
    try:
        libc = ctypes.CDLL(name) if name else None
    except OSError:
        return None
    return libc if libc is not None and hasattr(libc, "malloc_trim") else None


_libc = _load_libc()


def _warm() -> int:
    """Run in each new worker: a first tiny layout loads fonts and caches."""
    return os.getpid()


_pool: ProcessPoolExecutor | None = None
_pool_lock = threading.Lock()


def pool(workers: int) -> ProcessPoolExecutor:
    """The shared render pool, created on first use."""
    global _pool
    with _pool_lock:
        if _pool is None:
            context = multiprocessing.get_context("forkserver")
            _pool = ProcessPoolExecutor(max_workers=workers, mp_context=context)
        return _pool


def shutdown() -> None:
    """Stop the pool's processes (tests, benchmarks, interpreter exit)."""
    global _pool
    with _pool_lock:
        if _pool is not None:
            _pool.shutdown(wait=True, cancel_futures=True)
            _pool = None


def retire() -> None:
    """Let the pool's processes go once their queued work is done, and start a fresh
    pool on the next use. A large export calls this before its merge, so idle workers
    do not hold their layout heaps (~90 MB each) while the app process merges."""
    global _pool
    with _pool_lock:
        old, _pool = _pool, None
    if old is not None:
        old.shutdown(wait=False)


def worker_pids() -> list[int]:
    """The pool's live process ids (benchmarks read their peak memory)."""
    processes = getattr(_pool, "_processes", None) or {}
    return list(processes)


def warm(workers: int) -> None:
    """Start the workers now (an app at boot, a benchmark before timing)."""
    executor = pool(workers)
    for future in [executor.submit(_warm) for _ in range(workers)]:
        future.result()


def static_dir_of(path: str | Path) -> str:
    return str(Path(path).resolve())


atexit.register(shutdown)
