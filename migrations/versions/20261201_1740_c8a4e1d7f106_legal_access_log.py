"""legal-access log: entries, group presentations, minimums, visiting days, consular
notification countries and tasks

The log holds who, when and how long (never content). `legal_minimums` holds the minimums
the reports compare against as data, one row per standards set (every existing set gets PBNDS
2011's, as the rules do: 5 h of law library a week; legal visiting 8 h on weekdays, 4 h on
weekends and holidays) or per facility. `consular_countries` is seeded with the U.S.
State Department's mandatory-notification list (copied here, not imported: the revision
never changes).

Revision ID: c8a4e1d7f106
Revises: c8a4e1d2f006
Create Date: 2026-12-01 17:40:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "c8a4e1d7f106"
down_revision = "c8a4e1d2f006"
branch_labels = None
depends_on = None

KINDS = (
    "kind IN ('attorney_visit', 'legal_call', 'law_library', "
    "'legal_rights_presentation', 'consular_contact', 'legal_mail')"
)
OUTCOMES = "outcome IN ('completed', 'denied', 'cut_short')"
COUNTRIES = [
    ("AG", ""),
    ("AI", "United Kingdom territory"),
    ("AL", ""),
    ("AM", ""),
    ("AZ", ""),
    ("BB", ""),
    ("BG", ""),
    ("BM", "United Kingdom territory"),
    ("BN", ""),
    ("BS", ""),
    ("BY", ""),
    ("BZ", ""),
    ("CN", ""),
    ("CR", ""),
    ("CY", ""),
    ("CZ", ""),
    ("DM", ""),
    ("DZ", ""),
    ("FJ", ""),
    ("GB", ""),
    ("GD", ""),
    ("GE", ""),
    ("GH", ""),
    ("GM", ""),
    ("GY", ""),
    ("HK", "China, special administrative region"),
    ("HU", ""),
    ("JM", ""),
    ("KG", ""),
    ("KI", ""),
    ("KN", ""),
    ("KW", ""),
    ("KZ", ""),
    ("LC", ""),
    ("MD", ""),
    ("MN", ""),
    ("MO", "China, special administrative region"),
    ("MS", "United Kingdom territory"),
    ("MT", ""),
    ("MU", ""),
    ("MY", ""),
    ("NG", ""),
    ("PH", ""),
    ("PL", "Non-permanent residents only"),
    ("RO", ""),
    ("RU", ""),
    ("SC", ""),
    ("SG", ""),
    ("SK", ""),
    ("SL", ""),
    ("TC", "United Kingdom territory"),
    ("TJ", ""),
    ("TM", ""),
    ("TO", ""),
    ("TT", ""),
    ("TV", ""),
    ("TZ", ""),
    ("UA", ""),
    ("UZ", ""),
    ("VC", ""),
    ("VG", "United Kingdom territory"),
    ("ZM", ""),
    ("ZW", ""),
]


def upgrade() -> None:
    op.create_table(
        "consular_countries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("country", sa.String(length=2), nullable=False),
        sa.Column("note", sa.String(length=200), server_default="", nullable=False),
        sa.Column("added_by_id", sa.Integer(), nullable=True),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.ForeignKeyConstraint(
            ["added_by_id"], ["users.id"], name=op.f("fk_consular_countries_added_by_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_consular_countries")),
        sa.UniqueConstraint("country", name=op.f("uq_consular_countries_country")),
    )
    op.create_table(
        "legal_minimums",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("standards_set_id", sa.Integer(), nullable=True),
        sa.Column("facility_id", sa.Integer(), nullable=True),
        sa.Column("law_library_minutes", sa.Integer(), nullable=False),
        sa.Column("weekday_visiting_minutes", sa.Integer(), nullable=False),
        sa.Column("weekend_visiting_minutes", sa.Integer(), nullable=False),
        sa.Column("citation", sa.String(length=200), server_default="", nullable=False),
        sa.CheckConstraint(
            "(standards_set_id IS NULL) <> (facility_id IS NULL)",
            name=op.f("ck_legal_minimums_one_owner"),
        ),
        sa.CheckConstraint(
            "law_library_minutes >= 0", name=op.f("ck_legal_minimums_library_positive")
        ),
        sa.CheckConstraint(
            "weekday_visiting_minutes >= 0", name=op.f("ck_legal_minimums_weekday_positive")
        ),
        sa.CheckConstraint(
            "weekend_visiting_minutes >= 0", name=op.f("ck_legal_minimums_weekend_positive")
        ),
        sa.ForeignKeyConstraint(
            ["facility_id"],
            ["facilities.id"],
            name=op.f("fk_legal_minimums_facility_id_facilities"),
        ),
        sa.ForeignKeyConstraint(
            ["standards_set_id"],
            ["standards_sets.id"],
            name=op.f("fk_legal_minimums_standards_set_id_standards_sets"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_legal_minimums")),
        sa.UniqueConstraint("facility_id", name=op.f("uq_legal_minimums_facility_id")),
        sa.UniqueConstraint("standards_set_id", name=op.f("uq_legal_minimums_standards_set_id")),
    )
    op.create_table(
        "legal_presentations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("facility_id", sa.Integer(), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("minutes", sa.Integer(), nullable=True),
        sa.Column("counsel_name", sa.String(length=200), nullable=True),
        sa.Column("outcome", sa.String(length=16), nullable=False),
        sa.Column("denial_reason", sa.String(length=32), nullable=True),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("recorded_by_id", sa.Integer(), nullable=True),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.CheckConstraint(
            OUTCOMES,
            name=op.f("ck_legal_presentations_outcome_known"),
        ),
        sa.ForeignKeyConstraint(
            ["facility_id"],
            ["facilities.id"],
            name=op.f("fk_legal_presentations_facility_id_facilities"),
        ),
        sa.ForeignKeyConstraint(
            ["recorded_by_id"],
            ["users.id"],
            name=op.f("fk_legal_presentations_recorded_by_id_users"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_legal_presentations")),
    )
    with op.batch_alter_table("legal_presentations", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_legal_presentations_facility_id"), ["facility_id"], unique=False
        )

    op.create_table(
        "legal_visiting_days",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("facility_id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("minutes_offered", sa.Integer(), nullable=False),
        sa.Column("is_holiday", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("recorded_by_id", sa.Integer(), nullable=True),
        sa.Column(
            "updated_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.CheckConstraint(
            "minutes_offered >= 0 AND minutes_offered <= 1440",
            name=op.f("ck_legal_visiting_days_minutes_day"),
        ),
        sa.ForeignKeyConstraint(
            ["facility_id"],
            ["facilities.id"],
            name=op.f("fk_legal_visiting_days_facility_id_facilities"),
        ),
        sa.ForeignKeyConstraint(
            ["recorded_by_id"],
            ["users.id"],
            name=op.f("fk_legal_visiting_days_recorded_by_id_users"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_legal_visiting_days")),
        sa.UniqueConstraint(
            "facility_id", "day", name=op.f("uq_legal_visiting_days_facility_id_day")
        ),
    )
    op.create_table(
        "legal_access_entries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("booking_id", sa.Integer(), nullable=False),
        sa.Column("facility_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("minutes", sa.Integer(), nullable=True),
        sa.Column("counsel_name", sa.String(length=200), nullable=True),
        sa.Column("outcome", sa.String(length=16), server_default="completed", nullable=False),
        sa.Column("denial_reason", sa.String(length=32), nullable=True),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("is_pro_bono", sa.Boolean(), nullable=True),
        sa.Column("opened_in_presence", sa.Boolean(), nullable=True),
        sa.Column("country", sa.String(length=2), nullable=True),
        sa.Column("consulate", sa.String(length=200), nullable=True),
        sa.Column("consular_type", sa.String(length=16), nullable=True),
        sa.Column("presentation_id", sa.Integer(), nullable=True),
        sa.Column("recorded_by_id", sa.Integer(), nullable=True),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.CheckConstraint(
            KINDS,
            name=op.f("ck_legal_access_entries_kind_known"),
        ),
        sa.CheckConstraint(
            "outcome = 'completed' OR reason IS NOT NULL",
            name=op.f("ck_legal_access_entries_reason_given"),
        ),
        sa.CheckConstraint(
            OUTCOMES,
            name=op.f("ck_legal_access_entries_outcome_known"),
        ),
        sa.CheckConstraint(
            "ended_at IS NULL OR ended_at >= started_at",
            name=op.f("ck_legal_access_entries_ends_after_start"),
        ),
        sa.CheckConstraint(
            "minutes IS NULL OR minutes >= 0", name=op.f("ck_legal_access_entries_minutes_positive")
        ),
        sa.ForeignKeyConstraint(
            ["booking_id"],
            ["bookings.id"],
            name=op.f("fk_legal_access_entries_booking_id_bookings"),
        ),
        sa.ForeignKeyConstraint(
            ["facility_id"],
            ["facilities.id"],
            name=op.f("fk_legal_access_entries_facility_id_facilities"),
        ),
        sa.ForeignKeyConstraint(
            ["presentation_id"],
            ["legal_presentations.id"],
            name=op.f("fk_legal_access_entries_presentation_id_legal_presentations"),
        ),
        sa.ForeignKeyConstraint(
            ["recorded_by_id"],
            ["users.id"],
            name=op.f("fk_legal_access_entries_recorded_by_id_users"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_legal_access_entries")),
        sa.UniqueConstraint(
            "presentation_id",
            "booking_id",
            name=op.f("uq_legal_access_entries_presentation_id_booking_id"),
        ),
    )
    with op.batch_alter_table("legal_access_entries", schema=None) as batch_op:
        batch_op.create_index(
            "ix_legal_access_entries_booking_at", ["booking_id", "started_at"], unique=False
        )
        batch_op.create_index(
            "ix_legal_access_entries_facility_kind_at",
            ["facility_id", "kind", "started_at"],
            unique=False,
        )
        batch_op.create_index(
            batch_op.f("ix_legal_access_entries_presentation_id"), ["presentation_id"], unique=False
        )

    op.create_table(
        "consular_tasks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("booking_id", sa.Integer(), nullable=False),
        sa.Column("facility_id", sa.Integer(), nullable=False),
        sa.Column("country", sa.String(length=2), nullable=False),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("done_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("done_by_id", sa.Integer(), nullable=True),
        sa.Column("entry_id", sa.Integer(), nullable=True),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.ForeignKeyConstraint(
            ["booking_id"], ["bookings.id"], name=op.f("fk_consular_tasks_booking_id_bookings")
        ),
        sa.ForeignKeyConstraint(
            ["done_by_id"], ["users.id"], name=op.f("fk_consular_tasks_done_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["entry_id"],
            ["legal_access_entries.id"],
            name=op.f("fk_consular_tasks_entry_id_legal_access_entries"),
        ),
        sa.ForeignKeyConstraint(
            ["facility_id"],
            ["facilities.id"],
            name=op.f("fk_consular_tasks_facility_id_facilities"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_consular_tasks")),
        sa.UniqueConstraint(
            "booking_id", "country", name=op.f("uq_consular_tasks_booking_id_country")
        ),
    )
    with op.batch_alter_table("consular_tasks", schema=None) as batch_op:
        batch_op.create_index(
            "ix_consular_tasks_facility_open", ["facility_id", "done_at", "due_at"], unique=False
        )

    _seed()


def _seed() -> None:
    countries = sa.table(
        "consular_countries", sa.column("country", sa.String), sa.column("note", sa.String)
    )
    op.bulk_insert(countries, [{"country": c, "note": n} for c, n in COUNTRIES])
    op.execute(
        sa.text(
            "INSERT INTO legal_minimums (standards_set_id, law_library_minutes, "
            "weekday_visiting_minutes, weekend_visiting_minutes, citation) "
            "SELECT id, 300, 480, 240, :citation FROM standards_sets"
        ).bindparams(citation="PBNDS 2011 (rev. 2016) 5.7, 6.3")
    )


def downgrade() -> None:
    with op.batch_alter_table("consular_tasks", schema=None) as batch_op:
        batch_op.drop_index("ix_consular_tasks_facility_open")

    op.drop_table("consular_tasks")
    with op.batch_alter_table("legal_access_entries", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_legal_access_entries_presentation_id"))
        batch_op.drop_index("ix_legal_access_entries_facility_kind_at")
        batch_op.drop_index("ix_legal_access_entries_booking_at")

    op.drop_table("legal_access_entries")
    op.drop_table("legal_visiting_days")
    with op.batch_alter_table("legal_presentations", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_legal_presentations_facility_id"))

    op.drop_table("legal_presentations")
    op.drop_table("legal_minimums")
    op.drop_table("consular_countries")
