"""Roles and permissions: the one mechanism that pages, the API and the CLI all use.

A permission is `scope:resource:action`. Each role is granted a fixed set; code asks
for a permission, never for a role.
"""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    ADMIN = "admin"
    SUPERVISOR = "supervisor"
    OFFICER = "officer"
    CLINICIAN = "clinician"
    RECORDS = "records"
    AUDITOR = "auditor"


class Permission(StrEnum):
    # core
    USER_MANAGE = "core:user:manage"
    TOKEN_MANAGE = "core:token:manage"
    AUDIT_READ = "core:audit:read"
    DASHBOARD_VIEW = "core:dashboard:view"
    # reference data
    FACILITY_READ = "custody:facility:read"
    FACILITY_MANAGE = "custody:facility:manage"
    # custody records
    DETAINEE_READ = "custody:detainee:read"
    DETAINEE_WRITE = "custody:detainee:write"
    ALERT_READ = "custody:alert:read"
    ALERT_WRITE = "custody:alert:write"  # clinicians set the alerts officers act on
    CUSTODY_SUPERVISE = "custody:supervision:approve"  # overrides, restrictive housing
    RULES_MANAGE = "custody:rules:manage"  # detention-standards rule sets
    # health
    HEALTH_READ = "health:record:read"
    HEALTH_WRITE = "health:record:write"
    HEALTH_EXPORT = "health:record:export"
    # resources whose meta.security marks them restricted (e.g. psychotherapy notes)
    HEALTH_RESTRICTED_READ = "health:restricted:read"
    # compliance
    COMPLIANCE_READ = "compliance:report:read"


P = Permission

_OFFICER = {
    P.DASHBOARD_VIEW,
    P.FACILITY_READ,
    P.DETAINEE_READ,
    P.DETAINEE_WRITE,
    P.ALERT_READ,
}

ROLE_PERMISSIONS: dict[Role, frozenset[Permission]] = {
    Role.ADMIN: frozenset(
        {
            P.DASHBOARD_VIEW,
            P.USER_MANAGE,
            P.TOKEN_MANAGE,
            P.FACILITY_READ,
            P.FACILITY_MANAGE,
            P.RULES_MANAGE,
        }
    ),
    Role.OFFICER: frozenset(_OFFICER),
    Role.SUPERVISOR: frozenset(_OFFICER | {P.COMPLIANCE_READ, P.CUSTODY_SUPERVISE}),
    Role.CLINICIAN: frozenset(
        {
            P.DASHBOARD_VIEW,
            P.FACILITY_READ,
            P.DETAINEE_READ,
            P.ALERT_READ,
            P.ALERT_WRITE,
            P.HEALTH_READ,
            P.HEALTH_WRITE,
            P.HEALTH_EXPORT,
            P.HEALTH_RESTRICTED_READ,
        }
    ),
    Role.RECORDS: frozenset({P.DASHBOARD_VIEW, P.FACILITY_READ, P.DETAINEE_READ, P.HEALTH_EXPORT}),
    Role.AUDITOR: frozenset(
        {P.DASHBOARD_VIEW, P.FACILITY_READ, P.DETAINEE_READ, P.AUDIT_READ, P.COMPLIANCE_READ}
    ),
}


def role_has(role: Role | str, permission: Permission) -> bool:
    return permission in ROLE_PERMISSIONS[Role(role)]
