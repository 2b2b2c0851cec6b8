"""foundation: users, tokens, audit, reference data

Revision ID: cbe47f5ee7b5
Revises:
Create Date: 2026-11-22 18:38:27.635546
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "cbe47f5ee7b5"
down_revision = None
branch_labels = None
depends_on = None


FIELD_OFFICES = [
    ("ATL", "Atlanta"), ("BAL", "Baltimore"), ("BOS", "Boston"), ("BUF", "Buffalo"),
    ("CHI", "Chicago"), ("DAL", "Dallas"), ("DEN", "Denver"), ("DET", "Detroit"),
    ("ELP", "El Paso"), ("HOU", "Houston"), ("LOS", "Los Angeles"), ("MIA", "Miami"),
    ("NOL", "New Orleans"), ("NYC", "New York City"), ("NEW", "Newark"),
    ("PHI", "Philadelphia"), ("PHO", "Phoenix"), ("SLC", "Salt Lake City"),
    ("SNA", "San Antonio"), ("SND", "San Diego"), ("SFR", "San Francisco"),
    ("SEA", "Seattle"), ("SPM", "St. Paul"), ("WAS", "Washington"),
]  # fmt: skip
STANDARDS_SETS = [
    ("PBNDS-2011-R2016", "Performance-Based National Detention Standards 2011 (revised 2016)"),
    ("NDS-2019", "National Detention Standards 2019"),
    ("NDS-2025", "National Detention Standards 2025"),
]

# On PostgreSQL the audit table refuses DELETE, TRUNCATE and any UPDATE except sealing.
# (Kept here verbatim, not imported, so the revision never changes under us.)
PG_GUARD_SQL = """
CREATE OR REPLACE FUNCTION audit_events_guard() RETURNS trigger AS $$
BEGIN
  IF TG_OP = 'UPDATE' AND OLD.seq IS NULL AND NEW.seq IS NOT NULL
     AND (NEW.id, NEW.occurred_at, NEW.actor_id, NEW.actor, NEW.tag, NEW.subject_type,
          NEW.subject_id, NEW.outcome, NEW.changed_fields::text, NEW.request_id,
          NEW.client_addr)
         IS NOT DISTINCT FROM
         (OLD.id, OLD.occurred_at, OLD.actor_id, OLD.actor, OLD.tag, OLD.subject_type,
          OLD.subject_id, OLD.outcome, OLD.changed_fields::text, OLD.request_id,
          OLD.client_addr)
  THEN
    RETURN NEW;
  END IF;
  RAISE EXCEPTION 'audit_events is append-only: % refused', TG_OP
    USING ERRCODE = 'insufficient_privilege';
END
$$ LANGUAGE plpgsql;
CREATE TRIGGER audit_events_append_only BEFORE UPDATE OR DELETE ON audit_events
  FOR EACH ROW EXECUTE FUNCTION audit_events_guard();
CREATE TRIGGER audit_events_no_truncate BEFORE TRUNCATE ON audit_events
  FOR EACH STATEMENT EXECUTE FUNCTION audit_events_guard();
