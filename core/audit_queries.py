"""Reading the audit log (auditors): filters and keyset paging."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import sqlalchemy as sa

from core.access import authorize
from core.actor import Actor
from core.audit import AuditEvent
from core.db import db
from core.permissions import Permission


@dataclass
class EventPage:
    events: Sequence[AuditEvent]


def search_events(*, actor: Actor, limit: int = 50) -> EventPage:
    authorize(actor, Permission.AUDIT_READ, subject_type="audit_events")
    rows = db.session.scalars(sa.select(AuditEvent).order_by(AuditEvent.id.desc()).limit(limit))
    return EventPage(list(rows))
