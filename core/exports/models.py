"""Export tables: what was produced (`export_records`, one per PDF handed out, with its
SHA-256), the file kept for download (`export_files`, apart so listing the history never
loads a PDF), and the background jobs that render large exports (`export_jobs`)."""

from __future__ import annotations

import datetime as dt
from enum import StrEnum

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from core.db import Base, created_at, one_of


class JobStatus(StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"


class ExportRecord(Base):
    """One produced PDF. `id` is the export id embedded in the PDF's metadata; the
    requester's id and name are copied (the user may be renamed later)."""

    __tablename__ = "export_records"
    __table_args__ = (sa.Index("ix_export_records_requester", "requested_by_id", "created_at"),)

    id: Mapped[str] = mapped_column(sa.String(32), primary_key=True)
    kind: Mapped[str] = mapped_column(sa.String(64))
    subject_type: Mapped[str] = mapped_column(sa.String(64))
    subject_id: Mapped[str] = mapped_column(sa.String(64))
    person: Mapped[str] = mapped_column(sa.String(200))  # "DOE, Jane (A123-456-789)"
    facility_id: Mapped[int | None] = mapped_column(sa.Integer, index=True)
    requested_by_id: Mapped[int | None] = mapped_column(sa.Integer)
    requested_by: Mapped[str] = mapped_column(sa.String(64))
    purpose: Mapped[str | None] = mapped_column(sa.String(200))
    sha256: Mapped[str] = mapped_column(sa.String(64), index=True)
    size: Mapped[int] = mapped_column(sa.Integer)
    pages: Mapped[int] = mapped_column(sa.Integer)
    audit_event_id: Mapped[int | None] = mapped_column(sa.Integer)
    created_at: Mapped[created_at]


class ExportFile(Base):
    """The bytes of a produced PDF, kept for its requester to download."""

    __tablename__ = "export_files"

    export_id: Mapped[str] = mapped_column(
        sa.ForeignKey("export_records.id", ondelete="CASCADE"), primary_key=True
    )
    data: Mapped[bytes] = mapped_column(sa.LargeBinary)


class ExportJob(Base):
    """A large export rendered in the background. The document was built (and access
    checked) in the request; it waits here, compressed, until a worker renders it."""

    __tablename__ = "export_jobs"
    __table_args__ = (
        sa.CheckConstraint(one_of("status", JobStatus), name="status_known"),
        sa.Index("ix_export_jobs_requester", "requested_by_id", "created_at"),
    )

    id: Mapped[str] = mapped_column(sa.String(32), primary_key=True)
    kind: Mapped[str] = mapped_column(sa.String(64))
    subject_type: Mapped[str] = mapped_column(sa.String(64))
    subject_id: Mapped[str] = mapped_column(sa.String(64))
    person: Mapped[str] = mapped_column(sa.String(200))
    facility_id: Mapped[int | None] = mapped_column(sa.Integer)
    requested_by_id: Mapped[int | None] = mapped_column(sa.Integer)
    requested_by: Mapped[str] = mapped_column(sa.String(64))
    requester_role: Mapped[str | None] = mapped_column(sa.String(16))
    requester_facility_id: Mapped[int | None] = mapped_column(sa.Integer)
    request_id: Mapped[str | None] = mapped_column(sa.String(64))
    client_addr: Mapped[str | None] = mapped_column(sa.String(64))
    purpose: Mapped[str | None] = mapped_column(sa.String(200))
    status: Mapped[str] = mapped_column(sa.String(16), server_default=JobStatus.QUEUED.value)
    done: Mapped[int] = mapped_column(sa.Integer, server_default="0")
    total: Mapped[int] = mapped_column(sa.Integer, server_default="0")
    message: Mapped[str | None] = mapped_column(sa.String(300))
    document: Mapped[bytes | None] = mapped_column(sa.LargeBinary)  # cleared when finished
    export_id: Mapped[str | None] = mapped_column(
        sa.ForeignKey("export_records.id", ondelete="SET NULL")
    )
    created_at: Mapped[created_at]
    finished_at: Mapped[dt.datetime | None]
