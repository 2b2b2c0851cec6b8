"""Reference data: field offices, standards sets, facilities, housing units and beds."""

from __future__ import annotations

from enum import StrEnum
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.db import Base, created_at, intpk, one_of

if TYPE_CHECKING:
    from custody.rules.models import ComplianceRule


class FacilityType(StrEnum):
    SPC = "SPC"  # service processing center (ICE-owned)
    CDF = "CDF"  # contract detention facility
    IGSA = "IGSA"  # intergovernmental service agreement
    DIGSA = "DIGSA"  # dedicated IGSA
    USMS_IGA = "USMS_IGA"  # U.S. Marshals intergovernmental agreement
    FAMILY = "FAMILY"  # family residential center
    HOLD = "HOLD"  # hold room / staging


class Sex(StrEnum):
    MALE = "male"
    FEMALE = "female"
    ANY = "any"  # e.g. medical or intake holding, decided case by case


class UnitKind(StrEnum):
    GENERAL = "general"
    RESTRICTIVE = "restrictive"
    MEDICAL = "medical"
    ISOLATION = "isolation"
    INTAKE = "intake_holding"


class FieldOffice(Base):
    __tablename__ = "field_offices"

    id: Mapped[intpk]
    code: Mapped[str] = mapped_column(sa.String(8), unique=True)
    name: Mapped[str] = mapped_column(sa.String(100), unique=True)


class StandardsSet(Base):
    """A detention-standards set a facility is bound to: a named set of rules (data)."""

    __tablename__ = "standards_sets"

    id: Mapped[intpk]
    code: Mapped[str] = mapped_column(sa.String(32), unique=True)
    name: Mapped[str] = mapped_column(sa.String(200))

    rules: Mapped[list[ComplianceRule]] = relationship(
        back_populates="standards_set", order_by="ComplianceRule.rule"
    )


class Facility(Base):
    __tablename__ = "facilities"
    __table_args__ = (sa.CheckConstraint(one_of("facility_type", FacilityType), name="type_known"),)

    id: Mapped[intpk]
    code: Mapped[str] = mapped_column(sa.String(16), unique=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    address_line: Mapped[str] = mapped_column(sa.String(200))
    city: Mapped[str] = mapped_column(sa.String(100))
    state: Mapped[str] = mapped_column(sa.String(2))
    postal_code: Mapped[str] = mapped_column(sa.String(10))
    phone: Mapped[str] = mapped_column(sa.String(20))
    field_office_id: Mapped[int] = mapped_column(sa.ForeignKey("field_offices.id"), index=True)
    facility_type: Mapped[str] = mapped_column(sa.String(16))
    time_zone: Mapped[str] = mapped_column(sa.String(64))
    standards_set_id: Mapped[int] = mapped_column(sa.ForeignKey("standards_sets.id"), index=True)
    is_active: Mapped[bool] = mapped_column(sa.Boolean, server_default=sa.true())
    created_at: Mapped[created_at]

    field_office: Mapped[FieldOffice] = relationship()
    standards_set: Mapped[StandardsSet] = relationship()
    units: Mapped[list[HousingUnit]] = relationship(
        back_populates="facility", order_by="HousingUnit.name"
    )


class HousingUnit(Base):
    __tablename__ = "housing_units"
    __table_args__ = (
        sa.UniqueConstraint("facility_id", "name"),
        sa.CheckConstraint(one_of("sex_housed", Sex), name="sex_known"),
        sa.CheckConstraint(one_of("kind", UnitKind), name="kind_known"),
        sa.CheckConstraint("allows_level_1 OR allows_level_2 OR allows_level_3", name="some_level"),
    )

    id: Mapped[intpk]
    facility_id: Mapped[int] = mapped_column(sa.ForeignKey("facilities.id"), index=True)
    name: Mapped[str] = mapped_column(sa.String(64))
    sex_housed: Mapped[str] = mapped_column(sa.String(8))
    kind: Mapped[str] = mapped_column(sa.String(16))
    allows_level_1: Mapped[bool] = mapped_column(sa.Boolean)
    allows_level_2: Mapped[bool] = mapped_column(sa.Boolean)
    allows_level_3: Mapped[bool] = mapped_column(sa.Boolean)
    created_at: Mapped[created_at]

    facility: Mapped[Facility] = relationship(back_populates="units")
    beds: Mapped[list[Bed]] = relationship(back_populates="unit", order_by="Bed.label")

    @property
    def levels(self) -> list[int]:
        flags = (self.allows_level_1, self.allows_level_2, self.allows_level_3)
        return [level for level, allowed in enumerate(flags, start=1) if allowed]


class Bed(Base):
    __tablename__ = "beds"
    __table_args__ = (sa.UniqueConstraint("unit_id", "label"),)

    id: Mapped[intpk]
    unit_id: Mapped[int] = mapped_column(sa.ForeignKey("housing_units.id"), index=True)
    label: Mapped[str] = mapped_column(sa.String(32))
    is_lower_bunk: Mapped[bool] = mapped_column(sa.Boolean, server_default=sa.false())
    is_accessible: Mapped[bool] = mapped_column(sa.Boolean, server_default=sa.false())
    is_in_service: Mapped[bool] = mapped_column(sa.Boolean, server_default=sa.true())

    unit: Mapped[HousingUnit] = relationship(back_populates="beds")
