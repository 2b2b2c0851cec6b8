"""Custody I: identity, bookings, property, classification, risk screening, bed
assignments, restrictive housing, alerts, and detention-standards rules as data
(default PBNDS 2011 rev. 2016 limits for every standards set; admins change them)

Revision ID: bc9fa412980a
Revises: cbe47f5ee7b5
Create Date: 2026-11-24 10:37:19.436112
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "bc9fa412980a"
down_revision = "cbe47f5ee7b5"
branch_labels = None
depends_on = None

GENDER_CHECK = (
    "gender_identity IS NULL OR gender_identity IN ('man', 'woman', 'transgender_man', "
    "'transgender_woman', 'nonbinary', 'intersex', 'undisclosed')"
)
H, D = 60, 24 * 60
# rule, title, starts_on, stops_on, limit, repeat, anchor, citation, to_confirm
DEFAULT_RULES = [
    (
        "intake-health-screening",
        "Intake health screening (medical, dental, mental health)",
        "booking",
        "Encounter intake-screening finished",
        12 * H,
        None,
        "start",
        "PBNDS 4.3",
        False,
    ),
    (
        "classification",
        "Classification before general-population housing",
        "booking",
        "classification recorded",
        12 * H,
        None,
        "start",
        "PBNDS 2.2",
        False,
    ),
    (
        "sexual-abuse-screening",
        "Sexual-abuse risk screening",
        "booking",
        "risk screening recorded",
        12 * H,
        None,
        "start",
        "6 CFR 115.41",
        False,
    ),
    (
        "health-assessment",
        "Comprehensive health assessment",
        "booking",
        "Encounter health-assessment finished",
        14 * D,
        None,
        "start",
        "PBNDS 4.3",
        False,
    ),
    (
        "dental-screening",
        "Initial dental screening",
        "booking",
        "Encounter dental-screening finished",
        14 * D,
        None,
        "start",
        "PBNDS 4.3",
        True,
    ),
    (
        "mental-health-evaluation",
        "Mental-health evaluation after a referral",
        "referral",
        "Encounter mental-health-evaluation finished",
        72 * H,
        None,
        "start",
        "PBNDS 4.3; 6 CFR 115.81",
        False,
    ),
    (
        "sexual-abuse-follow-up",
        "Medical follow-up after a sexual-abuse disclosure",
        "disclosure",
        "follow-up seen",
        2 * D,
        None,
        "start",
        "6 CFR 115.81",
        True,
    ),
    (
        "sick-call-triage",
        "Sick-call triage",
        "sick_call_request",
        "Encounter sick-call-triage",
        24 * H,
        None,
        "start",
        "NCCHC J-E-07",
        False,
    ),
    (
        "sick-call-visit",
        "Sick-call visit after triage",
        "triage",
        "Encounter sick-call-visit",
        24 * H,
        None,
        "start",
        "NCCHC",
        True,
    ),
    (
        "suicide-watch-check",
        "Suicide-watch observation checks",
        "watch",
        "watch ends",
        15,
        15,
        "previous",
        "PBNDS 4.6",
        False,
    ),
    (
        "hunger-strike-referral",
        "Hunger-strike medical referral",
        "last_meal",
        "referral and field office director notified",
        72 * H,
        None,
        "start",
        "PBNDS 4.2",
        False,
    ),
    (
        "restrictive-housing-check",
        "Restrictive-housing observation checks",
        "placement",
        "release from the unit",
        30,
        30,
        "previous",
        "PBNDS 2.12",
        False,
    ),
    (
        "restrictive-housing-review",
        "Restrictive-housing review",
        "placement",
        "release from the unit",
        72 * H,
        7 * D,
        "previous",
        "PBNDS 2.12",
        True,
    ),
    (
        "restrictive-housing-notification",
        "Field office notified of restrictive housing",
        "placement",
        "release from the unit",
        14 * D,
        30 * D,
        "start",
        "ICE Directive 11065.1",
        False,
    ),
    (
        "reclassification",
        "Reclassification",
        "classification",
        "new classification",
        90 * D,
        None,
        "start",
        "PBNDS 2.2",
        True,
    ),
]


def _seed_rules() -> None:
    sets = sa.table("standards_sets", sa.column("id", sa.Integer))
    rules = sa.table(
        "compliance_rules",
        *(
            sa.column(name)
            for name in (
                "standards_set_id",
                "rule",
                "title",
                "starts_on",
                "stops_on",
                "limit_minutes",
                "repeat_minutes",
                "repeat_anchor",
                "citation",
                "to_confirm",
                "is_active",
            )
        ),
    )
    bind = op.get_bind()
    set_ids = [row[0] for row in bind.execute(sa.select(sets.c.id))]
    rows = [
        {
            "standards_set_id": set_id,
            "rule": rule,
            "title": title,
            "starts_on": starts,
            "stops_on": stops,
            "limit_minutes": limit,
            "repeat_minutes": repeat,
            "repeat_anchor": anchor,
            "citation": citation,
            "to_confirm": confirm,
            "is_active": True,
        }
        for set_id in set_ids
        for rule, title, starts, stops, limit, repeat, anchor, citation, confirm in DEFAULT_RULES
    ]
    if rows:
        op.bulk_insert(rules, rows)


def upgrade() -> None:
    # ### commands auto generated by Alembic - please adjust! ###
    op.create_table(
        "compliance_rules",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("standards_set_id", sa.Integer(), nullable=False),
        sa.Column("rule", sa.String(length=48), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("starts_on", sa.String(length=24), nullable=False),
        sa.Column("stops_on", sa.String(length=200), nullable=False),
        sa.Column("limit_minutes", sa.Integer(), nullable=True),
        sa.Column("repeat_minutes", sa.Integer(), nullable=True),
        sa.Column("repeat_anchor", sa.String(length=12), server_default="start", nullable=False),
        sa.Column("citation", sa.String(length=200), server_default="", nullable=False),
        sa.Column("to_confirm", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("is_active", sa.Boolean(), server_default=sa.true(), nullable=False),
        sa.CheckConstraint(
            "limit_minutes IS NULL OR limit_minutes > 0",
            name=op.f("ck_compliance_rules_limit_positive"),
        ),
        sa.CheckConstraint(
            "repeat_minutes IS NULL OR repeat_minutes > 0",
            name=op.f("ck_compliance_rules_repeat_positive"),
        ),
        sa.ForeignKeyConstraint(
            ["standards_set_id"],
            ["standards_sets.id"],
            name=op.f("fk_compliance_rules_standards_set_id_standards_sets"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_compliance_rules")),
        sa.UniqueConstraint(
            "standards_set_id", "rule", name=op.f("uq_compliance_rules_standards_set_id_rule")
        ),
    )
    with op.batch_alter_table("compliance_rules", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_compliance_rules_standards_set_id"), ["standards_set_id"], unique=False
        )

    op.create_table(
        "detainee_aliases",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("detainee_id", sa.Integer(), nullable=False),
        sa.Column("family_name", sa.String(length=100), nullable=False),
        sa.Column("given_name", sa.String(length=100), nullable=False),
        sa.Column("name_key", sa.String(length=200), server_default="", nullable=False),
        sa.ForeignKeyConstraint(
            ["detainee_id"],
            ["detainees.id"],
            name=op.f("fk_detainee_aliases_detainee_id_detainees"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_detainee_aliases")),
        sa.UniqueConstraint(
            "detainee_id",
            "family_name",
            "given_name",
            name=op.f("uq_detainee_aliases_detainee_id_family_name_given_name"),
        ),
    )
    with op.batch_alter_table("detainee_aliases", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_detainee_aliases_detainee_id"), ["detainee_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_detainee_aliases_name_key"), ["name_key"], unique=False
        )

    op.create_table(
        "detainee_languages",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("detainee_id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=8), nullable=False),
        sa.Column("position", sa.SmallInteger(), server_default="0", nullable=False),
        sa.Column("interpreter_needed", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.ForeignKeyConstraint(
            ["detainee_id"],
            ["detainees.id"],
            name=op.f("fk_detainee_languages_detainee_id_detainees"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_detainee_languages")),
        sa.UniqueConstraint(
            "detainee_id", "code", name=op.f("uq_detainee_languages_detainee_id_code")
        ),
    )
    with op.batch_alter_table("detainee_languages", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_detainee_languages_detainee_id"), ["detainee_id"], unique=False
        )

    op.create_table(
        "bookings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("detainee_id", sa.Integer(), nullable=False),
        sa.Column("facility_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), server_default="booked", nullable=False),
        sa.Column("booked_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("arresting_agency", sa.String(length=100), nullable=True),
        sa.Column("program", sa.String(length=100), nullable=True),
        sa.Column("orientation_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("handbook_language", sa.String(length=8), nullable=True),
        sa.Column("receipt_number", sa.String(length=32), nullable=True),
        sa.Column("released_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("release_reason", sa.String(length=500), nullable=True),
        sa.Column("booked_by_id", sa.Integer(), nullable=True),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("(CURRENT_TIMESTAMP)"),
            nullable=False,
        ),
        sa.CheckConstraint(
            "status IN ('booked', 'housed', 'in_transit', 'released')",
            name=op.f("ck_bookings_status_known"),
        ),
        sa.ForeignKeyConstraint(
            ["booked_by_id"], ["users.id"], name=op.f("fk_bookings_booked_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["detainee_id"], ["detainees.id"], name=op.f("fk_bookings_detainee_id_detainees")
        ),
        sa.ForeignKeyConstraint(
            ["facility_id"], ["facilities.id"], name=op.f("fk_bookings_facility_id_facilities")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_bookings")),
        sa.UniqueConstraint("receipt_number", name=op.f("uq_bookings_receipt_number")),
    )
    with op.batch_alter_table("bookings", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_bookings_detainee_id"), ["detainee_id"], unique=False)
        batch_op.create_index(
            "ix_bookings_facility_status", ["facility_id", "status"], unique=False
        )
        batch_op.create_index(
            "uq_bookings_active_detainee",
            ["detainee_id"],
            unique=True,
            sqlite_where=sa.text("status <> 'released'"),
            postgresql_where=sa.text("status <> 'released'"),
        )

    op.create_table(
        "detainee_alerts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("detainee_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=24), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("set_by_id", sa.Integer(), nullable=True),
        sa.CheckConstraint(
            "kind IN ('lower_bunk', 'accessible_bed', 'suicide_watch', 'medical_isolation', "
            "'medical_housing', 'medical_hold')",
            name=op.f("ck_detainee_alerts_kind_known"),
        ),
        sa.ForeignKeyConstraint(
            ["detainee_id"],
            ["detainees.id"],
            name=op.f("fk_detainee_alerts_detainee_id_detainees"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["set_by_id"], ["users.id"], name=op.f("fk_detainee_alerts_set_by_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_detainee_alerts")),
    )
    with op.batch_alter_table("detainee_alerts", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_detainee_alerts_detainee_id"), ["detainee_id"], unique=False
        )
        batch_op.create_index(
            "uq_detainee_alerts_active",
            ["detainee_id", "kind"],
            unique=True,
            sqlite_where=sa.text("ended_at IS NULL"),
            postgresql_where=sa.text("ended_at IS NULL"),
        )

    op.create_table(
        "bed_assignments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("booking_id", sa.Integer(), nullable=False),
        sa.Column("bed_id", sa.Integer(), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("end_reason", sa.String(length=32), nullable=True),
        sa.Column("assigned_by_id", sa.Integer(), nullable=True),
        sa.Column("overridden_rules", sa.JSON(), nullable=False),
        sa.Column("override_reason", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["assigned_by_id"], ["users.id"], name=op.f("fk_bed_assignments_assigned_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["bed_id"], ["beds.id"], name=op.f("fk_bed_assignments_bed_id_beds")
        ),
        sa.ForeignKeyConstraint(
            ["booking_id"], ["bookings.id"], name=op.f("fk_bed_assignments_booking_id_bookings")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_bed_assignments")),
    )
    with op.batch_alter_table("bed_assignments", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_bed_assignments_bed_id"), ["bed_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_bed_assignments_booking_id"), ["booking_id"], unique=False
        )
        batch_op.create_index(
            "uq_bed_assignments_open_bed",
            ["bed_id"],
            unique=True,
            sqlite_where=sa.text("ended_at IS NULL"),
            postgresql_where=sa.text("ended_at IS NULL"),
        )
        batch_op.create_index(
            "uq_bed_assignments_open_booking",
            ["booking_id"],
            unique=True,
            sqlite_where=sa.text("ended_at IS NULL"),
            postgresql_where=sa.text("ended_at IS NULL"),
        )

    op.create_table(
        "classifications",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("booking_id", sa.Integer(), nullable=False),
        sa.Column("worksheet_version", sa.String(length=32), nullable=False),
        sa.Column("inputs", sa.JSON(), nullable=False),
        sa.Column("score", sa.Integer(), nullable=False),
        sa.Column("scored_level", sa.SmallInteger(), nullable=False),
        sa.Column("level", sa.SmallInteger(), nullable=False),
        sa.Column("reasons", sa.Text(), nullable=True),
        sa.Column("override_reason", sa.Text(), nullable=True),
        sa.Column("approved_by_id", sa.Integer(), nullable=True),
        sa.Column("classified_by_id", sa.Integer(), nullable=True),
        sa.Column("classified_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("reclassify_due_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("superseded_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "level = scored_level OR (override_reason IS NOT NULL AND approved_by_id IS NOT NULL)",
            name=op.f("ck_classifications_override_needs_reason"),
        ),
        sa.CheckConstraint("level BETWEEN 1 AND 3", name=op.f("ck_classifications_level_range")),
        sa.CheckConstraint(
            "scored_level BETWEEN 1 AND 3", name=op.f("ck_classifications_scored_level_range")
        ),
        sa.ForeignKeyConstraint(
            ["approved_by_id"], ["users.id"], name=op.f("fk_classifications_approved_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["booking_id"], ["bookings.id"], name=op.f("fk_classifications_booking_id_bookings")
        ),
        sa.ForeignKeyConstraint(
            ["classified_by_id"],
            ["users.id"],
            name=op.f("fk_classifications_classified_by_id_users"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_classifications")),
    )
    with op.batch_alter_table("classifications", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_classifications_booking_id"), ["booking_id"], unique=False
        )
        batch_op.create_index(
            "uq_classifications_current",
            ["booking_id"],
            unique=True,
            sqlite_where=sa.text("superseded_at IS NULL"),
            postgresql_where=sa.text("superseded_at IS NULL"),
        )

    op.create_table(
        "compliance_clocks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("booking_id", sa.Integer(), nullable=False),
        sa.Column("facility_id", sa.Integer(), nullable=False),
        sa.Column("rule", sa.String(length=48), nullable=False),
        sa.Column("subject_type", sa.String(length=32), nullable=True),
        sa.Column("subject_id", sa.String(length=64), nullable=True),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("met_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("met_by", sa.String(length=64), nullable=True),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("(CURRENT_TIMESTAMP)"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["booking_id"],
            ["bookings.id"],
            name=op.f("fk_compliance_clocks_booking_id_bookings"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["facility_id"],
            ["facilities.id"],
            name=op.f("fk_compliance_clocks_facility_id_facilities"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_compliance_clocks")),
    )
    with op.batch_alter_table("compliance_clocks", schema=None) as batch_op:
        batch_op.create_index(
            "ix_compliance_clocks_booking_rule", ["booking_id", "rule"], unique=False
        )
        batch_op.create_index(
            "ix_compliance_clocks_open", ["facility_id", "met_at", "due_at"], unique=False
        )

    op.create_table(
        "property_items",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("booking_id", sa.Integer(), nullable=False),
        sa.Column("line_no", sa.SmallInteger(), nullable=False),
        sa.Column("description", sa.String(length=200), nullable=False),
        sa.Column("quantity", sa.Integer(), server_default="1", nullable=False),
        sa.Column("is_valuable", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("value_cents", sa.Integer(), nullable=True),
        sa.Column("returned_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint("quantity > 0", name=op.f("ck_property_items_quantity_positive")),
        sa.ForeignKeyConstraint(
            ["booking_id"],
            ["bookings.id"],
            name=op.f("fk_property_items_booking_id_bookings"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_property_items")),
        sa.UniqueConstraint(
            "booking_id", "line_no", name=op.f("uq_property_items_booking_id_line_no")
        ),
    )
    with op.batch_alter_table("property_items", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_property_items_booking_id"), ["booking_id"], unique=False
        )

    op.create_table(
        "restrictive_placements",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("booking_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("placed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("placed_by_id", sa.Integer(), nullable=True),
        sa.Column("released_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("release_note", sa.Text(), nullable=True),
        sa.Column("released_by_id", sa.Integer(), nullable=True),
        sa.CheckConstraint(
            "kind IN ('administrative','disciplinary')",
            name=op.f("ck_restrictive_placements_kind_known"),
        ),
        sa.ForeignKeyConstraint(
            ["booking_id"],
            ["bookings.id"],
            name=op.f("fk_restrictive_placements_booking_id_bookings"),
        ),
        sa.ForeignKeyConstraint(
            ["placed_by_id"],
            ["users.id"],
            name=op.f("fk_restrictive_placements_placed_by_id_users"),
        ),
        sa.ForeignKeyConstraint(
            ["released_by_id"],
            ["users.id"],
            name=op.f("fk_restrictive_placements_released_by_id_users"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_restrictive_placements")),
    )
    with op.batch_alter_table("restrictive_placements", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_restrictive_placements_booking_id"), ["booking_id"], unique=False
        )
        batch_op.create_index(
            "uq_restrictive_placements_open",
            ["booking_id"],
            unique=True,
            sqlite_where=sa.text("released_at IS NULL"),
            postgresql_where=sa.text("released_at IS NULL"),
        )

    op.create_table(
        "risk_screenings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("booking_id", sa.Integer(), nullable=False),
        sa.Column("screened_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("victimization_risk", sa.Boolean(), nullable=False),
        sa.Column("abusiveness_risk", sa.Boolean(), nullable=False),
        sa.Column("screened_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["booking_id"], ["bookings.id"], name=op.f("fk_risk_screenings_booking_id_bookings")
        ),
        sa.ForeignKeyConstraint(
            ["screened_by_id"], ["users.id"], name=op.f("fk_risk_screenings_screened_by_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_risk_screenings")),
    )
    with op.batch_alter_table("risk_screenings", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_risk_screenings_booking_id"), ["booking_id"], unique=False
        )

    op.create_table(
        "field_office_notifications",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("placement_id", sa.Integer(), nullable=False),
        sa.Column("notified_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("notified_by_id", sa.Integer(), nullable=True),
        sa.Column("recipient", sa.String(length=200), nullable=False),
        sa.Column("method", sa.String(length=32), server_default="email", nullable=False),
        sa.ForeignKeyConstraint(
            ["notified_by_id"],
            ["users.id"],
            name=op.f("fk_field_office_notifications_notified_by_id_users"),
        ),
        sa.ForeignKeyConstraint(
            ["placement_id"],
            ["restrictive_placements.id"],
            name=op.f("fk_field_office_notifications_placement_id_restrictive_placements"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_field_office_notifications")),
    )
    with op.batch_alter_table("field_office_notifications", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_field_office_notifications_placement_id"), ["placement_id"], unique=False
        )

    op.create_table(
        "observation_checks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("placement_id", sa.Integer(), nullable=False),
        sa.Column("checked_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("officer_id", sa.Integer(), nullable=True),
        sa.Column("observation", sa.String(length=24), server_default="observed", nullable=False),
        sa.ForeignKeyConstraint(
            ["officer_id"], ["users.id"], name=op.f("fk_observation_checks_officer_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["placement_id"],
            ["restrictive_placements.id"],
            name=op.f("fk_observation_checks_placement_id_restrictive_placements"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_observation_checks")),
    )
    with op.batch_alter_table("observation_checks", schema=None) as batch_op:
        batch_op.create_index(
            "ix_observation_checks_placement_at", ["placement_id", "checked_at"], unique=False
        )

    op.create_table(
        "placement_reviews",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("placement_id", sa.Integer(), nullable=False),
        sa.Column("reviewed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("reviewer_id", sa.Integer(), nullable=True),
        sa.Column("decision", sa.String(length=16), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["placement_id"],
            ["restrictive_placements.id"],
            name=op.f("fk_placement_reviews_placement_id_restrictive_placements"),
        ),
        sa.ForeignKeyConstraint(
            ["reviewer_id"], ["users.id"], name=op.f("fk_placement_reviews_reviewer_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_placement_reviews")),
    )
    with op.batch_alter_table("placement_reviews", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_placement_reviews_placement_id"), ["placement_id"], unique=False
        )

    with op.batch_alter_table("detainees", schema=None) as batch_op:
        batch_op.add_column(sa.Column("middle_name", sa.String(length=100), nullable=True))
        batch_op.add_column(sa.Column("gender_identity", sa.String(length=24), nullable=True))
        batch_op.add_column(
            sa.Column("name_key", sa.String(length=200), server_default="", nullable=False)
        )
        batch_op.create_index(
            "ix_detainees_dob_country", ["date_of_birth", "country_of_birth"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_detainees_name_key"), ["name_key"], unique=False)
        batch_op.create_check_constraint("gender_identity_known", GENDER_CHECK)

    # ### end Alembic commands ###
    _seed_rules()


def downgrade() -> None:
    # ### commands auto generated by Alembic - please adjust! ###
    with op.batch_alter_table("detainees", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("ck_detainees_gender_identity_known"), type_="check")
        batch_op.drop_index(batch_op.f("ix_detainees_name_key"))
        batch_op.drop_index("ix_detainees_dob_country")
        batch_op.drop_column("name_key")
        batch_op.drop_column("gender_identity")
        batch_op.drop_column("middle_name")

    with op.batch_alter_table("placement_reviews", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_placement_reviews_placement_id"))

    op.drop_table("placement_reviews")
    with op.batch_alter_table("observation_checks", schema=None) as batch_op:
        batch_op.drop_index("ix_observation_checks_placement_at")

    op.drop_table("observation_checks")
    with op.batch_alter_table("field_office_notifications", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_field_office_notifications_placement_id"))

    op.drop_table("field_office_notifications")
    with op.batch_alter_table("risk_screenings", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_risk_screenings_booking_id"))

    op.drop_table("risk_screenings")
    with op.batch_alter_table("restrictive_placements", schema=None) as batch_op:
        batch_op.drop_index(
            "uq_restrictive_placements_open",
            sqlite_where=sa.text("released_at IS NULL"),
            postgresql_where=sa.text("released_at IS NULL"),
        )
        batch_op.drop_index(batch_op.f("ix_restrictive_placements_booking_id"))

    op.drop_table("restrictive_placements")
    with op.batch_alter_table("property_items", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_property_items_booking_id"))

    op.drop_table("property_items")
    with op.batch_alter_table("compliance_clocks", schema=None) as batch_op:
        batch_op.drop_index("ix_compliance_clocks_open")
        batch_op.drop_index("ix_compliance_clocks_booking_rule")

    op.drop_table("compliance_clocks")
    with op.batch_alter_table("classifications", schema=None) as batch_op:
        batch_op.drop_index(
            "uq_classifications_current",
            sqlite_where=sa.text("superseded_at IS NULL"),
            postgresql_where=sa.text("superseded_at IS NULL"),
        )
        batch_op.drop_index(batch_op.f("ix_classifications_booking_id"))

    op.drop_table("classifications")
    with op.batch_alter_table("bed_assignments", schema=None) as batch_op:
        batch_op.drop_index(
            "uq_bed_assignments_open_booking",
            sqlite_where=sa.text("ended_at IS NULL"),
            postgresql_where=sa.text("ended_at IS NULL"),
        )
        batch_op.drop_index(
            "uq_bed_assignments_open_bed",
            sqlite_where=sa.text("ended_at IS NULL"),
            postgresql_where=sa.text("ended_at IS NULL"),
        )
        batch_op.drop_index(batch_op.f("ix_bed_assignments_booking_id"))
        batch_op.drop_index(batch_op.f("ix_bed_assignments_bed_id"))

    op.drop_table("bed_assignments")
    with op.batch_alter_table("detainee_alerts", schema=None) as batch_op:
        batch_op.drop_index(
            "uq_detainee_alerts_active",
            sqlite_where=sa.text("ended_at IS NULL"),
            postgresql_where=sa.text("ended_at IS NULL"),
        )
        batch_op.drop_index(batch_op.f("ix_detainee_alerts_detainee_id"))

    op.drop_table("detainee_alerts")
    with op.batch_alter_table("bookings", schema=None) as batch_op:
        batch_op.drop_index(
            "uq_bookings_active_detainee",
            sqlite_where=sa.text("status <> 'released'"),
            postgresql_where=sa.text("status <> 'released'"),
        )
        batch_op.drop_index("ix_bookings_facility_status")
        batch_op.drop_index(batch_op.f("ix_bookings_detainee_id"))

    op.drop_table("bookings")
    with op.batch_alter_table("detainee_languages", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_detainee_languages_detainee_id"))

    op.drop_table("detainee_languages")
    with op.batch_alter_table("detainee_aliases", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_detainee_aliases_name_key"))
        batch_op.drop_index(batch_op.f("ix_detainee_aliases_detainee_id"))

    op.drop_table("detainee_aliases")
    with op.batch_alter_table("compliance_rules", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_compliance_rules_standards_set_id"))

    op.drop_table("compliance_rules")
    # ### end Alembic commands ###
