"""Bookings (one stay in custody), property, classification and risk screening."""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy.ext.hybrid import hybrid_property
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.db import Base, created_at, intpk, timestamp

if TYPE_CHECKING:
    from custody.facilities.models import Facility
    from custody.housing.models import BedAssignment
    from custody.legal.models import ConsularTask
    from custody.people.models import Detainee
    from custody.releases.models import Release
    from custody.restrictive.models import RestrictivePlacement
    from custody.rules.models import ComplianceClock


class BookingStatus(StrEnum):
    BOOKED = "booked"
    HOUSED = "housed"
    IN_TRANSIT = "in_transit"
    RELEASED = "released"


ACTIVE = "status <> 'released'"


class Booking(Base):
    __tablename__ = "bookings"
    __table_args__ = (
        sa.CheckConstraint(
            f"status IN ({', '.join(repr(s.value) for s in BookingStatus)})", name="status_known"
        ),
        # One active booking per person, whatever the code above does.
        sa.Index(
            "uq_bookings_active_detainee",
            "detainee_id",
            unique=True,
            sqlite_where=sa.text(ACTIVE),
            postgresql_where=sa.text(ACTIVE),
        ),
        sa.Index("ix_bookings_facility_status", "facility_id", "status"),
    )

    id: Mapped[intpk]
    detainee_id: Mapped[int] = mapped_column(sa.ForeignKey("detainees.id"), index=True)
    facility_id: Mapped[int] = mapped_column(sa.ForeignKey("facilities.id"))
    status: Mapped[str] = mapped_column(sa.String(16), server_default="booked")
    booked_at: Mapped[timestamp]  # arrival at the facility: every clock counts from it
    arresting_agency: Mapped[str | None] = mapped_column(sa.String(100))
    program: Mapped[str | None] = mapped_column(sa.String(100))
    orientation_at: Mapped[dt.datetime | None]
    handbook_language: Mapped[str | None] = mapped_column(sa.String(8))
    receipt_number: Mapped[str | None] = mapped_column(sa.String(32), unique=True)
    released_at: Mapped[dt.datetime | None]
    release_reason: Mapped[str | None] = mapped_column(sa.String(500))
    booked_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    created_at: Mapped[created_at]

    detainee: Mapped[Detainee] = relationship()
    facility: Mapped[Facility] = relationship()
    property_items: Mapped[list[PropertyItem]] = relationship(
        back_populates="booking", order_by="PropertyItem.line_no", cascade="all, delete-orphan"
    )
    classifications: Mapped[list[Classification]] = relationship(
        back_populates="booking", order_by="Classification.id"
    )
    screenings: Mapped[list[RiskScreening]] = relationship(
        back_populates="booking", order_by="RiskScreening.id"
    )
    assignments: Mapped[list[BedAssignment]] = relationship(
        back_populates="booking", order_by="BedAssignment.id"
    )
    placements: Mapped[list[RestrictivePlacement]] = relationship(
        back_populates="booking", order_by="RestrictivePlacement.id"
    )
    clocks: Mapped[list[ComplianceClock]] = relationship(
        back_populates="booking", order_by="ComplianceClock.due_at"
    )
    release: Mapped[Release | None] = relationship(back_populates="booking")  # releases area
    consular_tasks: Mapped[list[ConsularTask]] = relationship(
        back_populates="booking", order_by="ConsularTask.due_at"
    )

    @hybrid_property
    def is_active(self) -> bool:
        """Not released: in custody here or in transit (also usable in queries)."""
        return self.status != BookingStatus.RELEASED

    @property
    def classification(self) -> Classification | None:
        current = [c for c in self.classifications if c.superseded_at is None]
        return current[-1] if current else None

    @property
    def screening(self) -> RiskScreening | None:
        return self.screenings[-1] if self.screenings else None

    @property
    def assignment(self) -> BedAssignment | None:
        current = [a for a in self.assignments if a.ended_at is None]
        return current[-1] if current else None

    @property
    def placement(self) -> RestrictivePlacement | None:
        current = [p for p in self.placements if p.released_at is None]
        return current[-1] if current else None


class PropertyItem(Base):
    """One line of the itemised property receipt (PBNDS 2.5)."""

    __tablename__ = "property_items"
    __table_args__ = (
        sa.UniqueConstraint("booking_id", "line_no"),
        sa.CheckConstraint("quantity > 0", name="quantity_positive"),
    )

    id: Mapped[intpk]
    booking_id: Mapped[int] = mapped_column(
        sa.ForeignKey("bookings.id", ondelete="CASCADE"), index=True
    )
    line_no: Mapped[int] = mapped_column(sa.SmallInteger)
    description: Mapped[str] = mapped_column(sa.String(200))
    quantity: Mapped[int] = mapped_column(sa.Integer, server_default="1")
    is_valuable: Mapped[bool] = mapped_column(sa.Boolean, server_default=sa.false())
    value_cents: Mapped[int | None] = mapped_column(sa.Integer)  # cash counted at intake
    returned_at: Mapped[dt.datetime | None]

    booking: Mapped[Booking] = relationship(back_populates="property_items")


class Classification(Base):
    """A scored worksheet: inputs stored, score and level computed, the worksheet version
    recorded; a supervisor may override the level with a reason. The newest is current."""

    __tablename__ = "classifications"
    __table_args__ = (
        sa.CheckConstraint("level BETWEEN 1 AND 3", name="level_range"),
        sa.CheckConstraint("scored_level BETWEEN 1 AND 3", name="scored_level_range"),
        sa.CheckConstraint(
            "level = scored_level OR (override_reason IS NOT NULL AND approved_by_id IS NOT NULL)",
            name="override_needs_reason",
        ),
        sa.Index(
            "uq_classifications_current",
            "booking_id",
            unique=True,
            sqlite_where=sa.text("superseded_at IS NULL"),
            postgresql_where=sa.text("superseded_at IS NULL"),
        ),
    )

    id: Mapped[intpk]
    booking_id: Mapped[int] = mapped_column(sa.ForeignKey("bookings.id"), index=True)
    worksheet_version: Mapped[str] = mapped_column(sa.String(32))
    inputs: Mapped[dict[str, Any]] = mapped_column(sa.JSON)
    score: Mapped[int] = mapped_column(sa.Integer)
    scored_level: Mapped[int] = mapped_column(sa.SmallInteger)
    level: Mapped[int] = mapped_column(sa.SmallInteger)
    reasons: Mapped[str | None] = mapped_column(sa.Text)
    override_reason: Mapped[str | None] = mapped_column(sa.Text)
    approved_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    classified_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    classified_at: Mapped[timestamp]
    reclassify_due_at: Mapped[timestamp]
    superseded_at: Mapped[dt.datetime | None]

    booking: Mapped[Booking] = relationship(back_populates="classifications")

    @property
    def is_override(self) -> bool:
        return self.level != self.scored_level


class RiskScreening(Base):
    """Sexual-abuse risk screening (6 CFR 115.41): victimization and abusiveness risk."""

    __tablename__ = "risk_screenings"

    id: Mapped[intpk]
    booking_id: Mapped[int] = mapped_column(sa.ForeignKey("bookings.id"), index=True)
    screened_at: Mapped[timestamp]
    victimization_risk: Mapped[bool] = mapped_column(sa.Boolean)
    abusiveness_risk: Mapped[bool] = mapped_column(sa.Boolean)
    screened_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))

    booking: Mapped[Booking] = relationship(back_populates="screenings")
