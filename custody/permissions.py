"""Custody's permissions and the roles they are granted to (registered with core)."""

from __future__ import annotations

from enum import StrEnum

from core.permissions import Role, grant


class CustodyPermission(StrEnum):
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
    # compliance with the detention standards (clocks)
    COMPLIANCE_READ = "compliance:report:read"
    # the legal-access log (who, when, how long; never content) and its reports
    LEGAL_READ = "custody:legal:read"
    LEGAL_WRITE = "custody:legal:write"
    LEGAL_CONFIGURE = "custody:legal:configure"  # visiting hours offered, minimums
    CONSULAR_MANAGE = "custody:consular:manage"  # the mandatory-notification countries
    COMPLIANCE_CLINICAL = "compliance:clinical:read"  # overdue clinical clocks, no content
    # PDF exports (issue 15): the custody record and legal-access log of a booking; the
    # transfer's medical summary and packet (what travels with the person, no chart)
    RECORD_EXPORT = "custody:record:export"
    TRANSFER_EXPORT = "custody:transfer:export"


P = CustodyPermission
_OFFICER = {
    P.FACILITY_READ,
    P.DETAINEE_READ,
    P.DETAINEE_WRITE,
    P.ALERT_READ,
    P.LEGAL_READ,
    P.LEGAL_WRITE,
    P.RECORD_EXPORT,
    P.TRANSFER_EXPORT,
}
_CLINICIAN = {
    P.FACILITY_READ,
    P.DETAINEE_READ,
    P.ALERT_READ,
    P.ALERT_WRITE,
    P.COMPLIANCE_CLINICAL,
    P.TRANSFER_EXPORT,
}

GRANTS = {
    Role.ADMIN: {
        P.FACILITY_READ,
        P.FACILITY_MANAGE,
        P.RULES_MANAGE,
        P.LEGAL_CONFIGURE,
        P.CONSULAR_MANAGE,
    },
    Role.OFFICER: _OFFICER,
    Role.SUPERVISOR: _OFFICER | {P.COMPLIANCE_READ, P.CUSTODY_SUPERVISE, P.LEGAL_CONFIGURE},
    Role.CLINICIAN: _CLINICIAN,
    Role.MENTAL_HEALTH: _CLINICIAN,
    Role.RECORDS: {
        P.FACILITY_READ,
        P.DETAINEE_READ,
        P.LEGAL_READ,
        P.RECORD_EXPORT,
        P.TRANSFER_EXPORT,
    },
    Role.AUDITOR: {P.FACILITY_READ, P.DETAINEE_READ, P.COMPLIANCE_READ, P.LEGAL_READ},
}
grant(GRANTS)
