"""Was this PDF produced here, and is it unaltered?

A PDF is ours and unaltered when its SHA-256 matches an export record whose audit entry
(`core:export:create`, hash-chained) carries the same SHA-256. It was altered when the
export id in its metadata names a record but the bytes hash differently (or when the
record and its audit entry disagree: then the record was tampered with). Anything else,
including bytes that are no PDF, was not produced by this system.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from enum import IntEnum

import sqlalchemy as sa

from core.audit import AuditEvent
from core.audit_tags import CoreAuditTag
from core.db import db
from core.exports.models import ExportRecord
from core.exports.stamp_id import read_export_id


class Verdict(IntEnum):
    """The command's exit status."""

    UNALTERED = 0
    ALTERED = 1
    UNKNOWN = 2


@dataclass(frozen=True)
class Verification:
    verdict: Verdict
    sha256: str
    record: ExportRecord | None = None
    reason: str = ""


def verify_bytes(data: bytes) -> Verification:
    digest = hashlib.sha256(data).hexdigest()
    record = db.session.scalar(sa.select(ExportRecord).where(ExportRecord.sha256 == digest))
    if record is not None:
        if _audited(record, digest):
            return Verification(Verdict.UNALTERED, digest, record)
        return Verification(
            Verdict.ALTERED, digest, record, "the export record does not match its audit entry"
        )
    export_id = read_export_id(data)
    known = db.session.get(ExportRecord, export_id) if export_id else None
    if known is not None:
        return Verification(
            Verdict.ALTERED, digest, known, "its SHA-256 differs from the one recorded"
        )
    return Verification(Verdict.UNKNOWN, digest)


def _audited(record: ExportRecord, digest: str) -> bool:
    """The record's audit entry exists, is the export's and names the same SHA-256."""
    if record.audit_event_id is None:
        return False
    entry = db.session.get(AuditEvent, record.audit_event_id)
    if entry is None or entry.tag != CoreAuditTag.EXPORT_CREATE.value:
        return False
    detail = entry.detail or {}
    return detail.get("sha256") == digest and detail.get("export_id") == record.id
