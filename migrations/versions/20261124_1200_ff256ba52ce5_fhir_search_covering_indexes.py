"""fhir search: covering indexes for patient-scoped search by code and date

The token and date indexes per resource now carry param and values, the token lookup
index the resource id, and the patient index the id: a search such as
`Observation?patient=X&code=http://loinc.org|8302-2&date=ge2010` probes each of the
patient's Observations with index-only scans instead of reading every token row of
the code (or every index row of each resource from the heap).

Revision ID: ff256ba52ce5
Revises: fa28d35bf06f
Create Date: 2026-11-24 12:00:00.000000
"""

from __future__ import annotations

from alembic import op

revision = "ff256ba52ce5"
down_revision = "fa28d35bf06f"
branch_labels = None
depends_on = None

# (table, index name, columns before, columns after)
CHANGES = [
    (
        "fhir_resources",
        "ix_fhir_resources_patient",
        ["patient_id", "resource_type"],
        ["patient_id", "resource_type", "id"],
    ),
    (
        "fhir_idx_token",
        "ix_fhir_idx_token_lookup",
        ["resource_type", "param", "code", "system"],
        ["resource_type", "param", "code", "system", "resource_id"],
    ),
    (
        "fhir_idx_token",
        "ix_fhir_idx_token_resource",
        ["resource_type", "resource_id"],
        ["resource_type", "resource_id", "param", "code", "system"],
    ),
    (
        "fhir_idx_date",
        "ix_fhir_idx_date_resource",
        ["resource_type", "resource_id"],
        ["resource_type", "resource_id", "param", "low", "high"],
    ),
]


def upgrade() -> None:
    for table, name, _before, after in CHANGES:
        op.drop_index(name, table_name=table)
        op.create_index(name, table, after, unique=False)


def downgrade() -> None:
    for table, name, before, _after in reversed(CHANGES):
        op.drop_index(name, table_name=table)
        op.create_index(name, table, before, unique=False)
