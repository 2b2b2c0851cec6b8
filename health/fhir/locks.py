"""Conditional creates one at a time: before a conditional create looks for its match,
the unit of work takes a lock on its condition and holds it until it ends, so of
parallel requests with the same `If-None-Exist` one creates and the others, waiting,
find what it created.

PostgreSQL: a transaction-scoped advisory lock (`pg_advisory_xact_lock`) keyed by a
hash of the resource type and the normalised condition (parameters sorted), taken in key
order when a transaction holds several (no deadlock between two bundles). SQLite: the
database's write lock, taken by a write that touches no row before anything is read
(writers queue on it; the match then sees every committed write). `hold_writes` takes
the same lock before a PUT, PATCH or DELETE reads the row it replaces."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from urllib.parse import parse_qsl, urlencode

import sqlalchemy as sa

from core.db import db


def normalised(resource_type: str, condition: str) -> str:
    """`Type?a=1&b=2` with the parameters sorted (`Type?` in the condition is optional)."""
    query = condition.split("?", 1)[-1]
    return f"{resource_type}?{urlencode(sorted(parse_qsl(query, keep_blank_values=True)))}"


def condition_key(resource_type: str, condition: str) -> int:
    """A signed 64-bit key (PostgreSQL's advisory lock space) for the condition."""
    digest = hashlib.sha256(normalised(resource_type, condition).encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


def lock_conditions(conditions: Iterable[tuple[str, str]]) -> None:
    """Hold a lock on each (resource type, condition) until the unit of work ends."""
    keys = sorted({condition_key(rtype, condition) for rtype, condition in conditions})
    if not keys:
        return
    session = db.session
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        for key in keys:
            session.execute(sa.select(sa.func.pg_advisory_xact_lock(key)))
    elif dialect == "sqlite":
        hold_writes()


def hold_writes() -> None:
    """SQLite: take the database's write lock now, before the unit of work reads the row
    it will write (a read-then-write transaction that another writer overtook would fail
    with "database is locked" instead of waiting). PostgreSQL: nothing (the row lock of
    the read does it)."""
    session = db.session
    if session.get_bind().dialect.name == "sqlite":
        session.execute(sa.text("UPDATE fhir_resources SET version = version WHERE 0 = 1"))