"""
PG_GUARD_DROP_SQL = """
DROP TRIGGER IF EXISTS audit_events_no_truncate ON audit_events;
DROP TRIGGER IF EXISTS audit_events_append_only ON audit_events;
DROP FUNCTION IF EXISTS audit_events_guard();
"""


def upgrade() -> None:
    op.create_table(
        "audit_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("seq", sa.BigInteger(), nullable=True),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("actor", sa.String(length=64), nullable=False),
        sa.Column("tag", sa.String(length=64), nullable=False),
        sa.Column("subject_type", sa.String(length=64), nullable=True),
        sa.Column("subject_id", sa.String(length=64), nullable=True),
        sa.Column("outcome", sa.String(length=16), nullable=False),
        sa.Column("changed_fields", sa.JSON(), nullable=False),
        sa.Column("request_id", sa.String(length=64), nullable=True),
        sa.Column("client_addr", sa.String(length=64), nullable=True),
        sa.Column("prev_hash", sa.String(length=64), nullable=True),
        sa.Column("hash", sa.String(length=64), nullable=True),
        sa.Column("sealed_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_events")),
        sa.UniqueConstraint("seq", name=op.f("uq_audit_events_seq")),
    )
    with op.batch_alter_table("audit_events", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_audit_events_actor_id"), ["actor_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_audit_events_occurred_at"), ["occurred_at"], unique=False
        )
        batch_op.create_index(
            "ix_audit_events_subject", ["subject_type", "subject_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_audit_events_tag"), ["tag"], unique=False)

    op.create_table(
        "detainees",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("a_number", sa.String(length=9), nullable=False),
        sa.Column("family_name", sa.String(length=100), nullable=False),
        sa.Column("given_name", sa.String(length=100), nullable=False),
        sa.Column("date_of_birth", sa.Date(), nullable=False),
        sa.Column("sex", sa.String(length=8), nullable=False),
        sa.Column("country_of_birth", sa.String(length=2), nullable=False),
        sa.Column("country_of_citizenship", sa.String(length=2), nullable=True),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.CheckConstraint(
            "sex IN ('male','female','unknown')", name=op.f("ck_detainees_sex_known")
        ),
        sa.CheckConstraint("length(a_number) = 9", name=op.f("ck_detainees_a_number_nine_digits")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_detainees")),
        sa.UniqueConstraint("a_number", name=op.f("uq_detainees_a_number")),
    )
    with op.batch_alter_table("detainees", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_detainees_family_name"), ["family_name"], unique=False)

    op.create_table(
        "field_offices",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=8), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_field_offices")),
        sa.UniqueConstraint("code", name=op.f("uq_field_offices_code")),
        sa.UniqueConstraint("name", name=op.f("uq_field_offices_name")),
    )
    op.create_table(
        "standards_sets",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_standards_sets")),
        sa.UniqueConstraint("code", name=op.f("uq_standards_sets_code")),
    )
    op.create_table(
        "facilities",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=16), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("address_line", sa.String(length=200), nullable=False),
        sa.Column("city", sa.String(length=100), nullable=False),
        sa.Column("state", sa.String(length=2), nullable=False),
        sa.Column("postal_code", sa.String(length=10), nullable=False),
        sa.Column("phone", sa.String(length=20), nullable=False),
        sa.Column("field_office_id", sa.Integer(), nullable=False),
        sa.Column("facility_type", sa.String(length=16), nullable=False),
        sa.Column("time_zone", sa.String(length=64), nullable=False),
        sa.Column("standards_set_id", sa.Integer(), nullable=False),
        sa.Column("is_active", sa.Boolean(), server_default=sa.true(), nullable=False),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.CheckConstraint(
            "facility_type IN ('SPC', 'CDF', 'IGSA', 'DIGSA', 'USMS_IGA', 'FAMILY', 'HOLD')",
            name=op.f("ck_facilities_type_known"),
        ),
        sa.ForeignKeyConstraint(
            ["field_office_id"],
            ["field_offices.id"],
            name=op.f("fk_facilities_field_office_id_field_offices"),
        ),
        sa.ForeignKeyConstraint(
            ["standards_set_id"],
            ["standards_sets.id"],
            name=op.f("fk_facilities_standards_set_id_standards_sets"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_facilities")),
        sa.UniqueConstraint("code", name=op.f("uq_facilities_code")),
    )
    with op.batch_alter_table("facilities", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_facilities_field_office_id"), ["field_office_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_facilities_standards_set_id"), ["standards_set_id"], unique=False
        )

    op.create_table(
        "housing_units",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("facility_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("sex_housed", sa.String(length=8), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("allows_level_1", sa.Boolean(), nullable=False),
        sa.Column("allows_level_2", sa.Boolean(), nullable=False),
        sa.Column("allows_level_3", sa.Boolean(), nullable=False),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.CheckConstraint(
            "kind IN ('general', 'restrictive', 'medical', 'isolation', 'intake_holding')",
            name=op.f("ck_housing_units_kind_known"),
        ),
        sa.CheckConstraint(
            "sex_housed IN ('male', 'female', 'any')", name=op.f("ck_housing_units_sex_known")
        ),
        sa.CheckConstraint(
            "allows_level_1 OR allows_level_2 OR allows_level_3",
            name=op.f("ck_housing_units_some_level"),
        ),
        sa.ForeignKeyConstraint(
            ["facility_id"], ["facilities.id"], name=op.f("fk_housing_units_facility_id_facilities")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_housing_units")),
        sa.UniqueConstraint("facility_id", "name", name=op.f("uq_housing_units_facility_id_name")),
    )
    with op.batch_alter_table("housing_units", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_housing_units_facility_id"), ["facility_id"], unique=False
        )

    op.create_table(
        "users",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("username", sa.String(length=64), nullable=False),
        sa.Column("full_name", sa.String(length=200), server_default="", nullable=False),
        sa.Column("password_hash", sa.String(length=255), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("facility_id", sa.Integer(), nullable=True),
        sa.Column("is_active", sa.Boolean(), server_default=sa.true(), nullable=False),
        sa.Column("failed_logins", sa.Integer(), server_default="0", nullable=False),
        sa.Column("first_failed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("locked_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_login_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("password_changed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.CheckConstraint(
            "role IN ('admin','supervisor','officer','clinician','records','auditor')",
            name=op.f("ck_users_role_known"),
        ),
        sa.ForeignKeyConstraint(
            ["facility_id"],
            ["facilities.id"],
            name=op.f("fk_users_facility_id_facilities"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_users")),
        sa.UniqueConstraint("username", name=op.f("uq_users_username")),
    )
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_users_facility_id"), ["facility_id"], unique=False)

    op.create_table(
        "api_tokens",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("prefix", sa.String(length=12), nullable=False),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_api_tokens_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_api_tokens")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_api_tokens_token_hash")),
    )
    with op.batch_alter_table("api_tokens", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_api_tokens_user_id"), ["user_id"], unique=False)

    op.create_table(
        "beds",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("label", sa.String(length=32), nullable=False),
        sa.Column("is_lower_bunk", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("is_accessible", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("is_in_service", sa.Boolean(), server_default=sa.true(), nullable=False),
        sa.ForeignKeyConstraint(
            ["unit_id"], ["housing_units.id"], name=op.f("fk_beds_unit_id_housing_units")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_beds")),
        sa.UniqueConstraint("unit_id", "label", name=op.f("uq_beds_unit_id_label")),
    )
    with op.batch_alter_table("beds", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_beds_unit_id"), ["unit_id"], unique=False)

    offices = sa.table("field_offices", sa.column("code", sa.String), sa.column("name", sa.String))
    op.bulk_insert(offices, [{"code": c, "name": n} for c, n in FIELD_OFFICES])
    sets = sa.table("standards_sets", sa.column("code", sa.String), sa.column("name", sa.String))
    op.bulk_insert(sets, [{"code": c, "name": n} for c, n in STANDARDS_SETS])
    if op.get_bind().dialect.name == "postgresql":
        op.execute(PG_GUARD_SQL)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(PG_GUARD_DROP_SQL)
    with op.batch_alter_table("beds", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_beds_unit_id"))

    op.drop_table("beds")
    with op.batch_alter_table("api_tokens", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_api_tokens_user_id"))

    op.drop_table("api_tokens")
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_users_facility_id"))

    op.drop_table("users")
    with op.batch_alter_table("housing_units", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_housing_units_facility_id"))

    op.drop_table("housing_units")
    with op.batch_alter_table("facilities", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_facilities_standards_set_id"))
        batch_op.drop_index(batch_op.f("ix_facilities_field_office_id"))

    op.drop_table("facilities")
    op.drop_table("standards_sets")
    op.drop_table("field_offices")
    with op.batch_alter_table("detainees", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_detainees_family_name"))

    op.drop_table("detainees")
    with op.batch_alter_table("audit_events", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_audit_events_tag"))
        batch_op.drop_index("ix_audit_events_subject")
        batch_op.drop_index(batch_op.f("ix_audit_events_occurred_at"))
        batch_op.drop_index(batch_op.f("ix_audit_events_actor_id"))

    op.drop_table("audit_events")
