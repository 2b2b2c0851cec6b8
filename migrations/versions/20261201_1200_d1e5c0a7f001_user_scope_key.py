"""user scope key: users.facility_id no longer references facilities

A user's facility scope is a plain indexed integer that core keeps without knowing
which feature owns the facilities (core/directory.py): the foreign key from core's
users table into custody's facilities table goes. The index stays.

The downgrade restores the foreign key; it refuses, naming them, users whose scope no
longer names a facility (rather than widen or drop their scope).

Revision ID: d1e5c0a7f001
Revises: 5c1e8d2a7b93
Create Date: 2026-12-01 12:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "d1e5c0a7f001"
down_revision = "5c1e8d2a7b93"
branch_labels = None
depends_on = None

FK_NAME = "fk_users_facility_id_facilities"


def upgrade() -> None:
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f(FK_NAME), type_="foreignkey")


def downgrade() -> None:
    dangling = op.get_bind().execute(
        sa.text(
            "SELECT username FROM users WHERE facility_id IS NOT NULL"
            " AND facility_id NOT IN (SELECT id FROM facilities) ORDER BY username"
        )
    )
    names = [row.username for row in dangling]
    if names:
        raise RuntimeError(
            "Cannot restore the foreign key users.facility_id → facilities.id: these users'"
            f" facility scope names no facility: {', '.join(names)}. Rescope them first."
        )
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.create_foreign_key(
            batch_op.f(FK_NAME), "facilities", ["facility_id"], ["id"], ondelete="RESTRICT"
        )
