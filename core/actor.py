"""Who is acting: passed explicitly to every service (never read from flask.g there)."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from core.permissions import Role, role_has


@dataclass(frozen=True)
class Actor:
    user_id: int | None
    username: str
    role: Role | None
    facility_id: int | None = None
    request_id: str | None = None
    client_addr: str | None = None
    is_system: bool = False

    @classmethod
    def system(cls, name: str = "system", request_id: str | None = None) -> Actor:
        """The local operator at the command line (shell access to the server)."""
        return cls(None, name, None, None, request_id, "local", is_system=True)

    @classmethod
    def anonymous(cls, request_id: str | None = None, client_addr: str | None = None) -> Actor:
        return cls(None, "anonymous", None, None, request_id, client_addr)

    def can(self, permission: StrEnum) -> bool:
        if self.is_system:
            return True
        return self.role is not None and role_has(self.role, permission)

    @property
    def limited_to(self) -> int | None:
        """The facility this actor is limited to; None when they reach every facility."""
        return None if self.is_system else self.facility_id

    def can_reach_facility(self, facility_id: int | None) -> bool:
        """A user limited to one facility reaches only that facility's records."""
        return self.limited_to is None or self.limited_to == facility_id
