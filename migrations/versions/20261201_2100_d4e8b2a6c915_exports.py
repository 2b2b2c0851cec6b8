"""exports: export records, kept files and background jobs; audit entries' detail

`audit_events.detail` is a nullable JSON object (an export's id, kind, SHA-256, purpose
and pages) that the chain hash covers only when present, so every existing entry keeps
the bytes it was sealed with. On PostgreSQL the append-only guard now also refuses a
"sealing" UPDATE that changes the detail (or the facility, which it did not list).

Revision ID: d4e8b2a6c915
Revises: c3a9e1d7f210
Create Date: 2026-12-01 21:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "d4e8b2a6c915"
down_revision = "c3a9e1d7f210"
branch_labels = None
depends_on = None

# (Kept here verbatim, not imported, so the revision never changes under us.)
GUARD_SQL = """
CREATE OR REPLACE FUNCTION audit_events_guard() RETURNS trigger AS $$
BEGIN
  IF TG_OP = 'UPDATE' AND OLD.seq IS NULL AND NEW.seq IS NOT NULL
     AND (NEW.id, NEW.occurred_at, NEW.actor_id, NEW.actor, NEW.tag, NEW.subject_type,
          NEW.subject_id, NEW.outcome, NEW.changed_fields::text, NEW.request_id,
          NEW.client_addr, NEW.facility_id, NEW.detail::text)
         IS NOT DISTINCT FROM
         (OLD.id, OLD.occurred_at, OLD.actor_id, OLD.actor, OLD.tag, OLD.subject_type,
          OLD.subject_id, OLD.outcome, OLD.changed_fields::text, OLD.request_id,
          OLD.client_addr, OLD.facility_id, OLD.detail::text)
  THEN
    RETURN NEW;
  END IF;
  RAISE EXCEPTION 'audit_events is append-only: % refused', TG_OP
    USING ERRCODE = 'insufficient_privilege';
END
$$ LANGUAGE plpgsql;
"""
# The foundation's guard, restored on downgrade (before the column goes).
FOUNDATION_GUARD_SQL = """
CREATE OR REPLACE FUNCTION audit_events_guard() RETURNS trigger AS $$
BEGIN
  IF TG_OP = 'UPDATE' AND OLD.seq IS NULL AND NEW.seq IS NOT NULL
     AND (NEW.id, NEW.occurred_at, NEW.actor_id, NEW.actor, NEW.tag, NEW.subject_type,
          NEW.subject_id, NEW.outcome, NEW.changed_fields::text, NEW.request_id,
          NEW.client_addr)
         IS NOT DISTINCT FROM
         (OLD.id, OLD.occurred_at, OLD.actor_id, OLD.actor, OLD.tag, OLD.subject_type,
          OLD.subject_id, OLD.outcome, OLD.changed_fields::text, OLD.request_id,
          OLD.client_addr)
  THEN
    RETURN NEW;
  END IF;
  RAISE EXCEPTION 'audit_events is append-only: % refused', TG_OP
    USING ERRCODE = 'insufficient_privilege';
END
$$ LANGUAGE plpgsql;
"""

DETAIL = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")
WHEN = sa.DateTime(timezone=True)


def upgrade() -> None:
    with op.batch_alter_table("audit_events") as batch:
        batch.add_column(sa.Column("detail", DETAIL, nullable=True))
    if op.get_bind().dialect.name == "postgresql":
        op.execute(GUARD_SQL)
    op.create_table(
        "export_records",
        sa.Column("id", sa.String(32), nullable=False),
        sa.Column("kind", sa.String(64), nullable=False),
        sa.Column("subject_type", sa.String(64), nullable=False),
        sa.Column("subject_id", sa.String(64), nullable=False),
        sa.Column("person", sa.String(200), nullable=False),
        sa.Column("facility_id", sa.Integer(), nullable=True),
        sa.Column("requested_by_id", sa.Integer(), nullable=True),
        sa.Column("requested_by", sa.String(64), nullable=False),
        sa.Column("purpose", sa.String(200), nullable=True),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("pages", sa.Integer(), nullable=False),
        sa.Column("audit_event_id", sa.Integer(), nullable=True),
        sa.Column("created_at", WHEN, server_default=sa.func.now(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_export_records")),
    )
    with op.batch_alter_table("export_records") as batch:
        batch.create_index("ix_export_records_facility_id", ["facility_id"])
        batch.create_index("ix_export_records_sha256", ["sha256"])
        batch.create_index("ix_export_records_requester", ["requested_by_id", "created_at"])
    op.create_table(
        "export_files",
        sa.Column("export_id", sa.String(32), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(
            ["export_id"],
            ["export_records.id"],
            name=op.f("fk_export_files_export_id_export_records"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("export_id", name=op.f("pk_export_files")),
    )
    op.create_table(
        "export_jobs",
        sa.Column("id", sa.String(32), nullable=False),
        sa.Column("kind", sa.String(64), nullable=False),
        sa.Column("subject_type", sa.String(64), nullable=False),
        sa.Column("subject_id", sa.String(64), nullable=False),
        sa.Column("person", sa.String(200), nullable=False),
        sa.Column("facility_id", sa.Integer(), nullable=True),
        sa.Column("requested_by_id", sa.Integer(), nullable=True),
        sa.Column("requested_by", sa.String(64), nullable=False),
        sa.Column("requester_role", sa.String(16), nullable=True),
        sa.Column("requester_facility_id", sa.Integer(), nullable=True),
        sa.Column("request_id", sa.String(64), nullable=True),
        sa.Column("client_addr", sa.String(64), nullable=True),
        sa.Column("purpose", sa.String(200), nullable=True),
        sa.Column("status", sa.String(16), server_default="queued", nullable=False),
        sa.Column("done", sa.Integer(), server_default="0", nullable=False),
        sa.Column("total", sa.Integer(), server_default="0", nullable=False),
        sa.Column("message", sa.String(300), nullable=True),
        sa.Column("document", sa.LargeBinary(), nullable=True),
        sa.Column("export_id", sa.String(32), nullable=True),
        sa.Column("created_at", WHEN, server_default=sa.func.now(), nullable=False),
        sa.Column("finished_at", WHEN, nullable=True),
        sa.CheckConstraint(
            "status IN ('queued', 'running', 'done', 'failed')",
            name=op.f("ck_export_jobs_status_known"),
        ),
        sa.ForeignKeyConstraint(
            ["export_id"],
            ["export_records.id"],
            name=op.f("fk_export_jobs_export_id_export_records"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_export_jobs")),
    )
    with op.batch_alter_table("export_jobs") as batch:
        batch.create_index("ix_export_jobs_requester", ["requested_by_id", "created_at"])


def downgrade() -> None:
    op.drop_table("export_jobs")
    op.drop_table("export_files")
    op.drop_table("export_records")
    if op.get_bind().dialect.name == "postgresql":
        op.execute(FOUNDATION_GUARD_SQL)
    with op.batch_alter_table("audit_events") as batch:
        batch.drop_column("detail")
