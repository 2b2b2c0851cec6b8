"""People in custody: identity, aliases, languages, and the alerts custody staff may see.

Alerts are the non-clinical flags a clinician sets so that officers can act on them
("lower bunk", "suicide watch"); the clinical reasons stay in the health record.
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.db import Base, created_at, intpk, one_of, timestamp


class DetaineeSex(StrEnum):
    MALE = "male"
    FEMALE = "female"
    UNKNOWN = "unknown"


class GenderIdentity(StrEnum):
    MAN = "man"
    WOMAN = "woman"
    TRANSGENDER_MAN = "transgender_man"
    TRANSGENDER_WOMAN = "transgender_woman"
    NONBINARY = "nonbinary"
    INTERSEX = "intersex"
    UNDISCLOSED = "undisclosed"


class AlertKind(StrEnum):
    """What custody staff must know, never why (the why is clinical)."""

    LOWER_BUNK = "lower_bunk"
    ACCESSIBLE_BED = "accessible_bed"
    SUICIDE_WATCH = "suicide_watch"
    MEDICAL_ISOLATION = "medical_isolation"  # a clinical order for an isolation unit
    MEDICAL_HOUSING = "medical_housing"  # a clinical order for a medical unit
    MEDICAL_HOLD = "medical_hold"  # not fit to travel


ALERT_LABELS = {
    AlertKind.LOWER_BUNK: "Lower bunk",
    AlertKind.ACCESSIBLE_BED: "Accessible bed",
    AlertKind.SUICIDE_WATCH: "Suicide watch",
    AlertKind.MEDICAL_ISOLATION: "Medical isolation",
    AlertKind.MEDICAL_HOUSING: "Medical housing",
    AlertKind.MEDICAL_HOLD: "Medical hold",
}


class Detainee(Base):
    __tablename__ = "detainees"
    __table_args__ = (
        sa.CheckConstraint("length(a_number) = 9", name="a_number_nine_digits"),
        sa.CheckConstraint("sex IN ('male','female','unknown')", name="sex_known"),
        sa.CheckConstraint(
            f"gender_identity IS NULL OR {one_of('gender_identity', GenderIdentity)}",
            name="gender_identity_known",
        ),
        sa.Index("ix_detainees_dob_country", "date_of_birth", "country_of_birth"),
    )

    id: Mapped[intpk]
    a_number: Mapped[str] = mapped_column(sa.String(9), unique=True)
    family_name: Mapped[str] = mapped_column(sa.String(100), index=True)
    given_name: Mapped[str] = mapped_column(sa.String(100))
    middle_name: Mapped[str | None] = mapped_column(sa.String(100))
    date_of_birth: Mapped[dt.date] = mapped_column(sa.Date)
    sex: Mapped[str] = mapped_column(sa.String(8))
    gender_identity: Mapped[str | None] = mapped_column(sa.String(24))
    country_of_birth: Mapped[str] = mapped_column(sa.String(2))
    country_of_citizenship: Mapped[str | None] = mapped_column(sa.String(2))
    name_key: Mapped[str] = mapped_column(sa.String(200), server_default="", index=True)
    created_at: Mapped[created_at]

    aliases: Mapped[list[DetaineeAlias]] = relationship(
        back_populates="detainee", order_by="DetaineeAlias.id", cascade="all, delete-orphan"
    )
    languages: Mapped[list[DetaineeLanguage]] = relationship(
        back_populates="detainee",
        order_by="DetaineeLanguage.position",
        cascade="all, delete-orphan",
    )
    alerts: Mapped[list[Alert]] = relationship(
        back_populates="detainee", order_by="Alert.id", cascade="all, delete-orphan"
    )

    @property
    def full_name(self) -> str:
        return f"{self.family_name}, {self.given_name}"

    @property
    def primary_language(self) -> DetaineeLanguage | None:
        return self.languages[0] if self.languages else None

    @property
    def needs_interpreter(self) -> bool:
        return any(lang.interpreter_needed for lang in self.languages)

    def active_alerts(self) -> list[Alert]:
        return [alert for alert in self.alerts if alert.ended_at is None]

    def has_alert(self, kind: AlertKind) -> bool:
        return any(alert.kind == kind for alert in self.active_alerts())


class DetaineeAlias(Base):
    __tablename__ = "detainee_aliases"
    __table_args__ = (sa.UniqueConstraint("detainee_id", "family_name", "given_name"),)

    id: Mapped[intpk]
    detainee_id: Mapped[int] = mapped_column(
        sa.ForeignKey("detainees.id", ondelete="CASCADE"), index=True
    )
    family_name: Mapped[str] = mapped_column(sa.String(100))
    given_name: Mapped[str] = mapped_column(sa.String(100))
    name_key: Mapped[str] = mapped_column(sa.String(200), server_default="", index=True)

    detainee: Mapped[Detainee] = relationship(back_populates="aliases")


class DetaineeLanguage(Base):
    """A language the person speaks; the first (position 0) is the preferred one."""

    __tablename__ = "detainee_languages"
    __table_args__ = (sa.UniqueConstraint("detainee_id", "code"),)

    id: Mapped[intpk]
    detainee_id: Mapped[int] = mapped_column(
        sa.ForeignKey("detainees.id", ondelete="CASCADE"), index=True
    )
    code: Mapped[str] = mapped_column(sa.String(8))  # ISO 639-1 or 639-3
    position: Mapped[int] = mapped_column(sa.SmallInteger, server_default="0")
    interpreter_needed: Mapped[bool] = mapped_column(sa.Boolean, server_default=sa.false())

    detainee: Mapped[Detainee] = relationship(back_populates="languages")


class Alert(Base):
    __tablename__ = "detainee_alerts"
    __table_args__ = (
        sa.CheckConstraint(one_of("kind", AlertKind), name="kind_known"),
        sa.Index(
            "uq_detainee_alerts_active",
            "detainee_id",
            "kind",
            unique=True,
            sqlite_where=sa.text("ended_at IS NULL"),
            postgresql_where=sa.text("ended_at IS NULL"),
        ),
    )

    id: Mapped[intpk]
    detainee_id: Mapped[int] = mapped_column(
        sa.ForeignKey("detainees.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(sa.String(24))
    started_at: Mapped[timestamp]
    ended_at: Mapped[dt.datetime | None]
    set_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))

    detainee: Mapped[Detainee] = relationship(back_populates="alerts")

    @property
    def label(self) -> str:
        return ALERT_LABELS[AlertKind(self.kind)]
