"""Health's permissions and the roles they are granted to (registered with core)."""

from __future__ import annotations

from enum import StrEnum

from core.permissions import Role, grant


class HealthPermission(StrEnum):
    READ = "health:record:read"
    WRITE = "health:record:write"
    EXPORT = "health:record:export"
    # resources whose meta.security marks them restricted (e.g. psychotherapy notes)
    RESTRICTED_READ = "health:restricted:read"


H = HealthPermission
GRANTS = {
    Role.CLINICIAN: {H.READ, H.WRITE, H.EXPORT, H.RESTRICTED_READ},
    Role.RECORDS: {H.EXPORT},
}
grant(GRANTS)
