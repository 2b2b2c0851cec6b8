"""Health's audit tags and subject types: what the audit log stores for reads, searches
and writes of health records. Values are the log's vocabulary: never rename one."""

from __future__ import annotations

from enum import StrEnum


class HealthAuditTag(StrEnum):
    READ = "health:fhir:read"
    VREAD = "health:fhir:vread"
    SEARCH = "health:fhir:search"
    HISTORY = "health:fhir:history"
    EVERYTHING = "health:fhir:everything"
    CREATE = "health:fhir:create"
    UPDATE = "health:fhir:update"
    DELETE = "health:fhir:delete"
    TRANSACTION = "health:fhir:transaction"
    IMPORT = "health:fhir:import"
    PATIENT_LINK = "health:patient:link"
    # the chart page (health.chart): one entry per patient whose chart was read
    CHART = "health:chart:read"
    SICKCALL_REQUEST = "health:sickcall:request"
    SICKCALL_TRIAGE = "health:sickcall:triage"
    SICKCALL_VISIT = "health:sickcall:visit"
    SICKCALL_READ = "health:sickcall:read"
    SICKCALL_QUEUE = "health:sickcall:queue"
    # PDF exports (issue 15): the whole record read for an export; the transfer summary
    # read for the medical summary or the transfer packet
    EXPORT = "health:record:export"
    TRANSFER_SUMMARY_READ = "health:transfer-summary:read"


class HealthSubject(StrEnum):
    """Subjects that are not a resource type of their own (those are stored as named)."""

    PATIENT = "Patient"
    BUNDLE = "Bundle"
    FACILITY = "Facility"  # a facility's sick-call queue


# Reads whose entries list no references (a search can touch thousands).
UNLISTED = frozenset(
    {HealthAuditTag.SEARCH, HealthAuditTag.EVERYTHING, HealthAuditTag.SICKCALL_QUEUE}
)
