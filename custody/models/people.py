"""People in custody. Custody I extends identity (aliases, languages, gender identity)."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from core.db import Base, created_at, intpk


class Detainee(Base):
    __tablename__ = "detainees"
    __table_args__ = (
        sa.CheckConstraint("length(a_number) = 9", name="a_number_nine_digits"),
        sa.CheckConstraint("sex IN ('male','female','unknown')", name="sex_known"),
    )

    id: Mapped[intpk]
    a_number: Mapped[str] = mapped_column(sa.String(9), unique=True)
    family_name: Mapped[str] = mapped_column(sa.String(100), index=True)
    given_name: Mapped[str] = mapped_column(sa.String(100))
    date_of_birth: Mapped[dt.date] = mapped_column(sa.Date)
    sex: Mapped[str] = mapped_column(sa.String(8))
    country_of_birth: Mapped[str] = mapped_column(sa.String(2))
    country_of_citizenship: Mapped[str | None] = mapped_column(sa.String(2))
    created_at: Mapped[created_at]
