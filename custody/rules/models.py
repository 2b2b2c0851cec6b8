"""Detention-standards rules as data, and the compliance clocks they open.

A rule set (`StandardsSet`) holds rules; each facility points at one. A clock is one
deadline for one booking: opened by an event (booking, classification, a referral, a
restrictive-housing placement), closed when the matching record arrives.
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.db import Base, created_at, intpk, timestamp

if TYPE_CHECKING:
    from custody.facilities.models import StandardsSet


class ClockStart(StrEnum):
    """The event that opens a rule's clock."""

    BOOKING = "booking"
    CLASSIFICATION = "classification"
    REFERRAL = "referral"
    SICK_CALL_REQUEST = "sick_call_request"
    TRIAGE = "triage"
    DISCLOSURE = "disclosure"
    PLACEMENT = "placement"
    WATCH = "watch"
    LAST_MEAL = "last_meal"


class RepeatAnchor(StrEnum):
    """How a repeating rule counts: from the clock's start (14, 30, 60, 90 days) or from
    the previous time it was met (a review every 7 days after the last one)."""

    START = "start"
    PREVIOUS = "previous"


class ComplianceRule(Base):
    __tablename__ = "compliance_rules"
    __table_args__ = (
        sa.UniqueConstraint("standards_set_id", "rule"),
        sa.CheckConstraint("limit_minutes IS NULL OR limit_minutes > 0", name="limit_positive"),
        sa.CheckConstraint("repeat_minutes IS NULL OR repeat_minutes > 0", name="repeat_positive"),
    )

    id: Mapped[intpk]
    standards_set_id: Mapped[int] = mapped_column(
        sa.ForeignKey("standards_sets.id", ondelete="CASCADE"), index=True
    )
    rule: Mapped[str] = mapped_column(sa.String(48))
    title: Mapped[str] = mapped_column(sa.String(200))
    starts_on: Mapped[str] = mapped_column(sa.String(24))
    stops_on: Mapped[str] = mapped_column(sa.String(200))
    limit_minutes: Mapped[int | None] = mapped_column(sa.Integer)
    repeat_minutes: Mapped[int | None] = mapped_column(sa.Integer)
    repeat_anchor: Mapped[str] = mapped_column(sa.String(12), server_default="start")
    citation: Mapped[str] = mapped_column(sa.String(200), server_default="")
    to_confirm: Mapped[bool] = mapped_column(sa.Boolean, server_default=sa.false())
    is_active: Mapped[bool] = mapped_column(sa.Boolean, server_default=sa.true())

    standards_set: Mapped[StandardsSet] = relationship(back_populates="rules")

    @property
    def limit(self) -> dt.timedelta | None:
        return None if self.limit_minutes is None else dt.timedelta(minutes=self.limit_minutes)


class ComplianceClock(Base):
    """One deadline of one booking. `subject_*` names what opened it when that is not the
    booking itself (a placement, a referral)."""

    __tablename__ = "compliance_clocks"
    __table_args__ = (
        sa.Index("ix_compliance_clocks_open", "facility_id", "met_at", "due_at"),
        sa.Index("ix_compliance_clocks_booking_rule", "booking_id", "rule"),
    )

    id: Mapped[intpk]
    booking_id: Mapped[int] = mapped_column(sa.ForeignKey("bookings.id", ondelete="CASCADE"))
    facility_id: Mapped[int] = mapped_column(sa.ForeignKey("facilities.id"))
    rule: Mapped[str] = mapped_column(sa.String(48))
    subject_type: Mapped[str | None] = mapped_column(sa.String(32))
    subject_id: Mapped[str | None] = mapped_column(sa.String(64))
    started_at: Mapped[timestamp]
    due_at: Mapped[timestamp]
    met_at: Mapped[dt.datetime | None]
    met_by: Mapped[str | None] = mapped_column(sa.String(64))  # what closed it
    # custody ended here before it was met (released, transferred out): neither met
    # nor overdue, and final
    stopped_at: Mapped[dt.datetime | None]
    created_at: Mapped[created_at]

    booking = relationship("Booking", back_populates="clocks")
