"""observation checks: when each check was recorded, apart from when it was done

An officer may record a check done a few minutes ago (`checked_at`); `recorded_at` is
when the entry was made, so a late entry shows as one. Existing checks were recorded
when they were done: they get their `checked_at`.

Revision ID: c3a9e1d7f210
Revises: ebf207e74757
Create Date: 2026-12-01 18:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "c3a9e1d7f210"
down_revision = "ebf207e74757"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # SQLite cannot add a column with a non-constant default in place: rebuild.
    with op.batch_alter_table("observation_checks", recreate="always") as batch:
        batch.add_column(
            sa.Column(
                "recorded_at",
                sa.DateTime(timezone=True),
                server_default=sa.func.now(),
                nullable=False,
            )
        )
    op.execute("UPDATE observation_checks SET recorded_at = checked_at")


def downgrade() -> None:
    with op.batch_alter_table("observation_checks") as batch:
        batch.drop_column("recorded_at")
