"""Versioned storage, the writing side: `write_many` puts the current row, a history row
and the index rows of every pending resource, in the caller's unit of work, with
executemany inserts (one statement per table however many resources: the importer and
transactions use the same path; COPY on PostgreSQL for a bundle's rows). Every call then
publishes one `health.events.FhirResourcesWritten` in the same unit of work.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB

from core.db import db, utcnow
from core.events import publish
from health.events import FhirResourcesWritten, WrittenResource
from health.fhir import jsontext
from health.fhir.indexing import is_restricted, patient_of, rows_for
from health.fhir.models import INDEX_TABLES, table_of
from health.fhir.referential import check_references
from health.fhir.store import HISTORY, RESOURCES, Stored, chunks, instant
from health.fhir.written import written_resource

INDEX_MODELS = tuple(dict.fromkeys(INDEX_TABLES.values()))


@dataclass
class Pending:
    """A resource about to be written (document already validated)."""

    resource_type: str
    id: str
    document: dict[str, Any] | None  # None: delete
    method: str
    current: Stored | None = None


def new_id() -> str:
    return str(uuid.uuid4())


def prepare(pending: Pending, now: dt.datetime) -> tuple[Stored, dict[str, Any]]:
    """Give the document our id and meta; build the rows for every table."""
    version = (pending.current.version + 1) if pending.current else 1
    text = None
    restricted = False
    patient = pending.current.patient_id if pending.current else None
    indexes: dict[str, list[dict[str, Any]]] = {}
    if pending.document is not None:
        document = pending.document
        document["id"] = pending.id
        meta = {
            k: v
            for k, v in (document.get("meta") or {}).items()
            if k not in ("versionId", "lastUpdated")
        }
        document["meta"] = {"versionId": str(version), "lastUpdated": instant(now), **meta}
        text = jsontext.dumps(document)
        restricted = is_restricted(document)
        patient = patient_of(pending.resource_type, pending.id, document)
        indexes = rows_for(pending.resource_type, pending.id, document)
    stored = Stored(
        pending.resource_type,
        pending.id,
        version,
        now,
        text,
        pending.document is None,
        restricted,
        patient,
        pending.method,
    )
    return stored, indexes


def _document_param(dialect: str, name: str = "resource") -> Any:
    param = sa.bindparam(name, type_=sa.Text)
    return sa.cast(param, JSONB) if dialect == "postgresql" else sa.type_coerce(param, sa.Text)


RESOURCE_COLUMNS = [c.name for c in RESOURCES.columns]
# From this many rows on, PostgreSQL gets COPY instead of an INSERT per row (a bundle;
# a single create stays on plain INSERT, which needs fewer round trips).
COPY_THRESHOLD = 20


def write_many(pendings: Sequence[Pending], now: dt.datetime | None = None) -> list[Stored]:
    """Write every pending resource (inside the caller's unit of work): one statement
    per table however many resources (COPY on PostgreSQL for a bundle's rows); then
    publish one `FhirResourcesWritten` for them all (its subscribers run in the same
    transaction: one that fails rolls the write back). Every local reference must
    resolve first (`referential`: one query for all of them)."""
    if not pendings:
        return []
    check_references(pendings)
    now = now or utcnow()
    prepared = [prepare(p, now) for p in pendings]
    new_rows: list[dict[str, Any]] = []
    changed_rows: list[dict[str, Any]] = []
    history_rows: list[dict[str, Any]] = []
    index_rows: dict[sa.Table, list[dict[str, Any]]] = {}
    for pending, (stored, indexes) in zip(pendings, prepared, strict=True):
        row = {
            "resource_type": stored.resource_type,
            "id": stored.id,
            "version": stored.version,
            "last_updated": now,
            "is_deleted": stored.is_deleted,
            "is_restricted": stored.is_restricted,
            "patient_id": stored.patient_id,
            "resource": stored.text,
        }
        (changed_rows if pending.current else new_rows).append(row)
        history_rows.append({**row, "method": stored.method})
        for kind, rows in indexes.items():
            index_rows.setdefault(table_of(INDEX_TABLES[kind]), []).extend(rows)
    if changed_rows:
        _update_current(changed_rows)
    insert_rows(RESOURCES, new_rows)
    insert_rows(HISTORY, history_rows)
    for table, rows in index_rows.items():
        insert_rows(table, rows)
    written = [stored for stored, _ in prepared]
    publish(FhirResourcesWritten(resources=tuple(map(_written, pendings, written))))
    return written


def _written(pending: Pending, stored: Stored) -> WrittenResource:
    return written_resource(
        resource_type=stored.resource_type,
        id=stored.id,
        version=stored.version,
        patient_id=stored.patient_id,
        document=pending.document,
    )


def insert_rows(table: sa.Table, rows: Sequence[dict[str, Any]]) -> None:
    """Insert rows (dicts keyed by column name; `resource` is JSON text)."""
    if not rows:
        return
    connection = db.session.connection()
    columns = [c.name for c in table.columns if c.name in rows[0]]
    if connection.dialect.driver == "psycopg" and len(rows) >= COPY_THRESHOLD:
        _copy(connection, table, columns, rows)
        return
    values: dict[str, Any] = {c: sa.bindparam(c) for c in columns}
    if "resource" in values:
        values["resource"] = _document_param(connection.dialect.name)
    connection.execute(sa.insert(table).values(values), list(rows))


def _copy(
    connection: sa.Connection, table: sa.Table, columns: list[str], rows: Sequence[dict[str, Any]]
) -> None:
    """COPY FROM STDIN through psycopg 3, in the session's transaction (text format:
    PostgreSQL parses `resource` as JSONB, as the INSERT's cast does)."""
    raw = connection.connection.driver_connection
    if raw is None:  # a pooled connection always has one; a detached one does not
        raise RuntimeError("COPY needs the session's open database connection")
    names = ", ".join(f'"{c}"' for c in columns)
    with raw.cursor() as cursor, cursor.copy(f'COPY "{table.name}" ({names}) FROM STDIN') as copy:
        for row in rows:
            copy.write_row([row[c] for c in columns])


def _update_current(rows: Sequence[dict[str, Any]]) -> None:
    """New versions of existing resources: the current rows are updated in one
    executemany and their old index rows deleted with one statement per table."""
    connection = db.session.connection()
    table = RESOURCES
    values: dict[str, Any] = {
        c: sa.bindparam(f"new_{c}") for c in RESOURCE_COLUMNS if c not in ("resource_type", "id")
    }
    values["resource"] = _document_param(connection.dialect.name, "new_resource")
    statement = (
        sa.update(table)
        .where(
            table.c.resource_type == sa.bindparam("key_type"), table.c.id == sa.bindparam("key_id")
        )
        .values(values)
    )
    params = [
        {"key_type": r["resource_type"], "key_id": r["id"]}
        | {f"new_{k}": v for k, v in r.items() if k not in ("resource_type", "id")}
        for r in rows
    ]
    connection.execute(statement, params)
    keys = [(r["resource_type"], r["id"]) for r in rows]
    for model in INDEX_MODELS:
        for chunk in chunks(keys):
            connection.execute(
                sa.delete(table_of(model)).where(
                    sa.tuple_(model.resource_type, model.resource_id).in_(chunk)
                )
            )
