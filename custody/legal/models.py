"""The legal-access log (PBNDS 2011 5.1, 5.6, 5.7, 6.3, 6.4): who met whom, when and for
how long — never what was said or written — and what the reports compare it with: the
facility's minimums, the legal-visiting hours it offered per day, and the countries whose
nationals' consulates must be notified of a detention."""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.db import Base, created_at, intpk, one_of, timestamp

if TYPE_CHECKING:
    from custody.bookings.models import Booking


class EntryKind(StrEnum):
    ATTORNEY_VISIT = "attorney_visit"
    LEGAL_CALL = "legal_call"
    LAW_LIBRARY = "law_library"
    LEGAL_RIGHTS_PRESENTATION = "legal_rights_presentation"
    CONSULAR_CONTACT = "consular_contact"
    LEGAL_MAIL = "legal_mail"


class Outcome(StrEnum):
    COMPLETED = "completed"
    DENIED = "denied"
    CUT_SHORT = "cut_short"


class LegalPresentation(Base):
    """A legal rights group presentation (PBNDS 6.4): one event, its attendees are the
    log entries that point at it (one per booking), so each attendee's log shows it."""

    __tablename__ = "legal_presentations"
    __table_args__ = (sa.CheckConstraint(one_of("outcome", Outcome), name="outcome_known"),)

    id: Mapped[intpk]
    facility_id: Mapped[int] = mapped_column(sa.ForeignKey("facilities.id"), index=True)
    started_at: Mapped[timestamp]
    ended_at: Mapped[dt.datetime | None]
    minutes: Mapped[int | None] = mapped_column(sa.Integer)
    counsel_name: Mapped[str | None] = mapped_column(sa.String(200))
    outcome: Mapped[str] = mapped_column(sa.String(16))
    denial_reason: Mapped[str | None] = mapped_column(sa.String(32))
    reason: Mapped[str | None] = mapped_column(sa.Text)
    recorded_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    created_at: Mapped[created_at]

    attendees: Mapped[list[LegalAccessEntry]] = relationship(
        back_populates="presentation", order_by="LegalAccessEntry.booking_id"
    )


class LegalAccessEntry(Base):
    """One contact with counsel, a consulate, the law library or legal mail. Holds no
    content: there is deliberately no notes column; `reason` explains a denial, a cut-short
    session or mail opened outside the person's presence."""

    __tablename__ = "legal_access_entries"
    __table_args__ = (
        sa.CheckConstraint(one_of("kind", EntryKind), name="kind_known"),
        sa.CheckConstraint(one_of("outcome", Outcome), name="outcome_known"),
        sa.CheckConstraint("minutes IS NULL OR minutes >= 0", name="minutes_positive"),
        sa.CheckConstraint("ended_at IS NULL OR ended_at >= started_at", name="ends_after_start"),
        sa.CheckConstraint("outcome = 'completed' OR reason IS NOT NULL", name="reason_given"),
        sa.Index("ix_legal_access_entries_facility_kind_at", "facility_id", "kind", "started_at"),
        sa.Index("ix_legal_access_entries_booking_at", "booking_id", "started_at"),
        sa.UniqueConstraint("presentation_id", "booking_id"),
    )

    id: Mapped[intpk]
    booking_id: Mapped[int] = mapped_column(sa.ForeignKey("bookings.id"))
    facility_id: Mapped[int] = mapped_column(sa.ForeignKey("facilities.id"))
    kind: Mapped[str] = mapped_column(sa.String(32))
    started_at: Mapped[timestamp]
    ended_at: Mapped[dt.datetime | None]
    minutes: Mapped[int | None] = mapped_column(sa.Integer)
    counsel_name: Mapped[str | None] = mapped_column(sa.String(200))
    outcome: Mapped[str] = mapped_column(sa.String(16), server_default="completed")
    denial_reason: Mapped[str | None] = mapped_column(sa.String(32))
    reason: Mapped[str | None] = mapped_column(sa.Text)
    is_pro_bono: Mapped[bool | None] = mapped_column(sa.Boolean)  # legal calls
    opened_in_presence: Mapped[bool | None] = mapped_column(sa.Boolean)  # legal mail
    country: Mapped[str | None] = mapped_column(sa.String(2))  # consular contact
    consulate: Mapped[str | None] = mapped_column(sa.String(200))
    consular_type: Mapped[str | None] = mapped_column(sa.String(16))
    presentation_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("legal_presentations.id"), index=True
    )
    recorded_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    created_at: Mapped[created_at]

    booking: Mapped[Booking] = relationship()
    presentation: Mapped[LegalPresentation | None] = relationship(back_populates="attendees")


