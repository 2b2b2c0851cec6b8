"""compliance clocks: `stopped_at`

A clock of a booking released or transferred out before it was met ends in the
`stopped` state (neither met nor overdue): `stopped_at` is when custody ended there.

Revision ID: c8a4e1d9f206
Revises: c8a4e1d7f106
Create Date: 2026-12-01 17:30:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "c8a4e1d9f206"
down_revision = "c8a4e1d7f106"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("compliance_clocks") as batch:
        batch.add_column(sa.Column("stopped_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("compliance_clocks") as batch:
        batch.drop_column("stopped_at")
