"""Attorneys of record (a G-28 on file per booking) and the notifications sent to them."""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.db import Base, created_at, intpk, one_of, timestamp

if TYPE_CHECKING:
    from custody.bookings.models import Booking


class CounselEvent(StrEnum):
    """What the attorney of record was told about."""

    TRANSFER = "transfer"
    RELEASE = "release"


class CounselChannel(StrEnum):
    PHONE = "phone"
    EMAIL = "email"
    FAX = "fax"
    IN_PERSON = "in_person"
    PORTAL = "portal"


CHANNEL_LABELS = {
    CounselChannel.PHONE: "Phone",
    CounselChannel.EMAIL: "Email",
    CounselChannel.FAX: "Fax",
    CounselChannel.IN_PERSON: "In person",
    CounselChannel.PORTAL: "EOIR / agency portal",
}


US_STATES = tuple(
    sorted(
        [
            "AL",
            "AK",
            "AZ",
            "AR",
            "CA",
            "CO",
            "CT",
            "DE",
            "DC",
            "FL",
            "GA",
            "HI",
            "ID",
            "IL",
            "IN",
            "IA",
            "KS",
            "KY",
            "LA",
            "ME",
            "MD",
            "MA",
            "MI",
            "MN",
            "MS",
            "MO",
            "MT",
            "NE",
            "NV",
            "NH",
            "NJ",
            "NM",
            "NY",
            "NC",
            "ND",
            "OH",
            "OK",
            "OR",
            "PA",
            "PR",
            "RI",
            "SC",
            "SD",
            "TN",
            "TX",
            "UT",
            "VT",
            "VA",
            "VI",
            "WA",
            "WV",
            "WI",
            "WY",
            "GU",
            "MP",
            "AS",
        ]
    )
)  # where a bar admits attorneys: the states, DC and the territories


class AttorneyOfRecord(Base):
    """A Form G-28 (notice of entry of appearance) on file for a booking; active until
    `withdrawn_on`."""

    __tablename__ = "attorneys_of_record"

    id: Mapped[intpk]
    booking_id: Mapped[int] = mapped_column(sa.ForeignKey("bookings.id"), index=True)
    attorney_name: Mapped[str] = mapped_column(sa.String(200))
    bar_number: Mapped[str] = mapped_column(sa.String(32))
    bar_state: Mapped[str] = mapped_column(sa.String(2))
    organization: Mapped[str | None] = mapped_column(sa.String(200))
    phone: Mapped[str | None] = mapped_column(sa.String(32))
    email: Mapped[str | None] = mapped_column(sa.String(254))
    filed_on: Mapped[dt.date] = mapped_column(sa.Date)
    withdrawn_on: Mapped[dt.date | None] = mapped_column(sa.Date)
    filed_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    withdrawn_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    created_at: Mapped[created_at]

    booking: Mapped[Booking] = relationship()
    notifications: Mapped[list[CounselNotification]] = relationship(
        back_populates="attorney", order_by="CounselNotification.notified_at"
    )

    @property
    def is_active(self) -> bool:
        return self.withdrawn_on is None


class CounselNotification(Base):
    """The attorney of record was told of a transfer or release: how and when."""

    __tablename__ = "counsel_notifications"
    __table_args__ = (
        sa.CheckConstraint(one_of("event_kind", CounselEvent), name="event_kind_known"),
        sa.CheckConstraint(one_of("channel", CounselChannel), name="channel_known"),
    )

    id: Mapped[intpk]
    booking_id: Mapped[int] = mapped_column(sa.ForeignKey("bookings.id"), index=True)
    attorney_id: Mapped[int] = mapped_column(sa.ForeignKey("attorneys_of_record.id"), index=True)
    event_kind: Mapped[str] = mapped_column(sa.String(16))
    event_id: Mapped[int | None] = mapped_column(sa.Integer)  # the transfer's or release's id
    channel: Mapped[str] = mapped_column(sa.String(16))
    notified_at: Mapped[timestamp]
    note: Mapped[str | None] = mapped_column(sa.String(500))
    recorded_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    created_at: Mapped[created_at]

    attorney: Mapped[AttorneyOfRecord] = relationship(back_populates="notifications")
