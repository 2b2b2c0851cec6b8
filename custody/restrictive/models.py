"""Restrictive housing records: placements, reviews, observation checks and field-office
notifications."""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.db import Base, created_at, intpk, timestamp

if TYPE_CHECKING:
    from custody.bookings.models import Booking


class PlacementKind(StrEnum):
    ADMINISTRATIVE = "administrative"
    DISCIPLINARY = "disciplinary"


class RestrictivePlacement(Base):
    __tablename__ = "restrictive_placements"
    __table_args__ = (
        sa.CheckConstraint("kind IN ('administrative','disciplinary')", name="kind_known"),
        sa.Index(
            "uq_restrictive_placements_open",
            "booking_id",
            unique=True,
            sqlite_where=sa.text("released_at IS NULL"),
            postgresql_where=sa.text("released_at IS NULL"),
        ),
    )

    id: Mapped[intpk]
    booking_id: Mapped[int] = mapped_column(sa.ForeignKey("bookings.id"), index=True)
    kind: Mapped[str] = mapped_column(sa.String(16))
    reason: Mapped[str] = mapped_column(sa.Text)
    placed_at: Mapped[timestamp]
    placed_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    released_at: Mapped[dt.datetime | None]
    release_note: Mapped[str | None] = mapped_column(sa.Text)
    released_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))

    booking: Mapped[Booking] = relationship(back_populates="placements")
    reviews: Mapped[list[PlacementReview]] = relationship(
        back_populates="placement", order_by="PlacementReview.reviewed_at"
    )
    checks: Mapped[list[ObservationCheck]] = relationship(
        back_populates="placement", order_by="ObservationCheck.checked_at"
    )
    notifications: Mapped[list[FieldOfficeNotification]] = relationship(
        back_populates="placement", order_by="FieldOfficeNotification.notified_at"
    )


class PlacementReview(Base):
    __tablename__ = "placement_reviews"

    id: Mapped[intpk]
    placement_id: Mapped[int] = mapped_column(
        sa.ForeignKey("restrictive_placements.id"), index=True
    )
    reviewed_at: Mapped[timestamp]
    reviewer_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    decision: Mapped[str] = mapped_column(sa.String(16))  # continue | release
    note: Mapped[str | None] = mapped_column(sa.Text)

    placement: Mapped[RestrictivePlacement] = relationship(back_populates="reviews")


class ObservationCheck(Base):
    __tablename__ = "observation_checks"
    __table_args__ = (sa.Index("ix_observation_checks_placement_at", "placement_id", "checked_at"),)

    id: Mapped[intpk]
    placement_id: Mapped[int] = mapped_column(sa.ForeignKey("restrictive_placements.id"))
    checked_at: Mapped[timestamp]
    officer_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    observation: Mapped[str] = mapped_column(sa.String(24), server_default="observed")
    recorded_at: Mapped[created_at]  # when entered; `checked_at` is when it was done

    placement: Mapped[RestrictivePlacement] = relationship(back_populates="checks")


class FieldOfficeNotification(Base):
    __tablename__ = "field_office_notifications"

    id: Mapped[intpk]
    placement_id: Mapped[int] = mapped_column(
        sa.ForeignKey("restrictive_placements.id"), index=True
    )
    notified_at: Mapped[timestamp]
    notified_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    recipient: Mapped[str] = mapped_column(sa.String(200))
    method: Mapped[str] = mapped_column(sa.String(32), server_default="email")

    placement: Mapped[RestrictivePlacement] = relationship(back_populates="notifications")
