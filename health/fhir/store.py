"""Versioned storage: create, read, vread, update, delete and history.

Writes go through `write_many`: the current row, a history row and the index rows of
every resource, in the caller's unit of work, with executemany inserts (one statement
per table however many resources: the importer and transactions use the same path).
Reads return the stored JSON text without parsing it.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB

from core.actor import Actor
from core.db import db, utcnow
from health.fhir import jsontext
from health.fhir.errors import (
    InvalidRequest,
    PreconditionFailed,
    ResourceConflict,
    ResourceDeleted,
    UnknownResource,
)
from health.fhir.indexing import is_restricted, patient_of, rows_for
from health.fhir.models import INDEX_TABLES, FhirHistory, FhirResource, ReferenceIndex, table_of
from health.fhir.resource_types import check_id, check_type
from health.fhir.validation import validate
from health.permissions import HealthPermission

INDEX_MODELS = tuple(dict.fromkeys(INDEX_TABLES.values()))


@dataclass
class Stored:
    """One version of a resource as stored (text is the JSON; None for a tombstone)."""

    resource_type: str
    id: str
    version: int
    last_updated: dt.datetime
    text: str | None
    is_deleted: bool = False
    is_restricted: bool = False
    patient_id: str | None = None
    method: str = "GET"

    @property
    def reference(self) -> str:
        return f"{self.resource_type}/{self.id}"

    @property
    def etag(self) -> str:
        return f'W/"{self.version}"'


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


def instant(value: dt.datetime) -> str:
    return value.astimezone(dt.UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def can_see_restricted(actor: Actor) -> bool:
    return actor.can(HealthPermission.RESTRICTED_READ)


def visible(actor: Actor, stored: Stored) -> bool:
    """Security labels: a restricted resource only for HEALTH_RESTRICTED_READ."""
    return not stored.is_restricted or can_see_restricted(actor)


# --- reading -------------------------------------------------------------------------


def json_text(column: Any) -> Any:
    return sa.cast(column, sa.Text)


RESOURCES, HISTORY = table_of(FhirResource), table_of(FhirHistory)
_CURRENT = RESOURCES.c
CURRENT_COLUMNS = (
    _CURRENT.resource_type,
    _CURRENT.id,
    _CURRENT.version,
    _CURRENT.last_updated,
    json_text(_CURRENT.resource),
    _CURRENT.is_deleted,
    _CURRENT.is_restricted,
    _CURRENT.patient_id,
)
# built once (Core, bound parameters): a read is the hottest statement there is
_BY_KEY = sa.select(*CURRENT_COLUMNS).where(
    _CURRENT.resource_type == sa.bindparam("resource_type"),
    _CURRENT.id == sa.bindparam("resource_id"),
)
_BY_KEY_FOR_UPDATE = _BY_KEY.with_for_update()


def stored_from_row(row: Sequence[Any]) -> Stored:
    return Stored(*row)


def current(
    resource_type: str,
    resource_id: str,
    *,
    for_update: bool = False,
    connection: sa.Connection | None = None,
) -> Stored | None:
    """The current row (a tombstone too), in the unit of work or on `connection`."""
    query = _BY_KEY_FOR_UPDATE if for_update else _BY_KEY
    params = {"resource_type": resource_type, "resource_id": resource_id}
    row = (connection or db.session).execute(query, params).first()
    return stored_from_row(row) if row else None


def chunks(keys: Iterable[tuple[str, str]], size: int = 500) -> Iterator[list[tuple[str, str]]]:
    """Distinct keys in lists of `size` (one `IN` list per statement)."""
    distinct = list(dict.fromkeys(keys))
    for start in range(0, len(distinct), size):
        yield distinct[start : start + size]


def _current_rows(
    keys: Iterable[tuple[str, str]], *where: Any, connection: Any = None, for_update: bool = False
) -> Iterator[Stored]:
    for chunk in chunks(keys):
        query = sa.select(*CURRENT_COLUMNS).where(
            sa.tuple_(FhirResource.resource_type, FhirResource.id).in_(chunk), *where
        )
        if for_update:
            query = query.with_for_update()
        yield from map(stored_from_row, (connection or db.session).execute(query))


def current_many(keys: Iterable[tuple[str, str]], *, connection: Any = None) -> list[Stored]:
    """The live current rows of many resources, in one query per 500."""
    return list(_current_rows(keys, FhirResource.is_deleted.is_(False), connection=connection))


def current_for_update(keys: Iterable[tuple[str, str]]) -> dict[tuple[str, str], Stored]:
    """The current rows (tombstones too) of many resources, locked, in one query per 500:
    a bundle's PUTs check existence once, not once per entry."""
    return {(s.resource_type, s.id): s for s in _current_rows(keys, for_update=True)}


_HISTORY = HISTORY.c
HISTORY_COLUMNS = (  # a version as `Stored` (is_deleted: no document)
    _HISTORY.resource_type,
    _HISTORY.id,
    _HISTORY.version,
    _HISTORY.last_updated,
    json_text(_HISTORY.resource),
    _HISTORY.resource.is_(None),
    _HISTORY.is_restricted,
)
# one version, with the patient of the current row (every version has one: tombstones stay)
_VERSION = (
    sa.select(*HISTORY_COLUMNS, _CURRENT.patient_id)
    .join_from(
        HISTORY,
        RESOURCES,
        sa.and_(_CURRENT.resource_type == _HISTORY.resource_type, _CURRENT.id == _HISTORY.id),
    )
    .where(
        _HISTORY.resource_type == sa.bindparam("resource_type"),
        _HISTORY.id == sa.bindparam("resource_id"),
        _HISTORY.version == sa.bindparam("version"),
    )
)


