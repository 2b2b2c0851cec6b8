"""Roles and permissions: the one mechanism that pages, the API and the CLI all use.

A permission is a `StrEnum` member whose value is `scope:resource:action`. Core defines
its own; each feature package defines its permissions in its `permissions.py` and
grants them to roles with `grant()` when it registers (`core.features`). Code asks for
a permission, never for a role.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from enum import StrEnum


class Role(StrEnum):
    """Who a user is; what each may do is granted per permission below and by features."""

    ADMIN = "admin"
    SUPERVISOR = "supervisor"
    OFFICER = "officer"
    CLINICIAN = "clinician"
    # a clinician who also reads and writes the restricted mental-health notes
    MENTAL_HEALTH = "mental_health"
    RECORDS = "records"
    AUDITOR = "auditor"

    @property
    def label(self) -> str:
        """The role as people read it ("Mental health")."""
        return self.value.replace("_", " ").capitalize()


class Permission(StrEnum):
    """Core's own permissions (features add theirs)."""

    USER_MANAGE = "core:user:manage"
    TOKEN_MANAGE = "core:token:manage"
    AUDIT_READ = "core:audit:read"
    DASHBOARD_VIEW = "core:dashboard:view"
    # the exports page, jobs and downloads of one's own exports; each export's route
    # requires its feature's export permission
    EXPORT_VIEW = "core:export:view"


# Any feature's permission enum member.
AnyPermission = StrEnum

ROLE_PERMISSIONS: dict[Role, frozenset[StrEnum]] = {role: frozenset() for role in Role}


def grant(grants: Mapping[Role, Iterable[StrEnum]]) -> None:
    """Add permissions to roles (idempotent: registering a feature twice changes nothing)."""
    for role, permissions in grants.items():
        ROLE_PERMISSIONS[role] = ROLE_PERMISSIONS[role] | frozenset(permissions)


def role_has(role: Role | str, permission: StrEnum) -> bool:
    return permission in ROLE_PERMISSIONS[Role(role)]


grant(
    {
        Role.ADMIN: {
            Permission.DASHBOARD_VIEW,
            Permission.USER_MANAGE,
            Permission.TOKEN_MANAGE,
        },
        Role.SUPERVISOR: {Permission.DASHBOARD_VIEW, Permission.EXPORT_VIEW},
        Role.OFFICER: {Permission.DASHBOARD_VIEW, Permission.EXPORT_VIEW},
        Role.CLINICIAN: {Permission.DASHBOARD_VIEW, Permission.EXPORT_VIEW},
        Role.MENTAL_HEALTH: {Permission.DASHBOARD_VIEW, Permission.EXPORT_VIEW},
        Role.RECORDS: {Permission.DASHBOARD_VIEW, Permission.EXPORT_VIEW},
        Role.AUDITOR: {Permission.DASHBOARD_VIEW, Permission.AUDIT_READ},
    }
)
