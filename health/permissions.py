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
    # a booking links the person's Patient and the facility's Organization and Location
    # (health.patients.ensure_patient): no clinical read or write, no FHIR API
    PATIENT_LINK = "health:patient:link"


H = HealthPermission
GRANTS = {
    Role.CLINICIAN: {H.READ, H.WRITE, H.EXPORT, H.RESTRICTED_READ},
    Role.RECORDS: {H.EXPORT},
    # the roles that book people (custody's DETAINEE_WRITE)
    Role.OFFICER: {H.PATIENT_LINK},
    Role.SUPERVISOR: {H.PATIENT_LINK},
}
grant(GRANTS)
