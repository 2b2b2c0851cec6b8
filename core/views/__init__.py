"""Server-rendered pages of the core (health check, sign-in, dashboard, admin, audit)
and the core API, registered like a feature's (core.features), before the features."""

from __future__ import annotations

from core import api_views, dashboard
from core.features import Link, Registry
from core.permissions import Permission
from core.views import admin, audit, auth, health, home


def register(features: Registry) -> None:
    for module in (health, auth, home, admin, audit):
        features.add_blueprint(module.bp)
    features.add_api_blueprint(api_views.blueprint)
    features.add_nav_item(Link("Dashboard", "home.dashboard", Permission.DASHBOARD_VIEW, 100))
    features.add_nav_item(Link("Users", "admin.users", Permission.USER_MANAGE, 800))
    features.add_nav_item(Link("Audit log", "audit.events", Permission.AUDIT_READ, 900))
    features.add_dashboard_link(Link("Manage users", "admin.users", Permission.USER_MANAGE, 100))
    features.add_dashboard_link(Link("Audit log", "audit.events", Permission.AUDIT_READ, 900))
    features.add_dashboard_panel(dashboard.USERS_PANEL)
    features.add_dashboard_panel(dashboard.AUDIT_PANEL)
