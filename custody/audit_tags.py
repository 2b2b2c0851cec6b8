"""Custody's audit tags and subject types: what `core.audit.record` stores for custody's
changes and refusals. The values are part of the audit log's vocabulary (auditors filter
on them): never rename one."""

from __future__ import annotations

from enum import StrEnum


class CustodyAuditTag(StrEnum):
    FACILITY_CREATE = "custody:facility:create"
    FACILITY_UPDATE = "custody:facility:update"
    UNIT_CREATE = "custody:unit:create"
    UNIT_UPDATE = "custody:unit:update"
    BED_CREATE = "custody:bed:create"
    BED_UPDATE = "custody:bed:update"
    DETAINEE_CREATE = "custody:detainee:create"
    DETAINEE_UPDATE = "custody:detainee:update"
    ALERT_START = "custody:alert:start"
    ALERT_END = "custody:alert:end"
    # alerts come from clinicians: a page or call that shows them names the person
    ALERT_READ = "custody:alert:read"
    BOOKING_CREATE = "custody:booking:create"
    BOOKING_UPDATE = "custody:booking:update"
    BOOKING_RELEASE = "custody:booking:release"
    RELEASE_NOTIFY = "custody:release:notify"  # a notification a release requires
    CLASSIFICATION_CREATE = "custody:classification:create"
    CLASSIFICATION_OVERRIDE = "custody:classification:override"
    SCREENING_CREATE = "custody:screening:create"
    HOUSING_ASSIGN = "custody:housing:assign"
    HOUSING_OVERRIDE = "custody:housing:override"
    RESTRICTIVE_PLACE = "custody:restrictive:place"
    RESTRICTIVE_CHECK = "custody:restrictive:check"
    RESTRICTIVE_REVIEW = "custody:restrictive:review"
    RESTRICTIVE_NOTIFY = "custody:restrictive:notify"
    RESTRICTIVE_RELEASE = "custody:restrictive:release"
    RULE_SET_CREATE = "custody:rule_set:create"
    RULE_SET_ASSIGN = "custody:rule_set:assign"
    RULE_CREATE = "custody:rules:create"
    RULE_UPDATE = "custody:rules:update"
    LEGAL_ENTRY_CREATE = "custody:legal_access:create"
    LEGAL_PRESENTATION_CREATE = "custody:legal_presentation:create"
    LEGAL_VISITING_HOURS_SET = "custody:legal_visiting_hours:update"
    LEGAL_MINIMUM_SET = "custody:legal_minimum:update"
    CONSULAR_COUNTRY_ADD = "custody:consular_country:create"
    CONSULAR_COUNTRY_REMOVE = "custody:consular_country:delete"
    CONSULAR_TASK_CREATE = "custody:consular_task:create"
    CONSULAR_TASK_COMPLETE = "custody:consular_task:complete"
    LOCATOR_SEARCH = "custody:locator:search"
    SEED_DEMO = "custody:seed:demo"


class CustodySubject(StrEnum):
    FACILITY = "facility"
    HOUSING_UNIT = "housing_unit"
    BED = "bed"
    DETAINEE = "detainee"
    BOOKING = "booking"
    PLACEMENT = "placement"
    RULE_SET = "rule_set"
    COMPLIANCE_RULE = "compliance_rule"
    LEGAL_ENTRY = "legal_access_entry"
    LEGAL_PRESENTATION = "legal_presentation"
    CONSULAR_COUNTRY = "consular_country"
    CONSULAR_TASK = "consular_task"
    LOCATOR = "locator"
    SEED = "seed"
