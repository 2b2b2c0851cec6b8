"""Verifying the audit chain: recompute every sealed entry's hash and link in order and name
the first entry that was edited, deleted, inserted or reordered."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import sqlalchemy as sa

from core.audit import GENESIS, AuditEvent, compute_hash
from core.db import (
    db,
)


@dataclass
class VerifyResult:
    ok: bool
    checked: int
    unsealed: int
    first_bad_seq: int | None = None
    first_bad_id: int | None = None
    problem: str | None = None
    head_hash: str | None = None  # of the newest sealed entry, seq == checked

    def describe(self) -> str:
        if self.ok:
            head = f"; head seq={self.checked} hash={self.head_hash}" if self.head_hash else ""
            return (
                f"audit chain intact: {self.checked} sealed entries, {self.unsealed} unsealed{head}"
            )
        return (
            f"audit chain BROKEN at entry seq={self.first_bad_seq} (id={self.first_bad_id}): "
            f"{self.problem}; {self.checked} entries checked before it"
        )


def _iter_sealed(session: sa.orm.Session, page: int = 2000) -> Iterator[AuditEvent]:
    last = None
    while True:
        query = sa.select(AuditEvent).where(AuditEvent.seq.is_not(None))
        if last is not None:
            query = query.where(AuditEvent.seq > last)
        rows = session.scalars(query.order_by(AuditEvent.seq).limit(page)).all()
        if not rows:
            return
        yield from rows
        last = rows[-1].seq
        session.expunge_all()


def verify_chain() -> VerifyResult:
    """Recompute the chain; report the first entry that breaks it. Reads in a session of
    its own (it pages through the table and forgets each page), so the caller's session
    and the objects it holds are left alone."""
    with sa.orm.Session(bind=db.session.get_bind()) as session:
        return _verify(session)


def _verify(session: sa.orm.Session) -> VerifyResult:
    expected_seq, prev, checked = 1, GENESIS, 0
    for event in _iter_sealed(session):
        problem: str | None = None
        if event.seq != expected_seq:
            problem = (
                f"expected position {expected_seq}, found {event.seq}: "
                "an entry is missing or was inserted"
            )
        elif event.prev_hash != prev:
            problem = (
                "previous-hash link does not match the entry before it (reordered or inserted)"
            )
        elif event.hash != compute_hash(prev, event):
            problem = "content does not match its hash (the entry was edited)"
        if problem:
            unsealed = _count_unsealed(session)
            return VerifyResult(False, checked, unsealed, event.seq, event.id, problem)
        prev, expected_seq, checked = event.hash or "", expected_seq + 1, checked + 1
    head = prev if checked else None
    return VerifyResult(True, checked, _count_unsealed(session), head_hash=head)


def _count_unsealed(session: sa.orm.Session) -> int:
    return (
        session.scalar(
            sa.select(sa.func.count()).select_from(AuditEvent).where(AuditEvent.seq.is_(None))
        )
        or 0
    )
