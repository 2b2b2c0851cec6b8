"""facility scope: Patients' stays and the facility of each audit entry

`health_patient_stays` says where each Patient is or was held, the scope of their
health records for users limited to one facility (health/fhir/scope.py). Existing
bookings are copied in: a booking's Patient is the one whose identifier is the
person's A-number. `audit_events.facility_id` is the facility an entry concerns (a
scoped auditor sees only theirs); entries written before stay without one, and keep
their sealed bytes (the hash covers the facility only when there is one).

Revision ID: b7f3d2c4e005
Revises: b6d3f2a8c105
Create Date: 2026-12-01 15:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "b7f3d2c4e005"
down_revision = "b6d3f2a8c105"
branch_labels = None
depends_on = None

BIGPK = sa.BigInteger().with_variant(sa.Integer(), "sqlite")

BACKFILL = """
INSERT INTO health_patient_stays (patient_id, facility_id, started_at, ended_at)
SELECT DISTINCT t.resource_id, b.facility_id, b.booked_at,
       CASE WHEN b.status = 'released' THEN COALESCE(b.released_at, b.booked_at) END
FROM bookings b
JOIN detainees d ON d.id = b.detainee_id
JOIN fhir_idx_token t
  ON t.resource_type = 'Patient' AND t.param = 'identifier' AND t.code = d.a_number
"""


def upgrade() -> None:
    op.create_table(
        "health_patient_stays",
        sa.Column("id", BIGPK, primary_key=True, autoincrement=True),
        sa.Column("patient_id", sa.String(64), nullable=False),
        sa.Column("facility_id", sa.Integer(), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_health_patient_stays")),
    )
    op.create_index(
        "ix_health_patient_stays_patient",
        "health_patient_stays",
        ["patient_id", "facility_id"],
    )
    op.create_index(
        "ix_health_patient_stays_facility",
        "health_patient_stays",
        ["facility_id", "ended_at", "patient_id"],
    )
    with op.batch_alter_table("audit_events", schema=None) as batch_op:
        batch_op.add_column(sa.Column("facility_id", sa.Integer(), nullable=True))
        batch_op.create_index("ix_audit_events_facility_id", ["facility_id"])
    op.execute(BACKFILL)


def downgrade() -> None:
    with op.batch_alter_table("audit_events", schema=None) as batch_op:
        batch_op.drop_index("ix_audit_events_facility_id")
        batch_op.drop_column("facility_id")
    op.drop_index("ix_health_patient_stays_facility", table_name="health_patient_stays")
    op.drop_index("ix_health_patient_stays_patient", table_name="health_patient_stays")
    op.drop_table("health_patient_stays")
