"""Producing exports: render, fingerprint, keep and audit — and the reads of what an
actor produced (history, jobs, kept files).

Every produced PDF carries a fresh export id in its metadata, set before rendering;
its SHA-256 is taken over the final bytes; the record, the file and ONE audit entry
`core:export:create` (whose chain-hashed detail holds the id, kind, SHA-256, purpose and
page count) are written in one unit of work, so none exists without the others.
Services take the actor explicitly: the request, a background worker and the tests
call the same functions.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

import sqlalchemy as sa

from core import audit
from core.actor import Actor
from core.audit_tags import CoreAuditTag, SubjectType
from core.db import after_commit, db, unit_of_work
from core.errors import DomainError, NotFound
from core.exports.codec import pack
from core.exports.kinds import ExportKind
from core.exports.models import ExportFile, ExportJob, ExportRecord, JobStatus
from core.exports.stamp_id import stamp
from core.pdf import PdfDocument, Progress, render_pdf

PURPOSE_MAX = 200
HISTORY_LIMIT = 50


@dataclass(frozen=True)
class Subject:
    """What an export is of, as the record and the audit name it."""

    kind: str
    subject_type: str
    subject_id: str
    person: str
    facility_id: int | None
    purpose: str | None


def clean_purpose(kind: ExportKind, raw: str | None) -> str | None:
    """The purpose as recorded: trimmed; required for health kinds; at most 200 chars."""
    purpose = " ".join((raw or "").split())
    if len(purpose) > PURPOSE_MAX:
        raise DomainError(f"The purpose must be {PURPOSE_MAX} characters or fewer.")
    if kind.health and not purpose:
        raise DomainError(
            f"A purpose is required to export a {kind.label.lower()}: say why it is "
            "exported (?purpose=…, up to 200 characters). It is kept in the audit log."
        )
    return purpose or None


def subject_of(
    kind: ExportKind,
    subject_id: str,
    document: PdfDocument,
    *,
    purpose: str | None,
    facility_id: int | None,
) -> Subject:
    header = document.header
    person = f"{header.person_name} ({header.a_number})"[:200]
    return Subject(kind.name, kind.subject_type, str(subject_id), person, facility_id, purpose)


def new_export_id() -> str:
    return uuid.uuid4().hex


def render(document: PdfDocument, *, progress: Progress | None = None) -> tuple[bytes, int]:
    """The final bytes (export id in their metadata) and page count of `document`."""
    if document.export_id is None:
        raise ValueError("an export is rendered with its export id set")
    rendered = render_pdf(document, progress=progress)
    return stamp(rendered.data, document.export_id), rendered.pages


def keep(
    *, actor: Actor, subject: Subject, export_id: str, data: bytes, pages: int
) -> ExportRecord:
    """Record, file and audit entry of a rendered export (flushes; joins the caller's
    unit of work)."""
    digest = hashlib.sha256(data).hexdigest()
    record = ExportRecord(
        id=export_id,
        kind=subject.kind,
        subject_type=subject.subject_type,
        subject_id=subject.subject_id,
        person=subject.person,
        facility_id=subject.facility_id,
        requested_by_id=actor.user_id,
        requested_by=actor.username[:64],
        purpose=subject.purpose,
        sha256=digest,
        size=len(data),
        pages=pages,
    )
    db.session.add(record)
    db.session.flush()  # before its file (no relationship orders the two inserts)
    db.session.add(ExportFile(export_id=export_id, data=data))
    detail = {
        "export_id": export_id,
        "kind": subject.kind,
        "sha256": digest,
        "purpose": subject.purpose,
        "pages": pages,
    }
    record.audit_event_id = audit.record(
        actor=actor,
        tag=CoreAuditTag.EXPORT_CREATE,
        subject_type=subject.subject_type,
        subject_id=subject.subject_id,
        facility_id=subject.facility_id,
        detail=detail,
    )
    db.session.flush()
    return record


def produce(*, actor: Actor, subject: Subject, document: PdfDocument) -> tuple[ExportRecord, bytes]:
    """Render `document` now (in the request: small exports) and keep it."""
    export_id = new_export_id()
    data, pages = render(replace(document, export_id=export_id))
    with unit_of_work():
        record = keep(actor=actor, subject=subject, export_id=export_id, data=data, pages=pages)
    return record, data


def record_print_view(*, actor: Actor, subject: Subject) -> None:
    """The print view (?format=html) shows the whole export: audited as a view."""
    with unit_of_work():
        audit.record(
            actor=actor,
            tag=CoreAuditTag.EXPORT_PRINT_VIEW,
            subject_type=subject.subject_type,
            subject_id=subject.subject_id,
            facility_id=subject.facility_id,
            detail={"kind": subject.kind, "purpose": subject.purpose},
        )


def create_job(
    *, actor: Actor, subject: Subject, document: PdfDocument, enqueue: Callable[[str], None]
) -> ExportJob:
    """Keep the built document on a job row; `enqueue(job_id)` hands it to a worker
    once this commits (core.exports.jobs)."""
    job = ExportJob(
        id=uuid.uuid4().hex,
        kind=subject.kind,
        subject_type=subject.subject_type,
        subject_id=subject.subject_id,
        person=subject.person,
        facility_id=subject.facility_id,
        requested_by_id=actor.user_id,
        requested_by=actor.username[:64],
        requester_role=None if actor.role is None else actor.role.value,
        requester_facility_id=actor.facility_id,
        request_id=actor.request_id,
        client_addr=actor.client_addr,
        purpose=subject.purpose,
        status=JobStatus.QUEUED.value,
        done=0,
        total=len(document.parts),
        document=pack(document),
    )
    with unit_of_work() as session:
        session.add(job)
        session.flush()
        job_id = job.id
        after_commit(lambda: enqueue(job_id))
    db.session.refresh(job)  # as queued (or failed to queue, or already running)
    return job


# --- reads: an actor's own jobs and exports ------------------------------------------


def _visible(actor: Actor, requested_by_id: int | None, facility_id: int | None) -> bool:
    """Only the requester, and only while their scope still reaches the facility."""
    if actor.is_system:
        return True
    return requested_by_id == actor.user_id and actor.can_reach_facility(
        facility_id if facility_id is not None else actor.limited_to
    )


def job_for(*, actor: Actor, job_id: str) -> ExportJob:
    job = db.session.get(ExportJob, job_id) if len(job_id) == 32 else None
    if job is None or not _visible(actor, job.requested_by_id, job.facility_id):
        raise NotFound("No such export job.")
    return job


def kept_file(*, actor: Actor, export_id: str) -> tuple[ExportRecord, bytes]:
    """A produced export handed out again to its requester (audited)."""
    record = db.session.get(ExportRecord, export_id) if len(export_id) == 32 else None
    if record is None or not _visible(actor, record.requested_by_id, record.facility_id):
        raise NotFound("No such export.")
    data = db.session.scalar(sa.select(ExportFile.data).where(ExportFile.export_id == record.id))
    if data is None:
        raise NotFound("This export's file is no longer kept.")
    audit.record_access(
        [
            audit.AuditDraft(
                CoreAuditTag.EXPORT_DOWNLOAD,
                actor,
                SubjectType.EXPORT,
                record.id,
                audit.Outcome.SUCCESS,
                facility_id=record.facility_id,
            )
        ]
    )
    return record, data


def _scoped(
    query: sa.Select, model: type[ExportRecord] | type[ExportJob], actor: Actor
) -> sa.Select:
    query = query.where(model.requested_by_id == actor.user_id)
    if actor.limited_to is not None:
        query = query.where(
            sa.or_(model.facility_id.is_(None), model.facility_id == actor.limited_to)
        )
    return query


def history(*, actor: Actor, limit: int = HISTORY_LIMIT) -> Sequence[ExportRecord]:
    """The actor's own exports, newest first."""
    query = _scoped(sa.select(ExportRecord), ExportRecord, actor)
    return db.session.scalars(
        query.order_by(ExportRecord.created_at.desc(), ExportRecord.id).limit(limit)
    ).all()


def open_jobs(*, actor: Actor, limit: int = 10) -> Sequence[ExportJob]:
    """The actor's jobs still running or failed (finished ones are in the history)."""
    query = _scoped(sa.select(ExportJob), ExportJob, actor).where(
        ExportJob.status != JobStatus.DONE.value
    )
    return db.session.scalars(query.order_by(ExportJob.created_at.desc()).limit(limit)).all()
