"""FHIR API benchmark, one command:

    .venv/bin/python benchmarks/fhir_api.py \
        --database-url postgresql+psycopg://postgres@127.0.0.1:5432/postgres --resources 200000

On the PostgreSQL server of --database-url it (re)creates the database
`custodia_bench_fhir` and imports the 25 Synthea bundles again and again (each import
gives every resource a new server id) until there are at least --resources resources:
--jobs worker processes (default: one per core) each import whole bundles through the
importer's own path (`import_files`, as `custodia fhir import`: validation, one
transaction per bundle, audit).
`--reuse` keeps an existing benchmark database that already holds enough resources.
Then VACUUM ANALYZE, pg_prewarm of the FHIR tables and their indexes (printed, with
`shared_buffers` and the sizes), gunicorn (`-k gthread --threads 4 -w 2`) and, with 16
keep-alive client threads: a bare constant endpoint (the ceiling), read, vread,
patient-scoped Observation search by code and date, $everything, create (a Basic about
a Patient), `Patient?_summary=count` and `Observation?_count=50`. Prints requests/s,
p50 and p95 for each and the import rate in resources/s.
`--scoped` measures facility scope: half of the Patients (the same half every run:
those whose id's md5 starts below 8, from which every run samples) get an open stay at
facility 1, `bench.clinician` is limited to facility 1 (without `--scoped` it is not),
and the count and the unfiltered Observation page are measured for an unscoped user
(`bench.everywhere`) too.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
SYNTHEA = sorted((ROOT.parent / "shared" / "fhir-samples" / "synthea-r4-bundles").glob("*.json"))
DEFAULT_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
BENCH_DATABASE = "custodia_bench_fhir"
PORT = 5061
LABELS = {
    "read": "read Observation",
    "vread": "vread Observation",
    "search": "search Observation patient+code+date",
    "everything": "Patient/$everything (_count=50)",
    "create": "create Basic (subject Patient)",
    "count": "Patient?_summary=count",
    "page": "Observation?_count=50",
}
MEASURES = tuple(LABELS)
APP = "benchmarks.fhir_api:ceiling_app()"
GUNICORN = "-k gthread --threads 4 -w 2 --log-level warning -b 127.0.0.1:{port} {app}"
FACILITY = 1  # --scoped: the bench clinician's facility
HALF = "left(md5({}), 1) < '8'"  # the Patients sampled (and, --scoped, held at FACILITY)
SERVER_LOG = Path("/tmp/custodia-bench-fhir-server.log")
FHIR_TABLES = (
    "fhir_resources",
    "fhir_history",
    "fhir_idx_token",
    "fhir_idx_string",
    "fhir_idx_date",
    "fhir_idx_reference",
    "fhir_idx_quantity",
    "audit_events",
    "api_tokens",
    "health_patient_stays",
)


def bench_url(server_url: str) -> str:
    import sqlalchemy as sa

    url = sa.engine.make_url(server_url).set(database=BENCH_DATABASE)
    return url.render_as_string(hide_password=False)


def count_resources(url: str) -> int:
    import sqlalchemy as sa

    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            return conn.scalar(sa.text("SELECT count(*) FROM fhir_resources")) or 0
    except sa.exc.SQLAlchemyError:
        return 0
    finally:
        engine.dispose()


# --- loading ---------------------------------------------------------------------------


def upgrade(url: str) -> None:
    from core import create_app, migrate

    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench" * 10})
    with app.app_context():
        migrate.upgrade("head")


def load(url: str, target: int, jobs: int) -> float:
    """Import bundles until `target` resources, through `custodia fhir import`'s own
    `import_files` (`jobs` processes); returns resources/s."""
    from core import create_app
    from core.actor import Actor
    from health.fhir.importer import import_files

    upgrade(url)
    sizes = [len(json.loads(p.read_bytes()).get("entry") or []) for p in SYNTHEA]
    plan, planned = [], 0
    while planned < target:
        index = len(plan) % len(SYNTHEA)
        plan.append(str(SYNTHEA[index]))
        planned += sizes[index]
    print(f"importing {planned} resources ({len(plan)} bundles) with {jobs} processes")
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench" * 10})
    loaded, started, shown = 0, time.perf_counter(), 0
    with app.app_context():
        for outcome in import_files(actor=Actor.system("bench-import"), paths=plan, jobs=jobs):
            if outcome.result is None:
                raise SystemExit(f"{outcome.path}: {outcome.failure}")
            loaded += outcome.result.total
            if loaded - shown >= 20_000:
                shown = loaded
                rate = loaded / (time.perf_counter() - started)
                print(f"  loaded {loaded} resources ({rate:.0f}/s so far)", flush=True)
    elapsed = time.perf_counter() - started
    print(f"imported {loaded} resources in {elapsed:.0f} s: {loaded / elapsed:.0f} resources/s")
    return loaded / elapsed


def prepare(url: str, scoped: bool) -> dict[str, str]:
    """Tokens of `bench.clinician` (limited to FACILITY when `scoped`) and `bench.everywhere`;
    the stays of --scoped (a fixture); then VACUUM ANALYZE and pg_prewarm (printed)."""
    import sqlalchemy as sa

    from core import create_app
    from core.actor import Actor
    from core.auth import create_token
    from core.db import db
    from core.models import User

    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench" * 10})
    tokens, f = {}, {"f": FACILITY}
    users = {"clinician": ("bench.clinician", FACILITY if scoped else None)}
    users["everywhere"] = ("bench.everywhere", None)
    with app.app_context():
        for key, (name, facility) in users.items():
            user = db.session.scalar(sa.select(User).where(User.username == name))
            if user is None:
                user = User(username=name, role="clinician", password_hash="x", is_active=True)
                db.session.add(user)
            user.facility_id = facility
            db.session.commit()
            tokens[key] = create_token(actor=Actor.system("bench"), username=name, expires_days=1)
    engine = sa.create_engine(url, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        if scoped:  # open stays, as health.patients.ensure_patient would make them
            conn.execute(sa.text("DELETE FROM health_patient_stays WHERE facility_id = :f"), f)
            held = conn.execute(
                sa.text(
                    "INSERT INTO health_patient_stays (patient_id, facility_id, started_at) "
                    "SELECT id, :f, now() FROM fhir_resources "
                    f"WHERE resource_type = 'Patient' AND {HALF.format('id')}"
                ),
                f,
            ).rowcount
            print(f"scoped: {held} Patients held at facility {FACILITY}, the others nowhere")
        started = time.perf_counter()
        conn.execute(sa.text("VACUUM ANALYZE"))
        print(f"VACUUM ANALYZE: {time.perf_counter() - started:.0f} s")
        prewarm(conn)
    engine.dispose()
    return tokens


def prewarm(conn) -> None:
    import sqlalchemy as sa

    shared = conn.scalar(sa.text("SHOW shared_buffers"))
    relations = conn.execute(
        sa.text(
            "SELECT c.relname, pg_relation_size(c.oid) FROM pg_class c "
            "JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE n.nspname = 'public' AND c.relkind IN ('r', 'i') "
            "AND (c.relname = ANY(:t) OR c.oid IN (SELECT indexrelid FROM pg_index i "
            "JOIN pg_class t ON t.oid = i.indrelid WHERE t.relname = ANY(:t))) "
            "ORDER BY c.relname = 'fhir_history' DESC, 2 DESC"
        ),
        {"t": list(FHIR_TABLES)},
    ).all()
    total = sum(size for _, size in relations)
    print(f"shared_buffers = {shared}; FHIR tables and indexes = {total / 2**20:.0f} MB")
    try:
        conn.execute(sa.text("CREATE EXTENSION IF NOT EXISTS pg_prewarm"))
    except sa.exc.SQLAlchemyError as err:
        print(f"pg_prewarm is not available ({err.__class__.__name__}): nothing prewarmed")
        return
    # history first, small hot indexes last: what is read most stays in shared_buffers
    started, blocks = time.perf_counter(), 0
    for name, _size in relations:
        blocks += conn.scalar(sa.text("SELECT pg_prewarm(:n)"), {"n": name}) or 0
    print(
        f"pg_prewarm: {len(relations)} relations, {blocks} blocks "
        f"({blocks * 8 / 1024:.0f} MB) in {time.perf_counter() - started:.1f} s"
    )
    if total > 0.8 * _bytes(shared):
        print(
            "  WARNING: the working set is larger than shared_buffers; restart PostgreSQL "
            "with -c shared_buffers=... sized to it (ENVIRONMENT.md) for stable figures"
        )


def _bytes(setting: str) -> int:
    units = {"kB": 2**10, "MB": 2**20, "GB": 2**30, "TB": 2**40}
    for unit, factor in units.items():
        if setting.endswith(unit):
            return int(setting[: -len(unit)]) * factor
    return int(setting) * 8192


def measure(name: str, paths, token: str, seconds: float, method: str = "GET", body=None):
    latencies: list[float] = []
    errors = [0]
    stop = time.perf_counter() + seconds
    lock = threading.Lock()

    def worker() -> None:
        conn = http.client.HTTPConnection("127.0.0.1", PORT)
        headers = {
            "Authorization": f"Bearer {token}",
            "Accept": "application/fhir+json",
            "Content-Type": "application/fhir+json",
        }
        mine = []
        while time.perf_counter() < stop:
            path = random.choice(paths)
            started = time.perf_counter()
            conn.request(method, path, body=body, headers=headers)
            response = conn.getresponse()
            response.read()
            mine.append(time.perf_counter() - started)
            if response.status >= 400:
                errors[0] += 1
        with lock:
            latencies.extend(mine)

    threads = [threading.Thread(target=worker) for _ in range(16)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    latencies.sort()
    p50 = statistics.median(latencies) * 1000
    p95 = latencies[int(len(latencies) * 0.95)] * 1000
    rate = len(latencies) / seconds
    print(
        f"{name:<32} {rate:8.0f} req/s   p50 {p50:6.1f} ms   p95 {p95:6.1f} ms   errors {errors[0]}"
    )
    return rate, p50, p95


def samples(url: str) -> dict[str, list[str]]:
    """Paths of each measurement, about the Patients of HALF only (in scope when --scoped)."""
    import sqlalchemy as sa

    engine = sa.create_engine(url)
    with engine.connect() as conn:
        obs = conn.execute(
            sa.text(
                "SELECT id, patient_id FROM fhir_resources TABLESAMPLE SYSTEM (10) "
                f"WHERE resource_type='Observation' AND {HALF.format('patient_id')} LIMIT 500"
            )
        ).all()
        patients = [
            r[0]
            for r in conn.execute(
                sa.text(
                    "SELECT id FROM fhir_resources WHERE resource_type='Patient' "
                    f"AND {HALF.format('id')} ORDER BY md5(id) LIMIT 200"
                )
            )
        ]
    engine.dispose()
    return {
        "read": [f"/fhir/Observation/{i}" for i, _ in obs],
        "vread": [f"/fhir/Observation/{i}/_history/1" for i, _ in obs],
        "search": [
            f"/fhir/Observation?patient={p}&code=http://loinc.org|8302-2&date=ge2010-01-01"
            for _, p in obs
        ],
        "everything": [f"/fhir/Patient/{p}/$everything?_count=50" for p in patients[1:]],
        "subject": patients[:1],  # grows by every create: not in the $everything samples
        "count": ["/fhir/Patient?_summary=count"],
        "page": ["/fhir/Observation?_count=50"],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", default=DEFAULT_URL, help="any database on the server")
    parser.add_argument("--resources", type=int, default=200_000)
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 2, help="import processes")
    parser.add_argument("--reuse", action="store_true", help="keep a big enough bench database")
    parser.add_argument("--scoped", action="store_true", help="limit bench.clinician to facility 1")
    parser.add_argument(
        "--only",
        nargs="+",
        choices=MEASURES,
        default=list(MEASURES),
        help="measure only these (the ceiling is always measured)",
    )
    parser.add_argument(
        "--sealing",
        choices=("inline", "background"),
        default="background",
        help="AUDIT_SEALING of the served app (background: as a busy production server)",
    )
    args = parser.parse_args()
    url = bench_url(args.database_url)
    started = time.perf_counter()
    import_rate = None
    if args.reuse and count_resources(url) >= args.resources:
        print(f"reusing {BENCH_DATABASE}: {count_resources(url)} resources")
        upgrade(url)  # a newer revision's indexes, if any
    else:
        from tests.conftest import fresh_postgres_database

        fresh_postgres_database(url.rsplit("_fhir", 1)[0], "fhir")  # drops and creates it
        import_rate = load(url, args.resources, args.jobs)
    print(f"database {BENCH_DATABASE} holds {count_resources(url)} resources")
    tokens = prepare(url, args.scoped)
    token = tokens["clinician"]
    print(f"set-up took {time.perf_counter() - started:.0f} s; load average {_load()}")
    env = {**os.environ, "DATABASE_URL": url, "SECRET_KEY": "bench" * 10}
    env["AUDIT_SEALING"] = args.sealing
    server = subprocess.Popen(
        [str(ROOT / ".venv/bin/gunicorn"), *GUNICORN.format(port=PORT, app=APP).split()],
        cwd=ROOT,
        env=env,
        stdout=SERVER_LOG.open("w"),  # the access log: one line per request
        stderr=subprocess.STDOUT,
    )
    try:
        time.sleep(4)
        paths = samples(url)
        ceiling = measure("ceiling (constant JSON)", ["/bench/constant"], token, args.seconds)
        results = {}
        scope = " (scoped)" if args.scoped else ""
        for name in (name for name in MEASURES if name in args.only):
            label = LABELS[name]
            if name == "create":
                subject = {"reference": f"Patient/{paths['subject'][0]}"}
                body = json.dumps(
                    {"resourceType": "Basic", "code": {"text": "b"}, "subject": subject}
                )
                measure(label + scope, ["/fhir/Basic"], token, args.seconds, "POST", body)
                continue
            if name in ("count", "page") and args.scoped:
                measure(label + " (unscoped)", paths[name], tokens["everywhere"], args.seconds)
            results[name] = measure(label + scope, paths[name], token, args.seconds)
        print(f"server log: {SERVER_LOG}")
        if "read" in results:
            print(f"read throughput = {results['read'][0] / ceiling[0]:.0%} of the ceiling")
        if import_rate is not None:
            print(f"import {import_rate:.0f} resources/s ({args.jobs} processes)")
        print(f"load average at the end: {_load()}")
    finally:
        server.terminate()
        server.wait()


def _load() -> str:
    return " ".join(f"{v:.1f}" for v in os.getloadavg())


def ceiling_app():
    """The real app plus one constant endpoint (the Flask ceiling on the same workers)."""
    from core import create_app
    from core.access import public

    app = create_app()

    @public
    def constant():
        return {"resourceType": "Basic", "text": "x" * 1000}

    app.add_url_rule("/bench/constant", "bench_constant", constant)
    return app


if __name__ == "__main__":
    main()
