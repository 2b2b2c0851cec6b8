"""The append-only, hash-chained audit log.

Writing: a service calls `record(...)` inside its unit of work, so the entry commits
or rolls back with the change. The row goes in *unsealed* (no chain position yet).
Right after the commit, `seal_pending()` takes the unsealed rows in id order under a
short lock, gives each the next chain position `seq`, and computes
`hash = sha256(prev_hash + canonical content)`. The chain therefore follows sealing
order; a lock is held for milliseconds, not for the whole request.

Denied attempts are written by `persist_denial` exactly once, in a transaction of their
own: `authorize` hands it the draft as it refuses; with no unit of work open the entry is
written at once, inside one as soon as that unit has ended (after its rollback), so the
refused work is undone and the denial survives whatever the surface (HTTP, CLI, a direct
call). The draft also travels on the `Forbidden` error; writing it again is a no-op.

On PostgreSQL a trigger refuses DELETE, TRUNCATE and any UPDATE except sealing an
unsealed row without touching its content (created by the foundation migration, which
holds its SQL). `core.audit_verify.verify_chain` recomputes everything.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, cast

import sqlalchemy as sa
from flask import Flask, current_app, has_app_context
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from core.actor import Actor
from core.audit_chain import GENESIS as GENESIS  # re-exported: the chain's rule
from core.audit_chain import canonical as canonical
from core.audit_chain import compute_hash as compute_hash
from core.audit_tags import AuditSubjectType, AuditTag, stored
from core.db import (
    Base,
    after_commit,
    after_unit,
    autocommit,
    db,
    in_unit_of_work,
    intpk,
    is_autocommit,
    unit_of_work,
    utcnow,
)

log = logging.getLogger("custodia.audit")
SEAL_LOCK_KEY = 0x437573746F646961  # "Custodia"
# None is SQL NULL (not JSON null): entries without detail stay as they always were
DETAIL_JSON = sa.JSON(none_as_null=True).with_variant(JSONB(none_as_null=True), "postgresql")


class Outcome(StrEnum):
    SUCCESS = "success"
    DENIED = "denied"
    FAILURE = "failure"


class AuditEvent(Base):
    __tablename__ = "audit_events"

    id: Mapped[intpk]
    seq: Mapped[int | None] = mapped_column(sa.BigInteger, unique=True)
    occurred_at: Mapped[dt.datetime] = mapped_column(index=True)
    actor_id: Mapped[int | None] = mapped_column(sa.Integer, index=True)
    actor: Mapped[str] = mapped_column(sa.String(64))
    tag: Mapped[str] = mapped_column(sa.String(64), index=True)
    subject_type: Mapped[str | None] = mapped_column(sa.String(64))
    subject_id: Mapped[str | None] = mapped_column(sa.String(64))
    outcome: Mapped[str] = mapped_column(sa.String(16))
    changed_fields: Mapped[list[str]] = mapped_column(sa.JSON)
    request_id: Mapped[str | None] = mapped_column(sa.String(64))
    client_addr: Mapped[str | None] = mapped_column(sa.String(64))
    # the facility the entry concerns (core.scope): a scoped auditor sees only theirs
    facility_id: Mapped[int | None] = mapped_column(sa.Integer, index=True)
    # what an entry must prove beyond ids (an export's SHA-256, kind and purpose); hashed
    # into the chain when present, so entries without it keep the bytes they were sealed with
    detail: Mapped[dict[str, Any] | None] = mapped_column(DETAIL_JSON)
    prev_hash: Mapped[str | None] = mapped_column(sa.String(64))
    hash: Mapped[str | None] = mapped_column(sa.String(64))
    sealed_at: Mapped[dt.datetime | None]

    __table_args__ = (sa.Index("ix_audit_events_subject", "subject_type", "subject_id"),)


_INSERT = sa.insert(cast(sa.Table, AuditEvent.__table__))
_INSERT_INLINE = _INSERT.inline()  # without RETURNING id


@dataclass
class AuditDraft:
    """An entry to write later (a denial, written after the rollback). `tag` and
    `subject_type` may be any feature's enum members: their values are kept."""

    tag: AuditTag
    actor: Actor
    subject_type: AuditSubjectType | None = None
    subject_id: str | None = None
    outcome: Outcome = Outcome.DENIED
    changed_fields: list[str] = field(default_factory=list)
    written: bool = False
    # the facility concerned; default: the actor's, when they are limited to one
    facility_id: int | None = None
    detail: dict[str, Any] | None = None

    def __post_init__(self) -> None:
        self.tag = stored(self.tag)
        self.subject_type = stored(self.subject_type)