def version_of(
    resource_type: str, resource_id: str, version: int, *, connection: sa.Connection | None = None
) -> Stored | None:
    """One version (patient_id: the resource's current one), in one query."""
    params = {"resource_type": resource_type, "resource_id": resource_id, "version": version}
    row = (connection or db.session).execute(_VERSION, params).first()
    return Stored(*row) if row else None


def require_current(
    resource_type: str, resource_id: str, *, connection: sa.Connection | None = None
) -> Stored:
    check_type(resource_type)
    stored = current(resource_type, resource_id, connection=connection)
    if stored is None:
        raise UnknownResource(f"{resource_type}/{resource_id} is not known.")
    if stored.is_deleted:
        raise ResourceDeleted(f"{resource_type}/{resource_id} was deleted.", code="deleted")
    return stored


# --- writing -------------------------------------------------------------------------


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
    per table however many resources (COPY on PostgreSQL for a bundle's rows)."""
    if not pendings:
        return []
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
    return [stored for stored, _ in prepared]


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


# --- pieces the services and bundles share -------------------------------------------


def parse_body(body: bytes | str) -> Any:
    try:
        return jsontext.loads(body)
    except (ValueError, UnicodeDecodeError) as err:
        raise InvalidRequest(f"The body is not valid JSON: {err}", code="structure") from None


def expected_version(if_match: str | None) -> int | None:
    if not if_match:
        return None
    value = if_match.strip()
    value = value[2:] if value.startswith("W/") else value
    value = value.strip('"')
    if not value.isdigit():
        raise InvalidRequest('If-Match must be a version ETag like W/"3".')
    return int(value)


def pending_create(resource_type: str, document: Any) -> Pending:
    check_type(resource_type)
    validate(document, resource_type)
    return Pending(resource_type, new_id(), document, "POST")


def pending_update(
    resource_type: str,
    resource_id: str,
    document: Any,
    if_match: str | None,
    prefetched: dict[tuple[str, str], Stored] | None = None,
) -> Pending:
    """`prefetched`: the result of `current_for_update` over every key this unit of work
    updates (absent key: no such resource); None reads the row here."""
    check_type(resource_type)
    check_id(resource_type, resource_id)
    validate(document, resource_type)
    if document.get("id") != resource_id:
        raise InvalidRequest(
            "The resource id must equal the id in the URL.", expression=[f"{resource_type}.id"]
        )
    if prefetched is None:
        existing = current(resource_type, resource_id, for_update=True)
    else:
        existing = prefetched.get((resource_type, resource_id))
    wanted = expected_version(if_match)
    if wanted is not None and (existing is None or existing.version != wanted):
        have = f'W/"{existing.version}"' if existing else "nothing"
        raise PreconditionFailed(
            f'If-Match W/"{wanted}" does not match the current version ({have}).'
        )
    return Pending(resource_type, resource_id, document, "PUT", current=existing)


def pending_delete(resource_type: str, resource_id: str) -> Pending | None:
    """None when already deleted (deleting again changes nothing)."""
    check_type(resource_type)
    existing = current(resource_type, resource_id, for_update=True)
    if existing is None:
        raise UnknownResource(f"{resource_type}/{resource_id} is not known.")
    if existing.is_deleted:
        return None
    referrer = db.session.execute(
        sa.select(ReferenceIndex.resource_type, ReferenceIndex.resource_id)
        .where(
            ReferenceIndex.target_type == resource_type,
            ReferenceIndex.target_id == resource_id,
            sa.tuple_(ReferenceIndex.resource_type, ReferenceIndex.resource_id)
            != (resource_type, resource_id),
        )
        .limit(1)
    ).first()
    if referrer:
        raise ResourceConflict(
            f"{resource_type}/{resource_id} is still referenced by {referrer[0]}/{referrer[1]}; "
            "delete or update that first.",
            code="conflict",
        )
    return Pending(resource_type, resource_id, None, "DELETE", current=existing)


# --- history -------------------------------------------------------------------------


def history(
    *,
    resource_type: str | None,
    resource_id: str | None,
    since: dt.datetime | None,
    at: dt.datetime,
    count: int,
    offset: int,
    restricted_ok: bool,
) -> tuple[list[Stored], int]:
    """Versions newest first, as of `at` (the snapshot the paging links carry)."""
    conditions = [FhirHistory.last_updated <= at]
    if resource_type:
        conditions.append(FhirHistory.resource_type == resource_type)
    if resource_id:
        conditions.append(FhirHistory.id == resource_id)
    if since:
        conditions.append(FhirHistory.last_updated >= since)
    if not restricted_ok:
        conditions.append(FhirHistory.is_restricted.is_(False))
    total = db.session.scalar(
        sa.select(sa.func.count()).select_from(FhirHistory).where(*conditions)
    )
    rows = db.session.execute(
        sa.select(*HISTORY_COLUMNS, sa.null(), FhirHistory.method)
        .where(*conditions)
        .order_by(
            FhirHistory.last_updated.desc(),
            FhirHistory.resource_type,
            FhirHistory.id,
            FhirHistory.version.desc(),
        )
        .offset(offset)
        .limit(count)
    ).all()
    return [Stored(*row) for row in rows], total or 0
