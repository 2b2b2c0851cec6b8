"""Custody keeps the facilities, so it answers core's facility-scope questions
(`core.directory.FacilityDirectory`): which facility a code names, the codes and names
of users' scopes, and the facilities an admin may scope a user to."""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

import sqlalchemy as sa

from core.actor import Actor
from core.db import db
from core.directory import FacilityRef
from custody.facilities.models import Facility
from custody.facilities.services import list_facilities

_COLUMNS = (Facility.id, Facility.code, Facility.name, Facility.is_active, Facility.time_zone)


def _ref(row: Any) -> FacilityRef:
    return FacilityRef(
        id=row.id,
        code=row.code,
        name=row.name,
        is_active=row.is_active,
        time_zone=row.time_zone,
    )


class CustodyFacilities:
    """Reads only: the caller owns the transaction."""

    def by_code(self, code: str) -> FacilityRef | None:
        row = db.session.execute(sa.select(*_COLUMNS).where(Facility.code == code.upper()))
        found = row.one_or_none()
        return _ref(found) if found is not None else None

    def by_ids(self, ids: Collection[int]) -> dict[int, FacilityRef]:
        rows = db.session.execute(sa.select(*_COLUMNS).where(Facility.id.in_(list(ids))))
        return {row.id: _ref(row) for row in rows}

    def choices(self, actor: Actor) -> list[FacilityRef]:
        return [_ref(facility) for facility in list_facilities(actor=actor)]
