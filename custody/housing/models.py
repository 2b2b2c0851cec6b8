"""Bed assignments (the bed history) and restrictive housing."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.db import Base, intpk, timestamp

if TYPE_CHECKING:
    from custody.bookings.models import Booking
    from custody.facilities.models import Bed

OPEN = "ended_at IS NULL"


class BedAssignment(Base):
    """A person in a bed from `started_at` until `ended_at`. At most one open assignment
    per bed and per booking: unique partial indexes, whatever the code above does."""

    __tablename__ = "bed_assignments"
    __table_args__ = (
        sa.Index(
            "uq_bed_assignments_open_bed",
            "bed_id",
            unique=True,
            sqlite_where=sa.text(OPEN),
            postgresql_where=sa.text(OPEN),
        ),
        sa.Index(
            "uq_bed_assignments_open_booking",
            "booking_id",
            unique=True,
            sqlite_where=sa.text(OPEN),
            postgresql_where=sa.text(OPEN),
        ),
    )

    id: Mapped[intpk]
    booking_id: Mapped[int] = mapped_column(sa.ForeignKey("bookings.id"), index=True)
    bed_id: Mapped[int] = mapped_column(sa.ForeignKey("beds.id"), index=True)
    started_at: Mapped[timestamp]
    ended_at: Mapped[dt.datetime | None]
    end_reason: Mapped[str | None] = mapped_column(sa.String(32))
    assigned_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    overridden_rules: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    override_reason: Mapped[str | None] = mapped_column(sa.Text)

    booking: Mapped[Booking] = relationship(back_populates="assignments")
    bed: Mapped[Bed] = relationship()
