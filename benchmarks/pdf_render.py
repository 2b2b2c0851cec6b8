"""PDF engine speed and memory (issue 15 point 6) on a synthetic health record, next
to Chromium's `--print-to-pdf` of the same HTML.

    .venv/bin/python benchmarks/pdf_render.py                  # 2-page and ~50-page record
    .venv/bin/python benchmarks/pdf_render.py --encounters 630 # ~500 pages (own process)

Cases: the 2-page document in a running process (single pass); the record with a cold
chunk cache but a warm pool; unchanged (every chunk cached); one encounter appended.
Peak memory is the largest sum of resident memory over this process and all its
descendants (forkserver, pool workers), sampled every 20 ms; for Chromium the same over
its process tree. Each process's own high-water mark (VmHWM) is summed too (an upper
bound: the peaks need not coincide).
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.synthetic_record import record
from core import create_app
from core.pdf import html, render_pdf, worker
from core.pdf.fetcher import BASE_URL

CHROMIUM = [
    "/usr/bin/chromium",
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-pdf-header-footer",
]
ROOT = Path(__file__).resolve().parents[1]


def _status(pid: int, field: str, name: str = "status") -> int:
    try:
        for line in Path(f"/proc/{pid}/{name}").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1]) * 1024
    except (FileNotFoundError, ProcessLookupError):
        pass
    return 0


def _tree(root: int) -> list[int]:
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (FileNotFoundError, ProcessLookupError, IndexError):
                continue
            children.setdefault(ppid, []).append(int(entry.name))
    found, stack = [], [root]
    while stack:
        pid = stack.pop()
        found.append(pid)
        stack.extend(children.get(pid, []))
    return found


class PeakMemory:
    """Largest summed RSS of a process tree, sampled in a thread."""

    def __init__(self, root: int) -> None:
        self.root, self.peak, self.peak_pss, self._stop = root, 0, 0, threading.Event()
        self.base = sum(_status(p, "VmRSS") for p in _tree(root))
        self.base_main = _status(root, "VmRSS")
        self.base_pss = sum(_status(p, "Pss", "smaps_rollup") for p in _tree(root))
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            pids = _tree(self.root)
            self.peak = max(self.peak, sum(_status(p, "VmRSS") for p in pids))
            self.peak_pss = max(self.peak_pss, sum(_status(p, "Pss", "smaps_rollup") for p in pids))
            time.sleep(0.02)

    def __enter__(self) -> PeakMemory:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self.thread.join()


def _timed(fn, runs: int = 1) -> tuple[float, object]:
    times, result = [], None
    for _ in range(runs):
        start = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times), result


def chromium(document, tmp: Path) -> tuple[float, int]:
    """Chromium's print of the same HTML (stylesheet from the static folder on disk)."""
    page = html.pdf_html(document).replace(f"{BASE_URL}static/", f"file://{ROOT}/static/")
    source = tmp / "record.html"
    source.write_text(page)
    out = tmp / "chromium.pdf"
    start = time.perf_counter()
    process = subprocess.Popen(
        [*CHROMIUM, f"--print-to-pdf={out}", f"file://{source}"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    with PeakMemory(process.pid) as memory:
        process.wait()
    return time.perf_counter() - start, memory.peak


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--encounters", type=int, default=63, help="63 ≈ 50 pages, 630 ≈ 500")
    parser.add_argument("--runs", type=int, default=3, help="runs of the fast cases")
    parser.add_argument("--chunk-bytes", type=int, default=None)
    parser.add_argument("--skip-small", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmpdir:
        tmp = Path(tmpdir)
        overrides = {"SQLALCHEMY_DATABASE_URI": "sqlite://", "PDF_CACHE_DIR": str(tmp / "cache")}
        if args.chunk_bytes:
            overrides["PDF_CHUNK_BYTES"] = args.chunk_bytes
        app = create_app(overrides)
        rows = []
        with app.app_context():
            workers = app.config["PDF_WORKERS"]
            if not args.skip_small:
                small = record(2)
                render_pdf(small)  # load WeasyPrint and fonts: "a running process"
                seconds, result = _timed(lambda: render_pdf(small), args.runs)
                rows.append(("2-page document (single pass)", result.pages, seconds, None, ""))
            document = record(args.encounters)
            worker.warm(workers)
            with PeakMemory(os.getpid()) as memory:
                seconds, cold = _timed(lambda: render_pdf(document))
            hwm = sum(_status(p, "VmHWM") for p in _tree(os.getpid()))
            main_before = memory.base_main
            rows.append(
                (
                    "record, cold cache, warm pool",
                    cold.pages,
                    seconds,
                    memory.peak,
                    f"{cold.parts_rendered} chunks rendered; PSS peak {memory.peak_pss >> 20}"
                    f" MB; VmHWM sum {hwm >> 20} MB; engine only (tree RSS peak minus the"
                    f" app process before): {(memory.peak - main_before) >> 20} MB",
                )
            )
            seconds, again = _timed(lambda: render_pdf(document), args.runs)
            rows.append(
                (
                    "record, unchanged",
                    again.pages,
                    seconds,
                    None,
                    f"{again.parts_cached} chunks cached",
                )
            )
            longer = record(args.encounters + 1)
            seconds, grown = _timed(lambda: render_pdf(longer))
            rows.append(
                (
                    "record + 1 encounter",
                    grown.pages,
                    seconds,
                    None,
                    f"{grown.parts_rendered} rendered, {grown.parts_cached} cached",
                )
            )
            worker.shutdown()
            seconds, peak = chromium(document, tmp)
            rows.append(("Chromium --print-to-pdf, same HTML", None, seconds, peak, ""))
    print(
        f"workers={workers} chunk_bytes={app.config['PDF_CHUNK_BYTES']} "
        f"encounters={args.encounters} cpus={os.cpu_count()}"
    )
    print("| case | pages | seconds | peak memory | note |\n| --- | --- | --- | --- | --- |")
    for name, pages, seconds, peak, note in rows:
        memory = f"{peak >> 20} MB" if peak else ""
        print(f"| {name} | {pages or ''} | {seconds:.2f} | {memory} | {note} |")


if __name__ == "__main__":
    main()
