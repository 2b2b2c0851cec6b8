"""FHIR API benchmark, one command:

    .venv/bin/python benchmarks/fhir_api.py [--resources 200000] [--seconds 10]

Creates the PostgreSQL database `custodia_bench_fhir` (127.0.0.1:5432, user postgres),
imports the 25 Synthea bundles again and again (each import gives every resource a new
server id) until there are at least --resources resources, starts gunicorn
(`-k gthread --threads 4 -w 2`) and measures, with 16 keep-alive client threads:
read, vread, create, patient-scoped Observation search by code and date, $everything,
and a bare constant endpoint (the ceiling). Prints requests/s, p50 and p95.
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
URL = "postgresql+psycopg://postgres@127.0.0.1:5432/custodia_bench_fhir"
PORT = 5061


def prepare(target: int) -> tuple[str, float]:
    import sqlalchemy as sa

    from core import create_app, migrate
    from core.actor import Actor
    from core.auth import create_token
    from core.db import db
    from core.models import User
    from health.fhir.importer import import_bundle
    from health.fhir.models import FhirResource
    from tests.conftest import fresh_postgres_database

    fresh_postgres_database(URL.rsplit("_fhir", 1)[0], "fhir")
    app = create_app({"SQLALCHEMY_DATABASE_URI": URL, "SECRET_KEY": "bench" * 10})
    bundles = [json.loads(p.read_bytes()) for p in SYNTHEA]
    with app.app_context():
        migrate.upgrade("head")
        actor = Actor.system("bench")
        loaded, started = 0, time.perf_counter()
        while loaded < target:
            for bundle in bundles:
                copy = json.loads(json.dumps(bundle))  # import mutates references
                loaded += import_bundle(actor=actor, bundle=copy).total
                if loaded >= target:
                    break
            print(f"  loaded {loaded} resources ({loaded / (time.perf_counter() - started):.0f}/s)")
        rate = loaded / (time.perf_counter() - started)
        count = db.session.scalar(sa.select(sa.func.count()).select_from(FhirResource))
        print(f"database holds {count} resources; import {rate:.0f} resources/s")
        user = User(username="bench.clinician", role="clinician", password_hash="x", is_active=True)
        db.session.add(user)
        db.session.commit()
        token = create_token(actor=actor, username=user.username, expires_days=1)
        with db.engine.connect() as conn:
            conn.execute(sa.text("ANALYZE"))
            conn.commit()
    return token, rate


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


def samples() -> dict[str, list[str]]:
    import sqlalchemy as sa

    engine = sa.create_engine(URL)
    with engine.connect() as conn:
        obs = conn.execute(
            sa.text(
                "SELECT id, patient_id FROM fhir_resources WHERE resource_type='Observation' "
                "ORDER BY random() LIMIT 500"
            )
        ).all()
        patients = [
            r[0]
            for r in conn.execute(
                sa.text(
                    "SELECT id FROM fhir_resources WHERE resource_type='Patient' "
                    "ORDER BY random() LIMIT 200"
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
        "everything": [f"/fhir/Patient/{p}/$everything?_count=50" for p in patients],
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--resources", type=int, default=200_000)
    parser.add_argument("--seconds", type=float, default=10)
    args = parser.parse_args()
    token, import_rate = prepare(args.resources)
    env = {
        **os.environ,
        "DATABASE_URL": URL,
        "SECRET_KEY": "bench" * 10,
        "CUSTODIA_BENCH_CEILING": "1",
    }
    server = subprocess.Popen(
        [
            str(ROOT / ".venv/bin/gunicorn"),
            "-k",
            "gthread",
            "--threads",
            "4",
            "-w",
            "2",
            "-b",
            f"127.0.0.1:{PORT}",
            "--log-level",
            "warning",
            "benchmarks.fhir_api:ceiling_app()",
        ],
        cwd=ROOT,
        env=env,
    )
    try:
        time.sleep(4)
        paths = samples()
        ceiling = measure("ceiling (constant JSON)", ["/bench/constant"], token, args.seconds)
        read = measure("read Observation", paths["read"], token, args.seconds)
        measure("vread Observation", paths["vread"], token, args.seconds)
        measure("search Observation patient+code+date", paths["search"], token, args.seconds)
        measure("Patient/$everything (_count=50)", paths["everything"], token, args.seconds)
        body = json.dumps({"resourceType": "Basic", "code": {"text": "bench"}})
        measure("create Basic", ["/fhir/Basic"], token, args.seconds, "POST", body)
        print(
            f"read throughput = {read[0] / ceiling[0]:.0%} of the ceiling; "
            f"import {import_rate:.0f}/s"
        )
    finally:
        server.terminate()
        server.wait()


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
