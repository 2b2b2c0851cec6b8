"""Health's permissions and the roles they are granted to (registered with core)."""

from __future__ import annotations

from enum import StrEnum

from core.permissions import Role, grant


class HealthPermission(StrEnum):
    READ = "health:record:read"
    WRITE = "health:record:write"
    EXPORT = "health:record:export"
    # resources whose meta.security marks them restricted (e.g. psychotherapy notes):
    # seeing them; creating, changing or deleting them (adding or removing the label too)
    RESTRICTED_READ = "health:restricted:read"
    RESTRICTED_WRITE = "health:restricted:write"
    # a booking links the person's Patient and the facility's Organization and Location
    # (health.patients.ensure_patient): no clinical read or write, no FHIR API
    PATIENT_LINK = "health:patient:link"
    # a sick-call request written down on the person's behalf (officers too): the
    # request only, never reading it or any clinical content back (health.sickcall)
    SICKCALL_REQUEST = "health:sickcall:request"
    # what travels with a person on transfer (health.transfers: the summary's sections,
    # medications with last and next dose, allergies, accommodations), never the chart
    TRANSFER_SUMMARY_READ = "health:transfer-summary:read"


H = HealthPermission
_CLINICIAN = {H.READ, H.WRITE, H.EXPORT, H.SICKCALL_REQUEST, H.TRANSFER_SUMMARY_READ}
GRANTS = {
    # clinical read and write, never the restricted notes
    Role.CLINICIAN: _CLINICIAN,
    Role.MENTAL_HEALTH: _CLINICIAN | {H.RESTRICTED_READ, H.RESTRICTED_WRITE},
    Role.RECORDS: {H.EXPORT, H.TRANSFER_SUMMARY_READ},
    # the roles that book people (custody's DETAINEE_WRITE)
    Role.OFFICER: {H.PATIENT_LINK, H.SICKCALL_REQUEST, H.TRANSFER_SUMMARY_READ},
    Role.SUPERVISOR: {H.PATIENT_LINK, H.SICKCALL_REQUEST, H.TRANSFER_SUMMARY_READ},
}
grant(GRANTS)
