"""Transfers between facilities and their movement history."""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.db import Base, created_at, intpk, one_of, timestamp

if TYPE_CHECKING:
    from custody.bookings.models import Booking
    from custody.facilities.models import Facility


class TransferStatus(StrEnum):
    REQUESTED = "requested"
    APPROVED = "approved"
    IN_TRANSIT = "in_transit"
    ARRIVED = "arrived"
    CANCELLED = "cancelled"


OPEN_STATUSES = (TransferStatus.REQUESTED, TransferStatus.APPROVED, TransferStatus.IN_TRANSIT)
OPEN = "status IN ('requested', 'approved', 'in_transit')"


class Transfer(Base):
    """A move of a booked person from one facility to another. At most one open
    (requested, approved or in transit) transfer per booking."""

    __tablename__ = "transfers"
    __table_args__ = (
        sa.CheckConstraint(one_of("status", TransferStatus), name="status_known"),
        sa.CheckConstraint("from_facility_id <> to_facility_id", name="different_facilities"),
        sa.Index(
            "uq_transfers_open_booking",
            "booking_id",
            unique=True,
            sqlite_where=sa.text(OPEN),
            postgresql_where=sa.text(OPEN),
        ),
        sa.Index("ix_transfers_status", "status"),
    )

    id: Mapped[intpk]
    booking_id: Mapped[int] = mapped_column(sa.ForeignKey("bookings.id"), index=True)
    from_facility_id: Mapped[int] = mapped_column(sa.ForeignKey("facilities.id"), index=True)
    to_facility_id: Mapped[int] = mapped_column(sa.ForeignKey("facilities.id"), index=True)
    status: Mapped[str] = mapped_column(sa.String(16), server_default="requested")
    reason: Mapped[str] = mapped_column(sa.Text)
    scheduled_for: Mapped[timestamp]
    requested_at: Mapped[timestamp]
    requested_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    approved_at: Mapped[dt.datetime | None]
    approved_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    # the medical transfer summary is a FHIR Composition (health.transfers); custody keeps
    # its id, when it was written and whether the person may travel, never its content
    summary_resource_id: Mapped[str | None] = mapped_column(sa.String(64))
    summary_at: Mapped[dt.datetime | None]
    summary_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    is_fit_to_travel: Mapped[bool | None] = mapped_column(sa.Boolean)
    departed_at: Mapped[dt.datetime | None]
    arrived_at: Mapped[dt.datetime | None]
    acknowledged_at: Mapped[dt.datetime | None]  # the receiving facility has the summary
    acknowledged_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    cancelled_at: Mapped[dt.datetime | None]
    cancel_reason: Mapped[str | None] = mapped_column(sa.String(500))
    created_at: Mapped[created_at]

    booking: Mapped[Booking] = relationship()
    from_facility: Mapped[Facility] = relationship(foreign_keys=[from_facility_id])
    to_facility: Mapped[Facility] = relationship(foreign_keys=[to_facility_id])
    movements: Mapped[list[TransferMovement]] = relationship(
        back_populates="transfer", order_by="TransferMovement.id"
    )

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES


class TransferMovement(Base):
    """One transition of a transfer: from which state to which, when and by whom."""

    __tablename__ = "transfer_movements"
    __table_args__ = (sa.CheckConstraint(one_of("to_status", TransferStatus), name="to_known"),)

    id: Mapped[intpk]
    transfer_id: Mapped[int] = mapped_column(sa.ForeignKey("transfers.id"), index=True)
    from_status: Mapped[str | None] = mapped_column(sa.String(16))
    to_status: Mapped[str] = mapped_column(sa.String(16))
    at: Mapped[timestamp]
    by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    by_name: Mapped[str] = mapped_column(sa.String(200), server_default="")
    note: Mapped[str | None] = mapped_column(sa.String(500))

    transfer: Mapped[Transfer] = relationship(back_populates="movements")