def _values(draft: AuditDraft, occurred_at: dt.datetime | None = None) -> dict[str, Any]:
    return {
        "occurred_at": occurred_at or utcnow(),
        "actor_id": draft.actor.user_id,
        "actor": draft.actor.username[:64],
        "tag": str(draft.tag),
        "subject_type": draft.subject_type,
        "subject_id": None if draft.subject_id is None else str(draft.subject_id),
        "outcome": str(draft.outcome),
        "changed_fields": sorted(set(draft.changed_fields)),
        "request_id": draft.actor.request_id,
        "client_addr": draft.actor.client_addr,
        "facility_id": draft.facility_id if draft.facility_id is not None else _own(draft.actor),
        "detail": draft.detail,
    }


def _own(actor: Actor) -> int | None:
    return None if actor.is_system else actor.facility_id


def _insert(draft: AuditDraft, occurred_at: dt.datetime | None = None) -> int:
    """One Core INSERT in the session's transaction (no ORM object: audited reads are
    the hottest path there is); returns the new entry's id."""
    result = cast(sa.CursorResult[Any], db.session.execute(_INSERT, _values(draft, occurred_at)))
    key = result.inserted_primary_key
    if key is None:
        raise RuntimeError("the audit INSERT returned no id")
    return int(key[0])


def record(
    *,
    actor: Actor,
    tag: AuditTag,
    subject_type: AuditSubjectType | None = None,
    subject_id: object = None,
    outcome: Outcome = Outcome.SUCCESS,
    changed_fields: Iterable[str] = (),
    occurred_at: dt.datetime | None = None,
    facility_id: int | None = None,
    detail: dict[str, Any] | None = None,
) -> int:
    """Append an entry in the current unit of work (ids and field names only); returns
    its id. The entry is written at once, in the unit's transaction. `tag` and
    `subject_type`: enum members (`CoreAuditTag.USER_CREATE`, `SubjectType.USER`, or a
    feature's), stored as their values. `detail`: a small JSON object the chain covers
    (never health content)."""
    if not in_unit_of_work():
        raise RuntimeError("audit.record must run inside a unit of work")
    draft = AuditDraft(
        tag,
        actor,
        subject_type,
        None if subject_id is None else str(subject_id),
        outcome,
        list(changed_fields),
        facility_id=facility_id,
        detail=detail,
    )
    entry_id = _insert(draft, occurred_at)
    after_commit(seal_soon)
    return entry_id


def persist_denial(draft: AuditDraft | None) -> None:
    """Write a denied attempt in a transaction of its own, once: now when no unit of work
    is open, otherwise right after the open unit ends (so its rollback cannot undo it)."""
    if draft is None or draft.written:
        return
    if in_unit_of_work():
        after_unit(lambda: persist_denial(draft))
        return
    draft.written = True
    with unit_of_work():
        _insert(draft)
        after_commit(seal_soon)


# --- sealing -------------------------------------------------------------------------


def _lock_chain(session: sa.orm.Session) -> None:
    """Serialise sealers. PostgreSQL: a transaction-scoped advisory lock. SQLite: take the
    database's write lock before reading the head (a write that touches no row does), so
    a second sealer waits on `busy_timeout` instead of failing with "database is locked"
    when it later tries to upgrade a read snapshot that has gone stale."""
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        session.execute(sa.select(sa.func.pg_advisory_xact_lock(SEAL_LOCK_KEY)))
    elif dialect == "sqlite":
        session.execute(sa.text("UPDATE audit_events SET seq = seq WHERE 0 = 1"))


_CONTENT = [
    c for c in AuditEvent.__table__.c if c.name not in ("seq", "prev_hash", "hash", "sealed_at")
]
_SEAL = (
    sa.update(cast(sa.Table, AuditEvent.__table__))
    .where(AuditEvent.__table__.c.id == sa.bindparam("entry_id"))
    .values(
        seq=sa.bindparam("seq"),
        prev_hash=sa.bindparam("prev_hash"),
        hash=sa.bindparam("hash"),
        sealed_at=sa.bindparam("sealed_at"),
    )
)


_HEAD = (
    sa.select(AuditEvent.__table__.c.seq, AuditEvent.__table__.c.hash)
    .where(AuditEvent.__table__.c.seq.is_not(None))
    .order_by(AuditEvent.__table__.c.seq.desc())
    .limit(1)
)


def _chain_head(session: sa.orm.Session) -> tuple[int, str]:
    """(seq, hash) of the newest sealed entry; call it holding the chain lock."""
    head = session.execute(_HEAD).first()
    return (head[0], head[1]) if head else (0, GENESIS)


