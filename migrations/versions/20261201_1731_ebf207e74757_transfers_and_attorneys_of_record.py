"""transfers and attorneys of record

`transfers` (one open per booking: a partial unique index) with their
`transfer_movements` history; `attorneys_of_record` (G-28s on file per booking) and
`counsel_notifications` (the attorney told of a transfer or release).

Revision ID: ebf207e74757
Revises: c8a4e1d9f206
Create Date: 2026-12-01 17:31:30.062130
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "ebf207e74757"
down_revision = "c8a4e1d9f206"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "attorneys_of_record",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("booking_id", sa.Integer(), nullable=False),
        sa.Column("attorney_name", sa.String(length=200), nullable=False),
        sa.Column("bar_number", sa.String(length=32), nullable=False),
        sa.Column("bar_state", sa.String(length=2), nullable=False),
        sa.Column("organization", sa.String(length=200), nullable=True),
        sa.Column("phone", sa.String(length=32), nullable=True),
        sa.Column("email", sa.String(length=254), nullable=True),
        sa.Column("filed_on", sa.Date(), nullable=False),
        sa.Column("withdrawn_on", sa.Date(), nullable=True),
        sa.Column("filed_by_id", sa.Integer(), nullable=True),
        sa.Column("withdrawn_by_id", sa.Integer(), nullable=True),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.ForeignKeyConstraint(
            ["booking_id"], ["bookings.id"], name=op.f("fk_attorneys_of_record_booking_id_bookings")
        ),
        sa.ForeignKeyConstraint(
            ["filed_by_id"], ["users.id"], name=op.f("fk_attorneys_of_record_filed_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["withdrawn_by_id"],
            ["users.id"],
            name=op.f("fk_attorneys_of_record_withdrawn_by_id_users"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_attorneys_of_record")),
    )
    with op.batch_alter_table("attorneys_of_record", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_attorneys_of_record_booking_id"), ["booking_id"], unique=False
        )

    op.create_table(
        "transfers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("booking_id", sa.Integer(), nullable=False),
        sa.Column("from_facility_id", sa.Integer(), nullable=False),
        sa.Column("to_facility_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), server_default="requested", nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("scheduled_for", sa.DateTime(timezone=True), nullable=False),
        sa.Column("requested_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("requested_by_id", sa.Integer(), nullable=True),
        sa.Column("approved_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("approved_by_id", sa.Integer(), nullable=True),
        sa.Column("summary_resource_id", sa.String(length=64), nullable=True),
        sa.Column("summary_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("summary_by_id", sa.Integer(), nullable=True),
        sa.Column("is_fit_to_travel", sa.Boolean(), nullable=True),
        sa.Column("departed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("arrived_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("acknowledged_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("acknowledged_by_id", sa.Integer(), nullable=True),
        sa.Column("cancelled_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("cancel_reason", sa.String(length=500), nullable=True),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.CheckConstraint(
            "status IN ('requested', 'approved', 'in_transit', 'arrived', 'cancelled')",
            name=op.f("ck_transfers_status_known"),
        ),
        sa.CheckConstraint(
            "from_facility_id <> to_facility_id", name=op.f("ck_transfers_different_facilities")
        ),
        sa.ForeignKeyConstraint(
            ["acknowledged_by_id"], ["users.id"], name=op.f("fk_transfers_acknowledged_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["approved_by_id"], ["users.id"], name=op.f("fk_transfers_approved_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["booking_id"], ["bookings.id"], name=op.f("fk_transfers_booking_id_bookings")
        ),
        sa.ForeignKeyConstraint(
            ["from_facility_id"],
            ["facilities.id"],
            name=op.f("fk_transfers_from_facility_id_facilities"),
        ),
        sa.ForeignKeyConstraint(
            ["requested_by_id"], ["users.id"], name=op.f("fk_transfers_requested_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["summary_by_id"], ["users.id"], name=op.f("fk_transfers_summary_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["to_facility_id"],
            ["facilities.id"],
            name=op.f("fk_transfers_to_facility_id_facilities"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_transfers")),
    )
    with op.batch_alter_table("transfers", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_transfers_booking_id"), ["booking_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_transfers_from_facility_id"), ["from_facility_id"], unique=False
        )
        batch_op.create_index("ix_transfers_status", ["status"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_transfers_to_facility_id"), ["to_facility_id"], unique=False
        )
        batch_op.create_index(
            "uq_transfers_open_booking",
            ["booking_id"],
            unique=True,
            sqlite_where=sa.text("status IN ('requested', 'approved', 'in_transit')"),
            postgresql_where=sa.text("status IN ('requested', 'approved', 'in_transit')"),
        )

    op.create_table(
        "counsel_notifications",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("booking_id", sa.Integer(), nullable=False),
        sa.Column("attorney_id", sa.Integer(), nullable=False),
        sa.Column("event_kind", sa.String(length=16), nullable=False),
        sa.Column("event_id", sa.Integer(), nullable=True),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("notified_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("note", sa.String(length=500), nullable=True),
        sa.Column("recorded_by_id", sa.Integer(), nullable=True),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.CheckConstraint(
            "channel IN ('phone', 'email', 'fax', 'in_person', 'portal')",
            name=op.f("ck_counsel_notifications_channel_known"),
        ),
        sa.CheckConstraint(
            "event_kind IN ('transfer', 'release')",
            name=op.f("ck_counsel_notifications_event_kind_known"),
        ),
        sa.ForeignKeyConstraint(
            ["attorney_id"],
            ["attorneys_of_record.id"],
            name=op.f("fk_counsel_notifications_attorney_id_attorneys_of_record"),
        ),
        sa.ForeignKeyConstraint(
            ["booking_id"],
            ["bookings.id"],
            name=op.f("fk_counsel_notifications_booking_id_bookings"),
        ),
        sa.ForeignKeyConstraint(
            ["recorded_by_id"],
            ["users.id"],
            name=op.f("fk_counsel_notifications_recorded_by_id_users"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_counsel_notifications")),
    )
    with op.batch_alter_table("counsel_notifications", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_counsel_notifications_attorney_id"), ["attorney_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_counsel_notifications_booking_id"), ["booking_id"], unique=False
        )

    op.create_table(
        "transfer_movements",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("transfer_id", sa.Integer(), nullable=False),
        sa.Column("from_status", sa.String(length=16), nullable=True),
        sa.Column("to_status", sa.String(length=16), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("by_id", sa.Integer(), nullable=True),
        sa.Column("by_name", sa.String(length=200), server_default="", nullable=False),
        sa.Column("note", sa.String(length=500), nullable=True),
        sa.CheckConstraint(
            "to_status IN ('requested', 'approved', 'in_transit', 'arrived', 'cancelled')",
            name=op.f("ck_transfer_movements_to_known"),
        ),
        sa.ForeignKeyConstraint(
            ["by_id"], ["users.id"], name=op.f("fk_transfer_movements_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["transfer_id"],
            ["transfers.id"],
            name=op.f("fk_transfer_movements_transfer_id_transfers"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_transfer_movements")),
    )
    with op.batch_alter_table("transfer_movements", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_transfer_movements_transfer_id"), ["transfer_id"], unique=False
        )


def downgrade() -> None:
    for table in (
        "transfer_movements",
        "counsel_notifications",
        "transfers",
        "attorneys_of_record",
    ):
        op.drop_table(table)
