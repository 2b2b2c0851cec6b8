"""Reading the audit log (auditors): filters and keyset paging, newest first.

Pages are cut by entry id, never by OFFSET: a page link names the id to continue from,
so entries appended while an auditor pages through the log never shift what the next
page shows, and no entry is shown twice or skipped. (An id is taken at insert: an
entry whose transaction commits late can land below a page already read; the first
page, reloaded, always shows everything committed.)

Filters (all optional, combined with AND):
- `actor`: a user name, exact; ending in `*` it matches names that start with the rest.
- `tag`: an action tag or whole leading parts of one (`custody` and `custody:` both find
  `custody:booking:create`, `core:user` finds `core:user:create` but not
  `core:users:x`); ending in `*` it is a plain prefix (`core:us*`).
- `subject_type`, `subject_id`, `outcome`, `request_id`: exact.
- `date_from` / `date_to`: calendar days in UTC (not the viewer's zone), both included:
  `date_to=2026-05-01` keeps entries up to 2026-05-01T23:59:59.999999Z.
- `sealed`: True for entries with a chain position, False for those not yet sealed.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

import sqlalchemy as sa

from core.access import authorize, denial
from core.actor import Actor
from core.audit import AuditEvent
from core.audit_tags import SubjectType
from core.audit_verify import VerifyResult, verify_chain
from core.db import db
from core.errors import NotFound
from core.permissions import Permission
from core.scope import limited_to

MAX_PAGE = 200
DEFAULT_PAGE = 50
PREFIX_MARK = "*"
EXPORT_BATCH = 1000


@dataclass(frozen=True)
class AuditFilter:
    """Every field optional; see the module docstring for how each one matches."""

    actor: str | None = None
    tag: str | None = None
    subject_type: str | None = None
    subject_id: str | None = None
    outcome: str | None = None
    request_id: str | None = None
    date_from: dt.date | None = None
    date_to: dt.date | None = None
    sealed: bool | None = None

    def clauses(self) -> list[sa.ColumnElement[bool]]:
        e = AuditEvent
        found: list[sa.ColumnElement[bool]] = []
        if self.actor and self.actor.strip():
            found.append(_exact_or_prefix(e.actor, self.actor.strip()))
        if self.tag and self.tag.strip():
            found.append(_tag_matches(self.tag.strip()))
        for column, value in (
            (e.subject_type, self.subject_type),
            (e.subject_id, self.subject_id),
            (e.outcome, self.outcome),
            (e.request_id, self.request_id),
        ):
            if value and value.strip():
                found.append(column == value.strip())
        if self.date_from:
            found.append(e.occurred_at >= _midnight(self.date_from))
        if self.date_to and self.date_to < dt.date.max:  # the last day has no day after
            found.append(e.occurred_at < _midnight(self.date_to + dt.timedelta(days=1)))
        if self.sealed is True:
            found.append(e.seq.is_not(None))
        elif self.sealed is False:
            found.append(e.seq.is_(None))
        return found


def _exact_or_prefix(column: sa.orm.QueryableAttribute[str], value: str) -> sa.ColumnElement[bool]:
    if value.endswith(PREFIX_MARK):
        return column.startswith(value.rstrip(PREFIX_MARK), autoescape=True)
    return column == value


def _tag_matches(value: str) -> sa.ColumnElement[bool]:
    """A whole tag, or whole leading parts of one; `*` at the end: any prefix."""
    if value.endswith(PREFIX_MARK):
        return _exact_or_prefix(AuditEvent.tag, value)
    parts = value.rstrip(":")
    return sa.or_(AuditEvent.tag == parts, AuditEvent.tag.startswith(parts + ":", autoescape=True))


@dataclass
class EventPage:
    events: Sequence[AuditEvent]
    older: int | None = None  # pass as `before` for the next (older) page
    newer: int | None = None  # pass as `after` for the previous (newer) page


def _midnight(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time.min, tzinfo=dt.UTC)


def search_events(
    *,
    actor: Actor,
    filters: AuditFilter | None = None,
    before: int | None = None,
    after: int | None = None,
    limit: int = DEFAULT_PAGE,
) -> EventPage:
    """One page of matching entries, newest first: the `limit` entries just older than
    `before` (the next page), or just newer than `after` (the page before; `after` wins
    when both are given), or the newest. `limit` is kept within 1..MAX_PAGE."""
    authorize(actor, Permission.AUDIT_READ, subject_type=SubjectType.AUDIT_EVENTS)
    limit = max(1, min(limit, MAX_PAGE))
    where = _scoped(actor, (filters or AuditFilter()).clauses())
    query = sa.select(AuditEvent).where(*where)
    if after is not None:
        rows = list(
            db.session.scalars(
                query.where(AuditEvent.id > after).order_by(AuditEvent.id).limit(limit + 1)
            )
        )
        more_newer = len(rows) > limit
        rows = list(reversed(rows[:limit]))
        older = rows[-1].id if rows and _exists(where, rows[-1].id, older=True) else None
        return EventPage(rows, older=older, newer=rows[0].id if more_newer else None)
    if before is not None:
        query = query.where(AuditEvent.id < before)
    rows = list(db.session.scalars(query.order_by(AuditEvent.id.desc()).limit(limit + 1)))
    more_older = len(rows) > limit
    rows = rows[:limit]
    newer = None
    if rows and before is not None and _exists(where, rows[0].id, older=False):
        newer = rows[0].id
    return EventPage(rows, older=rows[-1].id if more_older else None, newer=newer)


def _exists(where: list[sa.ColumnElement[bool]], pivot: int, *, older: bool) -> bool:
    side = AuditEvent.id < pivot if older else AuditEvent.id > pivot
    return db.session.scalar(sa.select(sa.exists().where(*where, side))) or False


def get_event(*, actor: Actor, event_id: int) -> AuditEvent:
    authorize(
        actor, Permission.AUDIT_READ, subject_type=SubjectType.AUDIT_EVENT, subject_id=event_id
    )
    event = db.session.get(AuditEvent, event_id)
    if event is None:
        raise NotFound(f"No audit entry {event_id}.")
    if not actor.can_reach_facility(event.facility_id):
        raise denial(actor, Permission.AUDIT_READ, SubjectType.AUDIT_EVENT, event_id)
    return event


def _scoped(actor: Actor, where: list[sa.ColumnElement[bool]]) -> list[sa.ColumnElement[bool]]:
    """An auditor limited to one facility sees the entries that concern it (core.scope):
    those its own users wrote and those naming a record of that facility."""
    facility = limited_to(actor)
    return where if facility is None else [*where, AuditEvent.facility_id == facility]


def export_events(*, actor: Actor, filters: AuditFilter, cap: int) -> Iterator[AuditEvent]:
    """All matching entries, newest first, at most `cap`, read in batches (memory stays
    flat). Authorised now, before the caller starts streaming the rows."""
    authorize(actor, Permission.AUDIT_READ, subject_type=SubjectType.AUDIT_EVENTS)
    return _export_batches(_scoped(actor, filters.clauses()), cap)


def _export_batches(where: list[sa.ColumnElement[bool]], cap: int) -> Iterator[AuditEvent]:
    last, sent = None, 0
    while sent < cap:
        query = sa.select(AuditEvent).where(*where).order_by(AuditEvent.id.desc())
        if last is not None:
            query = query.where(AuditEvent.id < last)
        rows = list(db.session.scalars(query.limit(min(EXPORT_BATCH, cap - sent))))
        if not rows:
            return
        yield from rows
        sent += len(rows)
        last = rows[-1].id
        db.session.expunge_all()


def verify(*, actor: Actor) -> VerifyResult:
    """Recompute the chain (a read: nothing is sealed or changed)."""
    authorize(actor, Permission.AUDIT_READ, subject_type=SubjectType.AUDIT_EVENTS)
    return verify_chain()