class LegalMinimum(Base):
    """The minimums the reports compare against, as data: one row per standards set (PBNDS
    2011: 5 hours of law library a week; legal visiting 8 hours on weekdays, 4 on weekends
    and holidays), optionally overridden by one row for a facility."""

    __tablename__ = "legal_minimums"
    __table_args__ = (
        sa.CheckConstraint("(standards_set_id IS NULL) <> (facility_id IS NULL)", name="one_owner"),
        sa.CheckConstraint("law_library_minutes >= 0", name="library_positive"),
        sa.CheckConstraint("weekday_visiting_minutes >= 0", name="weekday_positive"),
        sa.CheckConstraint("weekend_visiting_minutes >= 0", name="weekend_positive"),
    )

    id: Mapped[intpk]
    standards_set_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("standards_sets.id", ondelete="CASCADE"), unique=True
    )
    facility_id: Mapped[int | None] = mapped_column(sa.ForeignKey("facilities.id"), unique=True)
    law_library_minutes: Mapped[int] = mapped_column(sa.Integer)
    weekday_visiting_minutes: Mapped[int] = mapped_column(sa.Integer)
    weekend_visiting_minutes: Mapped[int] = mapped_column(sa.Integer)
    citation: Mapped[str] = mapped_column(sa.String(200), server_default="")


class LegalVisitingDay(Base):
    """The legal-visiting hours a facility offered on one local calendar day."""

    __tablename__ = "legal_visiting_days"
    __table_args__ = (
        sa.UniqueConstraint("facility_id", "day"),
        sa.CheckConstraint("minutes_offered >= 0 AND minutes_offered <= 1440", name="minutes_day"),
    )

    id: Mapped[intpk]
    facility_id: Mapped[int] = mapped_column(sa.ForeignKey("facilities.id"))
    day: Mapped[dt.date] = mapped_column(sa.Date)
    minutes_offered: Mapped[int] = mapped_column(sa.Integer)
    is_holiday: Mapped[bool] = mapped_column(sa.Boolean, server_default=sa.false())
    recorded_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    updated_at: Mapped[created_at]


class ConsularCountry(Base):
    """A country whose nationals' consulate must be notified of their detention whether or
    not they ask (the State Department's mandatory-notification list): admin-editable."""

    __tablename__ = "consular_countries"

    id: Mapped[intpk]
    country: Mapped[str] = mapped_column(sa.String(2), unique=True)
    note: Mapped[str] = mapped_column(sa.String(200), server_default="")
    added_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    created_at: Mapped[created_at]


class ConsularTask(Base):
    """Notify the consulate of a national of a mandatory-notification country: opened at
    booking, due within 72 hours, done by a consular-contact notification entry."""

    __tablename__ = "consular_tasks"
    __table_args__ = (
        sa.UniqueConstraint("booking_id", "country"),
        sa.Index("ix_consular_tasks_facility_open", "facility_id", "done_at", "due_at"),
    )

    id: Mapped[intpk]
    booking_id: Mapped[int] = mapped_column(sa.ForeignKey("bookings.id"))
    facility_id: Mapped[int] = mapped_column(sa.ForeignKey("facilities.id"))
    country: Mapped[str] = mapped_column(sa.String(2))
    due_at: Mapped[timestamp]
    done_at: Mapped[dt.datetime | None]
    done_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    entry_id: Mapped[int | None] = mapped_column(sa.ForeignKey("legal_access_entries.id"))
    created_at: Mapped[created_at]

    booking: Mapped[Booking] = relationship(back_populates="consular_tasks")
