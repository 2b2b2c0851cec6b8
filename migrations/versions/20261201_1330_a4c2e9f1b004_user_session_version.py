"""user session version: ending every page session of a user at once

`users.session_version` is signed into each page session at sign-in; raising it
(logout, password change or reset, role or scope change, deactivation) makes every
session signed with an older value refused, in every browser (core/web.py).

Revision ID: a4c2e9f1b004
Revises: e7e5a0b0c002
Create Date: 2026-12-01 13:30:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "a4c2e9f1b004"
down_revision = "e7e5a0b0c002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("session_version", sa.Integer(), server_default="0", nullable=False)
        )


def downgrade() -> None:
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_column("session_version")
