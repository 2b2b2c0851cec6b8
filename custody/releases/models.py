"""The release record (`releases`), the property returned against the intake receipt
(`release_property_returns`) and the notifications a release requires
(`release_notifications`). No clinical content: continuity of care is only the fact of
the hand-over or its refusal, who and when."""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.db import Base, created_at, intpk, timestamp
from core.models import User
from custody.releases.vocabulary import (
    CHANNEL_LABELS,
    CONTINUITY_LABELS,
    DISCREPANCIES,
    OUTCOME_LABELS,
    REASON_LABELS,
    RECIPIENT_LABELS,
    Channel,
    ContinuityOutcome,
    PropertyOutcome,
    Recipient,
    ReleaseReason,
)

if TYPE_CHECKING:
    from custody.bookings.models import Booking, PropertyItem


def _known(column: str, values: type[StrEnum]) -> str:
    return f"{column} IN ({', '.join(repr(v.value) for v in values)})"


class Release(Base):
    """One release from custody per booking."""

    __tablename__ = "releases"
    __table_args__ = (
        sa.CheckConstraint(_known("reason", ReleaseReason), name="reason_known"),
        sa.CheckConstraint(
            _known("continuity_outcome", ContinuityOutcome), name="continuity_outcome_known"
        ),
        sa.CheckConstraint(
            "NOT is_care_refused OR (medications_handed_over IS NULL"
            " AND health_summary_handed_over IS NULL)",
            name="refusal_hands_nothing_over",
        ),
    )

    id: Mapped[intpk]
    booking_id: Mapped[int] = mapped_column(sa.ForeignKey("bookings.id"), unique=True)
    reason: Mapped[str] = mapped_column(sa.String(32))
    released_at: Mapped[timestamp]
    notes: Mapped[str | None] = mapped_column(sa.Text)
    released_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    # continuity of care: the fact only (yes/no each, or the person's refusal)
    medications_handed_over: Mapped[bool | None] = mapped_column(sa.Boolean)
    health_summary_handed_over: Mapped[bool | None] = mapped_column(sa.Boolean)
    is_care_refused: Mapped[bool] = mapped_column(sa.Boolean, server_default=sa.false())
    continuity_outcome: Mapped[str] = mapped_column(
        sa.String(24), server_default=ContinuityOutcome.NOT_RECORDED.value
    )
    continuity_recorded_at: Mapped[dt.datetime | None]
    continuity_recorded_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    created_at: Mapped[created_at]

    booking: Mapped[Booking] = relationship(back_populates="release")
    released_by: Mapped[User | None] = relationship(foreign_keys=[released_by_id])
    property_returns: Mapped[list[PropertyReturn]] = relationship(
        back_populates="release", order_by="PropertyReturn.id", cascade="all, delete-orphan"
    )
    # the notifications recorded for the booking (made before the release completed)
    notifications: Mapped[list[ReleaseNotification]] = relationship(
        primaryjoin="Release.booking_id == foreign(ReleaseNotification.booking_id)",
        order_by="ReleaseNotification.notified_at",
        viewonly=True,
    )

    @property
    def discrepancies(self) -> list[PropertyReturn]:
        return [r for r in self.property_returns if r.outcome in DISCREPANCIES]

    @property
    def reason_label(self) -> str:
        return REASON_LABELS.get(self.reason, self.reason)

    @property
    def continuity_label(self) -> str:
        return CONTINUITY_LABELS.get(self.continuity_outcome, self.continuity_outcome)


class PropertyReturn(Base):
    """What happened to one line of the intake receipt at release."""

    __tablename__ = "release_property_returns"
    __table_args__ = (
        sa.CheckConstraint(_known("outcome", PropertyOutcome), name="outcome_known"),
        sa.CheckConstraint("outcome = 'returned' OR note IS NOT NULL", name="discrepancy_has_note"),
    )

    id: Mapped[intpk]
    release_id: Mapped[int] = mapped_column(
        sa.ForeignKey("releases.id", ondelete="CASCADE"), index=True
    )
    property_item_id: Mapped[int] = mapped_column(sa.ForeignKey("property_items.id"), unique=True)
    outcome: Mapped[str] = mapped_column(sa.String(16))
    note: Mapped[str | None] = mapped_column(sa.String(500))

    release: Mapped[Release] = relationship(back_populates="property_returns")
    item: Mapped[PropertyItem] = relationship()

    @property
    def outcome_label(self) -> str:
        return OUTCOME_LABELS.get(self.outcome, self.outcome)

    @property
    def is_discrepancy(self) -> bool:
        return self.outcome in DISCREPANCIES


class ReleaseNotification(Base):
    """A notification a release requires (death in custody: the agency's list), recorded
    against the booking as it is made, before the release is completed."""

    __tablename__ = "release_notifications"
    __table_args__ = (
        sa.CheckConstraint(_known("recipient", Recipient), name="recipient_known"),
        sa.CheckConstraint(_known("channel", Channel), name="channel_known"),
    )

    id: Mapped[intpk]
    booking_id: Mapped[int] = mapped_column(sa.ForeignKey("bookings.id"), index=True)
    recipient: Mapped[str] = mapped_column(sa.String(48))
    channel: Mapped[str] = mapped_column(sa.String(16))
    notified_at: Mapped[timestamp]
    reference: Mapped[str | None] = mapped_column(sa.String(200))  # who was reached, case no.
    recorded_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    created_at: Mapped[created_at]

    recorded_by: Mapped[User | None] = relationship()

    @property
    def recipient_label(self) -> str:
        return RECIPIENT_LABELS.get(self.recipient, self.recipient)

    @property
    def channel_label(self) -> str:
        return CHANNEL_LABELS.get(self.channel, self.channel)
