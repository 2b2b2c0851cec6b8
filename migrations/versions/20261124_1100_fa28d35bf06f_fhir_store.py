"""fhir store: current resources, history, search indexes

Revision ID: fa28d35bf06f
Revises: bc9fa412980a
Create Date: 2026-11-24 10:42:56.571750
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "fa28d35bf06f"
down_revision = "bc9fa412980a"
branch_labels = None
depends_on = None


def upgrade() -> None:

    op.create_table(
        "fhir_history",
        sa.Column("resource_type", sa.String(length=64), nullable=False),
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("last_updated", sa.DateTime(timezone=True), nullable=False),
        sa.Column("method", sa.String(length=8), nullable=False),
        sa.Column("is_restricted", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column(
            "resource",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=True,
        ),
        sa.PrimaryKeyConstraint("resource_type", "id", "version", name=op.f("pk_fhir_history")),
    )
    with op.batch_alter_table("fhir_history", schema=None) as batch_op:
        batch_op.create_index(
            "ix_fhir_history_type_updated", ["resource_type", "last_updated"], unique=False
        )
        batch_op.create_index("ix_fhir_history_updated", ["last_updated"], unique=False)

    op.create_table(
        "fhir_idx_date",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("resource_type", sa.String(length=64), nullable=False),
        sa.Column("resource_id", sa.String(length=64), nullable=False),
        sa.Column("param", sa.String(length=64), nullable=False),
        sa.Column("low", sa.DateTime(timezone=True), nullable=False),
        sa.Column("high", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_fhir_idx_date")),
    )
    with op.batch_alter_table("fhir_idx_date", schema=None) as batch_op:
        batch_op.create_index(
            "ix_fhir_idx_date_lookup", ["resource_type", "param", "low", "high"], unique=False
        )
        batch_op.create_index(
            "ix_fhir_idx_date_resource", ["resource_type", "resource_id"], unique=False
        )

    op.create_table(
        "fhir_idx_quantity",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("resource_type", sa.String(length=64), nullable=False),
        sa.Column("resource_id", sa.String(length=64), nullable=False),
        sa.Column("param", sa.String(length=64), nullable=False),
        sa.Column("value", sa.Float(), nullable=False),
        sa.Column("system", sa.String(length=255), nullable=True),
        sa.Column("code", sa.String(length=255), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_fhir_idx_quantity")),
    )
    with op.batch_alter_table("fhir_idx_quantity", schema=None) as batch_op:
        batch_op.create_index(
            "ix_fhir_idx_quantity_lookup", ["resource_type", "param", "value"], unique=False
        )
        batch_op.create_index(
            "ix_fhir_idx_quantity_resource", ["resource_type", "resource_id"], unique=False
        )

    op.create_table(
        "fhir_idx_reference",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("resource_type", sa.String(length=64), nullable=False),
        sa.Column("resource_id", sa.String(length=64), nullable=False),
        sa.Column("param", sa.String(length=64), nullable=False),
        sa.Column("target_type", sa.String(length=64), nullable=True),
        sa.Column("target_id", sa.String(length=64), nullable=True),
        sa.Column("url", sa.String(length=255), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_fhir_idx_reference")),
    )
    with op.batch_alter_table("fhir_idx_reference", schema=None) as batch_op:
        batch_op.create_index(
            "ix_fhir_idx_reference_lookup",
            ["target_id", "param", "resource_type", "target_type"],
            unique=False,
        )
        batch_op.create_index(
            "ix_fhir_idx_reference_resource", ["resource_type", "resource_id"], unique=False
        )

    op.create_table(
        "fhir_idx_string",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("resource_type", sa.String(length=64), nullable=False),
        sa.Column("resource_id", sa.String(length=64), nullable=False),
        sa.Column("param", sa.String(length=64), nullable=False),
        sa.Column("value", sa.String(length=255), nullable=False),
        sa.Column("exact", sa.String(length=255), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_fhir_idx_string")),
    )
    with op.batch_alter_table("fhir_idx_string", schema=None) as batch_op:
        batch_op.create_index(
            "ix_fhir_idx_string_lookup", ["resource_type", "param", "value"], unique=False
        )
        batch_op.create_index(
            "ix_fhir_idx_string_resource", ["resource_type", "resource_id"], unique=False
        )

    op.create_table(
        "fhir_idx_token",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("resource_type", sa.String(length=64), nullable=False),
        sa.Column("resource_id", sa.String(length=64), nullable=False),
        sa.Column("param", sa.String(length=64), nullable=False),
        sa.Column("system", sa.String(length=255), nullable=True),
        sa.Column("code", sa.String(length=255), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_fhir_idx_token")),
    )
    with op.batch_alter_table("fhir_idx_token", schema=None) as batch_op:
        batch_op.create_index(
            "ix_fhir_idx_token_lookup", ["resource_type", "param", "code", "system"], unique=False
        )
        batch_op.create_index(
            "ix_fhir_idx_token_resource", ["resource_type", "resource_id"], unique=False
        )

    op.create_table(
        "fhir_resources",
        sa.Column("resource_type", sa.String(length=64), nullable=False),
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("last_updated", sa.DateTime(timezone=True), nullable=False),
        sa.Column("is_deleted", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("is_restricted", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("patient_id", sa.String(length=64), nullable=True),
        sa.Column(
            "resource",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=True,
        ),
        sa.PrimaryKeyConstraint("resource_type", "id", name=op.f("pk_fhir_resources")),
    )
    with op.batch_alter_table("fhir_resources", schema=None) as batch_op:
        batch_op.create_index(
            "ix_fhir_resources_patient", ["patient_id", "resource_type"], unique=False
        )
        batch_op.create_index(
            "ix_fhir_resources_type_updated", ["resource_type", "last_updated"], unique=False
        )
        batch_op.create_index("ix_fhir_resources_updated", ["last_updated"], unique=False)


def downgrade() -> None:

    with op.batch_alter_table("fhir_resources", schema=None) as batch_op:
        batch_op.drop_index("ix_fhir_resources_updated")
        batch_op.drop_index("ix_fhir_resources_type_updated")
        batch_op.drop_index("ix_fhir_resources_patient")

    op.drop_table("fhir_resources")
    with op.batch_alter_table("fhir_idx_token", schema=None) as batch_op:
        batch_op.drop_index("ix_fhir_idx_token_resource")
        batch_op.drop_index("ix_fhir_idx_token_lookup")

    op.drop_table("fhir_idx_token")
    with op.batch_alter_table("fhir_idx_string", schema=None) as batch_op:
        batch_op.drop_index("ix_fhir_idx_string_resource")
        batch_op.drop_index("ix_fhir_idx_string_lookup")

    op.drop_table("fhir_idx_string")
    with op.batch_alter_table("fhir_idx_reference", schema=None) as batch_op:
        batch_op.drop_index("ix_fhir_idx_reference_resource")
        batch_op.drop_index("ix_fhir_idx_reference_lookup")

    op.drop_table("fhir_idx_reference")
    with op.batch_alter_table("fhir_idx_quantity", schema=None) as batch_op:
        batch_op.drop_index("ix_fhir_idx_quantity_resource")
        batch_op.drop_index("ix_fhir_idx_quantity_lookup")

    op.drop_table("fhir_idx_quantity")
    with op.batch_alter_table("fhir_idx_date", schema=None) as batch_op:
        batch_op.drop_index("ix_fhir_idx_date_resource")
        batch_op.drop_index("ix_fhir_idx_date_lookup")

    op.drop_table("fhir_idx_date")
    with op.batch_alter_table("fhir_history", schema=None) as batch_op:
        batch_op.drop_index("ix_fhir_history_updated")
        batch_op.drop_index("ix_fhir_history_type_updated")

    op.drop_table("fhir_history")
