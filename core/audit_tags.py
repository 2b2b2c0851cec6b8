"""Audit tags and subject types as `StrEnum`s.

A tag names what happened, `scope:resource:action` (`core:user:create`); a subject type
names what it happened to (`user`). Core defines its own here; each feature defines its
enums next to its permissions (`custody:booking:create`, `booking`). `audit.record`,
`audit.record_access`, `AuditDraft` and `access.authorize` take any feature's members
and store their `.value`, so the stored strings, which the audit page filters on, never
change when a literal becomes a member. (Plain strings are still accepted while the
features move to enums.)
"""

from __future__ import annotations

import enum
from enum import StrEnum
from typing import TypeAlias, overload

AuditTag: TypeAlias = StrEnum | str  # any feature's tag member
AuditSubjectType: TypeAlias = StrEnum | str  # any feature's subject type member


class CoreAuditTag(StrEnum):
    LOGIN = "core:auth:login"
    LOCKOUT = "core:auth:lockout"
    LOGOUT = "core:auth:logout"
    TOKEN_CREATE = "core:token:create"
    TOKEN_REVOKE = "core:token:revoke"
    USER_CREATE = "core:user:create"
    USER_UPDATE = "core:user:update"
    USER_PASSWORD = "core:user:password"
    USER_UNLOCK = "core:user:unlock"
    EXPORT_CREATE = "core:export:create"  # a PDF produced (detail: id, kind, sha256, …)
    EXPORT_PRINT_VIEW = "core:export:print-view"  # an export's print view (?format=html)
    EXPORT_DOWNLOAD = "core:export:download"  # a kept export file handed out again


class SubjectType(StrEnum):
    """What core's entries are about."""

    USER = "user"
    API_TOKEN = "api_token"
    DASHBOARD = "dashboard"
    ROUTE = "route"  # a refused call: the endpoint's name is the subject id
    AUDIT_EVENT = "audit_event"
    AUDIT_EVENTS = "audit_events"  # the log as a whole (search, export, verify)
    EXPORT = "export"  # a produced PDF (its export id)
    EXPORT_JOB = "export_job"


@overload
def stored(value: AuditTag) -> str: ...
@overload
def stored(value: None) -> None: ...


def stored(value: AuditTag | None) -> str | None:
    """What the audit table keeps: an enum member's value, a string as it is."""
    if value is None:
        return None
    return str(value.value) if isinstance(value, enum.Enum) else str(value)
