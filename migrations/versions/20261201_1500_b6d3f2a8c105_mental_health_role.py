"""mental health role: `users.role` may be `mental_health`

A clinician who also reads and writes the resources labelled restricted (the
mental-health therapy notes); a plain clinician no longer may. Only the check
constraint `role_known` changes.

The downgrade refuses, naming them, while users hold the role (rather than widen them
to a role that no longer exists or narrow them to clinician silently).

Revision ID: b6d3f2a8c105
Revises: a4c2e9f1b004
Create Date: 2026-12-01 15:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "b6d3f2a8c105"
down_revision = "a4c2e9f1b004"
branch_labels = None
depends_on = None

NAME = "role_known"
BEFORE = "role IN ('admin','supervisor','officer','clinician','records','auditor')"
AFTER = "role IN ('admin','supervisor','officer','clinician','mental_health','records','auditor')"


def _replace(condition: str) -> None:
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f(f"ck_users_{NAME}"), type_="check")
        batch_op.create_check_constraint(NAME, condition)


def upgrade() -> None:
    _replace(AFTER)


def downgrade() -> None:
    holders = op.get_bind().execute(
        sa.text("SELECT username FROM users WHERE role = 'mental_health' ORDER BY username")
    )
    names = [row.username for row in holders]
    if names:
        raise RuntimeError(
            "Cannot remove the mental_health role: these users hold it:"
            f" {', '.join(names)}. Give them another role first."
        )
    _replace(BEFORE)
