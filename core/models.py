"""Core tables: users and API tokens. (The audit table lives in core/audit.py.)"""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.db import Base, created_at, intpk


class User(Base):
    __tablename__ = "users"
    __table_args__ = (
        sa.CheckConstraint(
            "role IN ('admin','supervisor','officer','clinician','mental_health','records',"
            "'auditor')",
            name="role_known",
        ),
    )

    id: Mapped[intpk]
    username: Mapped[str] = mapped_column(sa.String(64), unique=True)
    full_name: Mapped[str] = mapped_column(sa.String(200), server_default="")
    password_hash: Mapped[str] = mapped_column(sa.String(255))
    role: Mapped[str] = mapped_column(sa.String(16))
    # The facility scope: a plain key, no foreign key (core owns no facility table). The
    # feature that keeps facilities resolves it (core.directory); None: every facility.
    facility_id: Mapped[int | None] = mapped_column(index=True)
    is_active: Mapped[bool] = mapped_column(sa.Boolean, server_default=sa.true())
    failed_logins: Mapped[int] = mapped_column(sa.Integer, server_default="0")
    first_failed_at: Mapped[dt.datetime | None]
    locked_until: Mapped[dt.datetime | None]
    last_login_at: Mapped[dt.datetime | None]
    password_changed_at: Mapped[dt.datetime | None]
    # Raised to end every page session of the user at once (logout, password, role,
    # scope, deactivation): a session signed with an older version is refused.
    session_version: Mapped[int] = mapped_column(sa.Integer, server_default="0")
    created_at: Mapped[created_at]

    tokens: Mapped[list[ApiToken]] = relationship(back_populates="user")

    # Flask-Login protocol
    @property
    def is_authenticated(self) -> bool:
        return True

    @property
    def is_anonymous(self) -> bool:
        return False

    def get_id(self) -> str:
        return str(self.id)


class ApiToken(Base):
    """A bearer token: only the SHA-256 of the secret is stored."""

    __tablename__ = "api_tokens"

    id: Mapped[intpk]
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    prefix: Mapped[str] = mapped_column(sa.String(12))
    created_at: Mapped[created_at]
    expires_at: Mapped[dt.datetime]
    revoked_at: Mapped[dt.datetime | None]

    user: Mapped[User] = relationship(back_populates="tokens")
