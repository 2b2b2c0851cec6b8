"""The store's bulk path (COPY on PostgreSQL) writes exactly the rows of the plain
INSERT path, and a bundle's updates check existence in one query."""

from __future__ import annotations

import datetime as dt
import itertools

import pytest
import sqlalchemy as sa

from core.actor import Actor
from core.db import db
from health.fhir import store, writes
from health.fhir.importer import import_bundle
from health.fhir.incoming import parse_body
from health.fhir.models import INDEX_TABLES, FhirHistory, FhirResource
from tests.conftest import is_postgres
from tests.helpers import fhir_samples

SAMPLES = fhir_samples()
BUNDLE = (
    SAMPLES / "synthea-r4-bundles" / "Clemente_Kreiger_1484a42d-0eaf-4654-9cbf-6b050a5cd73b.json"
)
NOW = dt.datetime(2026, 11, 24, 12, 0, tzinfo=dt.UTC)
TABLES = [FhirResource.__table__, FhirHistory.__table__] + [
    m.__table__ for m in dict.fromkeys(INDEX_TABLES.values())
]


def _import(monkeypatch, prefix: str, threshold: int) -> int:
    counter = itertools.count(1)
    monkeypatch.setattr(writes, "new_id", lambda: f"{prefix}{next(counter)}")
    monkeypatch.setattr(writes, "utcnow", lambda: NOW)
    monkeypatch.setattr(writes, "COPY_THRESHOLD", threshold)
    bundle = parse_body(BUNDLE.read_bytes())
    return import_bundle(actor=Actor.system("test"), bundle=bundle).total


def _rows(prefix: str) -> dict[str, list[tuple]]:
    """Every row the import wrote, ids with `prefix` replaced, serial keys left out."""
    out = {}
    for table in TABLES:
        is_store = table.name in ("fhir_resources", "fhir_history")
        columns = [c for c in table.columns if c.name != "id" or is_store]
        key = table.c.id if is_store else table.c.resource_id
        selected = [sa.cast(c, sa.Text) if c.name == "resource" else c for c in columns]
        rows = db.session.execute(sa.select(*selected).where(key.startswith(prefix))).all()
        out[table.name] = sorted(
            tuple(str(v).replace(prefix, "ID-") if isinstance(v, str) else v for v in row)
            for row in rows
        )
    return out


def test_copy_and_insert_paths_store_the_same_rows(app, monkeypatch):
    if not is_postgres():
        pytest.skip("the COPY path is PostgreSQL's; SQLite always takes the INSERT path")
    plain = _import(monkeypatch, "plain-", threshold=10**9)
    bulk = _import(monkeypatch, "copy-", threshold=0)
    assert plain == bulk > 50
    expected, got = _rows("plain-"), _rows("copy-")
    assert {name: len(rows) for name, rows in got.items()} == {
        name: len(rows) for name, rows in expected.items()
    }
    assert all(expected[name] for name in ("fhir_resources", "fhir_idx_token", "fhir_idx_date"))
    assert got == expected


def _basic(tag: str) -> dict:
    return {"resourceType": "Basic", "code": {"text": tag}, "meta": {"tag": [{"code": tag}]}}


def test_a_bundles_updates_read_current_rows_in_one_query(fhir, monkeypatch):
    ids = [fhir.create(_basic(f"b{i}"))["id"] for i in range(3)]
    reads: list[tuple] = []
    entries = [
        {
            "resource": {**_basic("changed"), "id": i},
            "request": {"method": "PUT", "url": f"Basic/{i}"},
        }
        for i in [*ids, "brand-new"]
    ]
    bundle = {"resourceType": "Bundle", "type": "transaction", "entry": entries}
    with monkeypatch.context() as patched:  # no read of one current row at a time
        patched.setattr(store, "current", lambda *a, **k: reads.append(a))
        response = fhir.post("", bundle)
    assert response.status_code == 200, response.text
    statuses = [e["response"]["status"] for e in response.json["entry"]]
    assert statuses == ["200 OK", "200 OK", "200 OK", "201 Created"]
    assert reads == []
    for i in ids:
        body = fhir.get(f"Basic/{i}").json
        assert body["code"]["text"] == "changed" and body["meta"]["versionId"] == "2"
    assert fhir.get("Basic?_tag=changed").json["total"] == 4
    assert fhir.get("Basic?_tag=b0").json["total"] == 0  # the old index rows are gone