def seal_pending(batch: int = 500) -> int:
    """Give unsealed entries their chain position and hash. Returns how many.
    Core statements (rows, one executemany UPDATE): cheap per entry."""
    with unit_of_work() as session:
        _lock_chain(session)
        seq, prev = _chain_head(session)
        pending = session.execute(
            sa.select(*_CONTENT)
            .where(AuditEvent.seq.is_(None))
            .order_by(AuditEvent.id)
            .limit(batch)
        ).all()
        if not pending:
            return 0
        now = utcnow()
        seals = []
        for row in pending:
            seq += 1
            digest = compute_hash(prev, row, seq)
            seals.append(
                {
                    "entry_id": row.id,
                    "seq": seq,
                    "prev_hash": prev,
                    "hash": digest,
                    "sealed_at": now,
                }
            )
            prev = digest
        session.execute(_SEAL, seals)
    return len(seals)


# --- reads: entries of their own ----------------------------------------------------


def record_access(drafts: Iterable[AuditDraft], *, connection: sa.Connection | None = None) -> None:
    """Audit a read (or search). Inside a unit of work (a bundle's GET entries) the
    entries join it like `record`. Outside one they are written before this returns, by
    one INSERT that is its own transaction (no BEGIN/COMMIT round trips: on the hot read
    path), on `connection` when the read's own connection is in autocommit, and sealed
    like any entry (`seal_soon`). If that fails the error propagates: the caller must
    not hand out what it read."""
    rows = [_values(draft) for draft in drafts]
    if not rows:
        return
    if in_unit_of_work():
        _insert_rows(db.session.connection(), rows)
    elif connection is not None and is_autocommit(connection):
        _insert_rows(connection, rows)
    else:
        with autocommit() as conn:
            _insert_rows(conn, rows)
    after_commit(seal_soon)


def _insert_rows(conn: sa.Connection, rows: list[dict[str, Any]]) -> None:
    """One statement (so one transaction in autocommit) for every patient touched; no
    RETURNING, nobody needs the ids."""
    if len(rows) == 1:
        conn.execute(_INSERT_INLINE, rows[0])
    else:
        conn.execute(_INSERT_INLINE.values(rows))


def seal_quietly() -> None:
    """Seal after a commit. The change and its entry are already committed; if sealing
    fails now (lock timeout, lost connection) the entries stay unsealed and the next
    seal or `custodia audit verify` picks them up, so the caller's request still succeeds."""
    try:
        seal_pending()
    except sa.exc.SQLAlchemyError:
        log.warning("audit sealing deferred", exc_info=True)


def seal_soon() -> None:
    """After a commit: seal now (`AUDIT_SEALING = "inline"`, the default), or wake this
    process's background sealer (`"background"`), which seals everything pending in one
    short transaction a few milliseconds later, so a request does not wait for the
    chain lock and concurrent requests share one seal."""
    app: Flask | None = current_app._get_current_object() if has_app_context() else None  # type: ignore[attr-defined]  # werkzeug's LocalProxy is not typed with it
    if app is None:
        seal_quietly()
        return
    if app.config.get("AUDIT_SEALING", "inline") != "background":
        # in a session of its own: a seal that fails (the connection was lost right after
        # the commit) rolls back only itself, not the caller's session, whose objects
        # must stay readable to answer the committed write (core.db, expire_on_commit)
        with app.app_context():
            seal_quietly()
        return
    _BackgroundSealer.for_app(app).wake()


class _BackgroundSealer:
    """One daemon thread per app and process (started lazily, so after a fork)."""

    _lock = threading.Lock()
    DELAY = 0.005  # gather the entries of requests finishing together

    def __init__(self, app: Flask) -> None:
        self.app = app
        self.pending = threading.Event()
        self.pid = os.getpid()
        threading.Thread(target=self._run, name="audit-sealer", daemon=True).start()

    @classmethod
    def for_app(cls, app: Flask) -> _BackgroundSealer:
        sealer = app.extensions.get("audit_sealer")
        if sealer is None or sealer.pid != os.getpid():
            with cls._lock:
                sealer = app.extensions.get("audit_sealer")
                if sealer is None or sealer.pid != os.getpid():
                    sealer = app.extensions["audit_sealer"] = cls(app)
        return sealer

    def wake(self) -> None:
        self.pending.set()

    def _run(self) -> None:
        while True:
            self.pending.wait()
            time.sleep(self.DELAY)
            self.pending.clear()
            with self.app.app_context():
                try:
                    seal_quietly()
                finally:
                    db.session.remove()


def seal_all() -> int:
    total = 0
    while n := seal_pending():
        total += n
    return total
