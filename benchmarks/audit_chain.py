"""What the audit chain costs: audited writes per second (one and several writers) and
the time and memory `custodia audit verify` needs for a long chain.

Every write in Custodia appends an audit entry in its transaction and seals it right
after the commit under a chain lock, so this is the floor under every write path.

    .venv/bin/python benchmarks/audit_chain.py                      # fresh SQLite file
    .venv/bin/python benchmarks/audit_chain.py --database-url postgresql+psycopg://postgres@127.0.0.1:5432/postgres

The script creates its own database (`<name>_bench_audit` on PostgreSQL, a temporary
file on SQLite), builds it with `upgrade head`, and drops it at the end.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import threading
import time
import tracemalloc
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.scratch import scratch_database
from core import create_app, migrate
from core.actor import Actor
from core.audit import record
from core.audit_verify import verify_chain
from core.db import db, unit_of_work


def _database(url: str | None) -> tuple[str, object]:
    return scratch_database(url, "audit")


def _writes(app: object, writer: int, count: int, barrier: threading.Barrier) -> list[float]:
    latencies = []
    with app.app_context():  # type: ignore[attr-defined]
        actor = Actor.system(f"bench-{writer}")
        barrier.wait()
        for i in range(count):
            started = time.perf_counter()
            with unit_of_work():
                record(
                    actor=actor,
                    tag="bench:audit:write",
                    subject_type="bench",
                    subject_id=writer * 1_000_000 + i,
                    changed_fields=["status", "updated_at"],
                )
            latencies.append(time.perf_counter() - started)
        db.session.remove()
    return latencies


def _round(app: object, writers: int, per_writer: int) -> None:
    barrier = threading.Barrier(writers)
    started = time.perf_counter()
    with ThreadPoolExecutor(writers) as pool:
        futures = [pool.submit(_writes, app, w, per_writer, barrier) for w in range(writers)]
        latencies = sorted(x for f in futures for x in f.result())
    elapsed = time.perf_counter() - started
    p95 = latencies[int(len(latencies) * 0.95) - 1]
    print(
        f"  {writers} writer(s) x {per_writer}: {len(latencies) / elapsed:8.0f} audited "
        f"writes/s   p50 {statistics.median(latencies) * 1000:6.2f} ms   p95 {p95 * 1000:6.2f} ms"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", help="a postgresql+psycopg:// URL (default: SQLite)")
    parser.add_argument("--writes", type=int, default=2000, help="writes per round")
    parser.add_argument("--chain", type=int, default=100_000, help="entries to verify")
    args = parser.parse_args()

    url, drop = _database(args.database_url)
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "benchmark-secret-key"})
    try:
        with app.app_context():
            migrate.upgrade("head")
            dialect = db.engine.dialect.name
        print(f"database: {dialect}")
        print("audited writes (one transaction each, sealed after commit):")
        for writers in (1, 4, 8):
            _round(app, writers, max(1, args.writes // writers))

        with app.app_context():
            have = db.session.scalar(sa.text("SELECT count(*) FROM audit_events"))
            missing = max(0, args.chain - have)
            if missing:
                started = time.perf_counter()
                _writes(app, 99, missing, threading.Barrier(1))
                took = time.perf_counter() - started
                print(f"filled the chain to {args.chain} entries in {took:.1f} s")
            db.session.remove()  # a new transaction sees everything written above
            tracemalloc.start()
            started = time.perf_counter()
            result = verify_chain()
            elapsed = time.perf_counter() - started
            _, peak = tracemalloc.get_traced_memory()
            tracemalloc.stop()
            assert result.ok, result.describe()
            rate = result.checked / elapsed
            print(
                f"verify: {result.checked} entries in {elapsed:.2f} s ({rate:,.0f} entries/s), "
                f"peak Python memory {peak / 2**20:.1f} MiB, unsealed {result.unsealed}"
            )
            db.engine.dispose()
    finally:
        drop()  # type: ignore[operator]


if __name__ == "__main__":
    main()
