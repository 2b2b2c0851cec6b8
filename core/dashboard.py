"""What each role sees first. Read-only summaries; no clinical content for any role."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa

from core.access import authorize
from core.actor import Actor
from core.audit import AuditEvent
from core.db import db, utcnow
from core.models import User
from core.permissions import Permission, Role
from custody.permissions import CustodyPermission


@dataclass
class Dashboard:
    title: str
    intro: str
    figures: list[tuple[str, Any]] = field(default_factory=list)
    links: list[tuple[str, str]] = field(default_factory=list)  # (label, endpoint)
    facilities: list[dict[str, Any]] = field(default_factory=list)
    recent_events: list[AuditEvent] = field(default_factory=list)


INTROS = {
    Role.ADMIN: "Users, facilities, housing units and beds.",
    Role.SUPERVISOR: "Your facilities' population, approvals and reviews.",
    Role.OFFICER: "Intake, housing and movement for your facilities.",
    Role.CLINICIAN: "Health services for your facilities.",
    Role.RECORDS: "Records and exports for your facilities.",
    Role.AUDITOR: "The audit log and compliance with detention standards.",
}
LINKS = {
    Permission.USER_MANAGE: ("Manage users", "admin.users"),
    CustodyPermission.FACILITY_MANAGE: ("Manage facilities", "facilities.index"),
    CustodyPermission.FACILITY_READ: ("Facilities", "facilities.index"),
    Permission.AUDIT_READ: ("Audit log", "audit.events"),
}


def dashboard_for(*, actor: Actor) -> Dashboard:
    authorize(actor, Permission.DASHBOARD_VIEW, subject_type="dashboard")
    from custody.facilities.services import bed_counts, list_facilities

    role = actor.role or Role.ADMIN
    board = Dashboard(title=f"{role.value.capitalize()} dashboard", intro=INTROS[role])
    board.links = [link for perm, link in LINKS.items() if actor.can(perm)]
    facilities = list_facilities(actor=actor)
    counts = bed_counts(facility_ids=[f.id for f in facilities])
    board.facilities = [
        {
            "facility": f,
            "beds": counts.get(f.id, (0, 0))[0],
            "in_service": counts.get(f.id, (0, 0))[1],
        }
        for f in facilities
    ]
    board.figures.append(("Facilities", len(facilities)))
    board.figures.append(("Beds in service", sum(c["in_service"] for c in board.facilities)))
    if actor.can(Permission.USER_MANAGE):
        _admin_figures(board)
    if actor.can(Permission.AUDIT_READ):
        _auditor_figures(board)
    return board


def _auditor_figures(board: Dashboard) -> None:
    count = sa.select(sa.func.count()).select_from(AuditEvent)
    since = utcnow() - dt.timedelta(hours=24)
    head = db.session.scalar(sa.select(sa.func.max(AuditEvent.seq)))
    unsealed = db.session.scalar(count.where(AuditEvent.seq.is_(None)))
    denied = db.session.scalar(
        count.where(AuditEvent.outcome == "denied", AuditEvent.occurred_at >= since)
    )
    board.figures += [
        ("Audit entries sealed", head or 0),
        ("Awaiting sealing", unsealed or 0),
        ("Denied attempts, last 24 h", denied or 0),
    ]
    board.recent_events = list(
        db.session.scalars(sa.select(AuditEvent).order_by(AuditEvent.id.desc()).limit(10))
    )


def _admin_figures(board: Dashboard) -> None:
    active = db.session.scalar(
        sa.select(sa.func.count()).select_from(User).where(User.is_active.is_(True))
    )
    locked = db.session.scalar(
        sa.select(sa.func.count()).select_from(User).where(User.locked_until > utcnow())
    )
    board.figures += [("Active users", active or 0), ("Locked accounts", locked or 0)]
