"""FHIR store tables: current resources, every version, and the search indexes.

One JSON document per resource plus the columns we search on (STYLE.md, medplum).
Index tables are keyed by (resource_type, resource_id) strings; they hold only the
current version of each live resource and are rewritten with it in one transaction.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from core.db import Base, UTCDateTime

JSON_DOCUMENT = sa.JSON().with_variant(JSONB(), "postgresql")
TYPE = sa.String(64)
ID = sa.String(64)
BIGPK = sa.BigInteger().with_variant(sa.Integer, "sqlite")


class FhirResource(Base):
    """The current version of every resource (a deleted one stays as a tombstone)."""

    __tablename__ = "fhir_resources"

    resource_type: Mapped[str] = mapped_column(TYPE, primary_key=True)
    id: Mapped[str] = mapped_column(ID, primary_key=True)
    version: Mapped[int] = mapped_column(sa.Integer)
    last_updated: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    is_deleted: Mapped[bool] = mapped_column(sa.Boolean, server_default=sa.false())
    is_restricted: Mapped[bool] = mapped_column(sa.Boolean, server_default=sa.false())
    patient_id: Mapped[str | None] = mapped_column(ID)
    resource: Mapped[Any | None] = mapped_column(JSON_DOCUMENT)

    __table_args__ = (
        # a patient's resources of one type in id order (search pages are keyed on id)
        sa.Index("ix_fhir_resources_patient", "patient_id", "resource_type", "id"),
        sa.Index("ix_fhir_resources_type_updated", "resource_type", "last_updated"),
        sa.Index("ix_fhir_resources_updated", "last_updated"),
    )


class FhirHistory(Base):
    """Every version ever written, including delete tombstones (resource is NULL)."""

    __tablename__ = "fhir_history"

    resource_type: Mapped[str] = mapped_column(TYPE, primary_key=True)
    id: Mapped[str] = mapped_column(ID, primary_key=True)
    version: Mapped[int] = mapped_column(sa.Integer, primary_key=True)
    last_updated: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    method: Mapped[str] = mapped_column(sa.String(8))
    is_restricted: Mapped[bool] = mapped_column(sa.Boolean, server_default=sa.false())
    resource: Mapped[Any | None] = mapped_column(JSON_DOCUMENT)

    __table_args__ = (
        sa.Index("ix_fhir_history_updated", "last_updated"),
        sa.Index("ix_fhir_history_type_updated", "resource_type", "last_updated"),
    )


class TokenIndex(Base):
    """token and uri parameters: (system, code); system is NULL when absent."""

    __tablename__ = "fhir_idx_token"
    id: Mapped[int] = mapped_column(BIGPK, primary_key=True)
    resource_type: Mapped[str] = mapped_column(TYPE)
    resource_id: Mapped[str] = mapped_column(ID)
    param: Mapped[str] = mapped_column(sa.String(64))
    system: Mapped[str | None] = mapped_column(sa.String(255))
    code: Mapped[str] = mapped_column(sa.String(255))

    # Both carry every column a search reads, so either side of the semi-join is an
    # index-only scan: lookup by code (then resource), or per resource (a patient's
    # resources probed for param and code).
    __table_args__ = (
        sa.Index(
            "ix_fhir_idx_token_lookup", "resource_type", "param", "code", "system", "resource_id"
        ),
        sa.Index(
            "ix_fhir_idx_token_resource", "resource_type", "resource_id", "param", "code", "system"
        ),
    )


class StringIndex(Base):
    """string parameters: `value` normalised (lower case, no accents), `exact` as given."""

    __tablename__ = "fhir_idx_string"
    id: Mapped[int] = mapped_column(BIGPK, primary_key=True)
    resource_type: Mapped[str] = mapped_column(TYPE)
    resource_id: Mapped[str] = mapped_column(ID)
    param: Mapped[str] = mapped_column(sa.String(64))
    value: Mapped[str] = mapped_column(sa.String(255))
    exact: Mapped[str] = mapped_column(sa.String(255))

    __table_args__ = (
        sa.Index("ix_fhir_idx_string_lookup", "resource_type", "param", "value"),
        sa.Index("ix_fhir_idx_string_resource", "resource_type", "resource_id"),
    )


class DateIndex(Base):
    """date parameters as the instant range [low, high] they stand for."""

    __tablename__ = "fhir_idx_date"
    id: Mapped[int] = mapped_column(BIGPK, primary_key=True)
    resource_type: Mapped[str] = mapped_column(TYPE)
    resource_id: Mapped[str] = mapped_column(ID)
    param: Mapped[str] = mapped_column(sa.String(64))
    low: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    high: Mapped[dt.datetime] = mapped_column(UTCDateTime())

    __table_args__ = (
        sa.Index("ix_fhir_idx_date_lookup", "resource_type", "param", "low", "high"),
        sa.Index(
            "ix_fhir_idx_date_resource", "resource_type", "resource_id", "param", "low", "high"
        ),
    )


class ReferenceIndex(Base):
    """reference parameters: local targets as (target_type, target_id); others by url."""

    __tablename__ = "fhir_idx_reference"
    id: Mapped[int] = mapped_column(BIGPK, primary_key=True)
    resource_type: Mapped[str] = mapped_column(TYPE)
    resource_id: Mapped[str] = mapped_column(ID)
    param: Mapped[str] = mapped_column(sa.String(64))
    target_type: Mapped[str | None] = mapped_column(TYPE)
    target_id: Mapped[str | None] = mapped_column(ID)
    url: Mapped[str | None] = mapped_column(sa.String(255))

    __table_args__ = (
        sa.Index(
            "ix_fhir_idx_reference_lookup", "target_id", "param", "resource_type", "target_type"
        ),
        sa.Index("ix_fhir_idx_reference_resource", "resource_type", "resource_id"),
    )


class QuantityIndex(Base):
    """quantity and number parameters (number: system and code NULL)."""

    __tablename__ = "fhir_idx_quantity"
    id: Mapped[int] = mapped_column(BIGPK, primary_key=True)
    resource_type: Mapped[str] = mapped_column(TYPE)
    resource_id: Mapped[str] = mapped_column(ID)
    param: Mapped[str] = mapped_column(sa.String(64))
    value: Mapped[float] = mapped_column(sa.Float)
    system: Mapped[str | None] = mapped_column(sa.String(255))
    code: Mapped[str | None] = mapped_column(sa.String(255))

    __table_args__ = (
        sa.Index("ix_fhir_idx_quantity_lookup", "resource_type", "param", "value"),
        sa.Index("ix_fhir_idx_quantity_resource", "resource_type", "resource_id"),
    )


IndexModel = (
    type[TokenIndex]
    | type[StringIndex]
    | type[DateIndex]
    | type[ReferenceIndex]
    | type[QuantityIndex]
)
INDEX_TABLES: dict[str, IndexModel] = {
    "token": TokenIndex,
    "uri": TokenIndex,
    "string": StringIndex,
    "date": DateIndex,
    "reference": ReferenceIndex,
    "quantity": QuantityIndex,
    "number": QuantityIndex,
}


def table_of(model: type[Base]) -> sa.Table:
    """The model's Table (declarative types `__table__` as any FromClause)."""
    table = model.__table__
    if not isinstance(table, sa.Table):
        raise TypeError(f"{model.__name__} is not mapped to a table")
    return table


class PatientStay(Base):
    """Where a Patient is or was held: the facility scope of their health records
    (`health.fhir.scope`). Opened when a booking links the Patient (`health.patients`),
    ended when custody releases the person or moves them; `facility_id` is the key of
    the facility directory (`core.directory`), as `users.facility_id` is."""

    __tablename__ = "health_patient_stays"

    id: Mapped[int] = mapped_column(BIGPK, primary_key=True)
    patient_id: Mapped[str] = mapped_column(ID)
    facility_id: Mapped[int] = mapped_column(sa.Integer)
    started_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    ended_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())

    __table_args__ = (
        sa.Index("ix_health_patient_stays_patient", "patient_id", "facility_id"),
        # a facility's patients (a scoped search's filter), open stays first to hand
        sa.Index("ix_health_patient_stays_facility", "facility_id", "ended_at", "patient_id"),
    )
