"""What each role sees first. Read-only summaries; no clinical content for any role.

The dashboard is composed from the links and panels core and the features registered
(core.features): each panel adds its figures and its section for the actors who hold
its permission. Core's own panels (users, audit) are below.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa

from core.access import authorize
from core.actor import Actor
from core.audit import AuditEvent
from core.audit_tags import SubjectType
from core.db import db, utcnow
from core.features import DashboardPanel, Link
from core.models import User
from core.permissions import Permission, Role


@dataclass
class Dashboard:
    title: str
    intro: str
    figures: list[tuple[str, Any]] = field(default_factory=list)  # (label, value)
    links: list[tuple[str, str]] = field(default_factory=list)  # (label, endpoint)
    sections: dict[str, Any] = field(default_factory=dict)  # panel name → what it shows
    templates: list[str] = field(default_factory=list)  # the panels' sections, in order


INTROS = {
    Role.ADMIN: "Users, facilities, housing units and beds.",
    Role.SUPERVISOR: "Your facilities' population, approvals and reviews.",
    Role.OFFICER: "Intake, housing and movement for your facilities.",
    Role.CLINICIAN: "Health services for your facilities.",
    Role.MENTAL_HEALTH: "Health services, mental-health notes included, for your facilities.",
    Role.RECORDS: "PDF exports of your facilities' custody and health records: "
    "request them, follow their progress and download them on the Exports page.",
    Role.AUDITOR: "The audit log and compliance with detention standards.",
}


def dashboard_for(
    *, actor: Actor, links: Sequence[Link] = (), panels: Sequence[DashboardPanel] = ()
) -> Dashboard:
    """The actor's dashboard: the `links` they may follow, then each panel they may see,
    in the order given (the registry keeps both in order)."""
    authorize(actor, Permission.DASHBOARD_VIEW, subject_type=SubjectType.DASHBOARD)
    role = actor.role or Role.ADMIN
    board = Dashboard(title=f"{role.label} dashboard", intro=INTROS[role])
    board.links = [(link.label, link.endpoint) for link in links if actor.can(link.permission)]
    for panel in panels:
        if panel.permission is None or actor.can(panel.permission):
            panel.contribute(actor, board)
            if panel.template:
                board.templates.append(panel.template)
    return board


def _audit_figures(actor: Actor, board: Dashboard) -> None:
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
    board.sections["audit"] = list(
        db.session.scalars(sa.select(AuditEvent).order_by(AuditEvent.id.desc()).limit(10))
    )


def _user_figures(actor: Actor, board: Dashboard) -> None:
    active = db.session.scalar(
        sa.select(sa.func.count()).select_from(User).where(User.is_active.is_(True))
    )
    locked = db.session.scalar(
        sa.select(sa.func.count()).select_from(User).where(User.locked_until > utcnow())
    )
    board.figures += [("Active users", active or 0), ("Locked accounts", locked or 0)]


# After a feature's panels (a facility panel puts its figures first, order 100).
USERS_PANEL = DashboardPanel("users", _user_figures, order=200, permission=Permission.USER_MANAGE)
AUDIT_PANEL = DashboardPanel(
    "audit",
    _audit_figures,
    order=300,
    permission=Permission.AUDIT_READ,
    template="home/_audit_events.html",
)
