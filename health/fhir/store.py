"""Versioned storage, the reading side: what a stored version is (`Stored`), the current
row of one or many resources (locked for an update when asked), one version, history.

Reads return the stored JSON text without parsing it. Writes are `health.fhir.writes`
(`write_many`); what comes in to be written is checked by `health.fhir.incoming`.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from core.actor import Actor
from core.db import db
from health.fhir.errors import ResourceDeleted, UnknownResource
from health.fhir.indexing import patient_of
from health.fhir.models import FhirHistory, FhirResource, table_of
from health.fhir.resource_types import check_type
from health.fhir.searchparams import lookup
from health.permissions import HealthPermission


@dataclass
class Stored:
    """One version of a resource as stored (text is the JSON; None for a tombstone)."""

    resource_type: str
    id: str
    version: int
    last_updated: dt.datetime
    text: str | None
    is_deleted: bool = False
    is_restricted: bool = False
    patient_id: str | None = None
    method: str = "GET"

    @property
    def reference(self) -> str:
        return f"{self.resource_type}/{self.id}"

    @property
    def etag(self) -> str:
        return f'W/"{self.version}"'


def instant(value: dt.datetime) -> str:
    return value.astimezone(dt.UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def can_see_restricted(actor: Actor) -> bool:
    return actor.can(HealthPermission.RESTRICTED_READ)


def visible(actor: Actor, stored: Stored) -> bool:
    """Security labels: a restricted resource only for HEALTH_RESTRICTED_READ."""
    return not stored.is_restricted or can_see_restricted(actor)


# --- reading -------------------------------------------------------------------------


def json_text(column: Any) -> Any:
    return sa.cast(column, sa.Text)


RESOURCES, HISTORY = table_of(FhirResource), table_of(FhirHistory)
_CURRENT = RESOURCES.c
CURRENT_COLUMNS = (
    _CURRENT.resource_type,
    _CURRENT.id,
    _CURRENT.version,
    _CURRENT.last_updated,
    json_text(_CURRENT.resource),
    _CURRENT.is_deleted,
    _CURRENT.is_restricted,
    _CURRENT.patient_id,
)
# built once (Core, bound parameters): a read is the hottest statement there is
_BY_KEY = sa.select(*CURRENT_COLUMNS).where(
    _CURRENT.resource_type == sa.bindparam("resource_type"),
    _CURRENT.id == sa.bindparam("resource_id"),
)
_BY_KEY_FOR_UPDATE = _BY_KEY.with_for_update()


def stored_from_row(row: Sequence[Any]) -> Stored:
    return Stored(*row)


def current(
    resource_type: str,
    resource_id: str,
    *,
    for_update: bool = False,
    connection: sa.Connection | None = None,
) -> Stored | None:
    """The current row (a tombstone too), in the unit of work or on `connection`."""
    query = _BY_KEY_FOR_UPDATE if for_update else _BY_KEY
    params = {"resource_type": resource_type, "resource_id": resource_id}
    row = (connection or db.session).execute(query, params).first()
    return stored_from_row(row) if row else None


def chunks(keys: Iterable[tuple[str, str]], size: int = 500) -> Iterator[list[tuple[str, str]]]:
    """Distinct keys in lists of `size` (one `IN` list per statement)."""
    distinct = list(dict.fromkeys(keys))
    for start in range(0, len(distinct), size):
        yield distinct[start : start + size]


def _current_rows(
    keys: Iterable[tuple[str, str]], *where: Any, connection: Any = None, for_update: bool = False
) -> Iterator[Stored]:
    for chunk in chunks(keys):
        query = sa.select(*CURRENT_COLUMNS).where(
            sa.tuple_(FhirResource.resource_type, FhirResource.id).in_(chunk), *where
        )
        if for_update:
            query = query.with_for_update()
        yield from map(stored_from_row, (connection or db.session).execute(query))


def current_many(
    keys: Iterable[tuple[str, str]], reach: Any = None, *, connection: Any = None
) -> list[Stored]:
    """The live current rows of many resources, in one query per 500 (within `reach`,
    health.fhir.scope.reachable, when given)."""
    where = [FhirResource.is_deleted.is_(False)]
    if reach is not None:
        where.append(reach)
    return list(_current_rows(keys, *where, connection=connection))


def current_for_update(keys: Iterable[tuple[str, str]]) -> dict[tuple[str, str], Stored]:
    """The current rows (tombstones too) of many resources, locked, in one query per 500:
    a bundle's PUTs check existence once, not once per entry."""
    return {(s.resource_type, s.id): s for s in _current_rows(keys, for_update=True)}


_HISTORY = HISTORY.c
HISTORY_COLUMNS = (  # a version as `Stored` (is_deleted: no document)
    _HISTORY.resource_type,
    _HISTORY.id,
    _HISTORY.version,
    _HISTORY.last_updated,
    json_text(_HISTORY.resource),
    _HISTORY.resource.is_(None),
    _HISTORY.is_restricted,
)
# a version with the patient of the current row (every version has one: tombstones stay)
_SAME_RESOURCE = sa.and_(
    _CURRENT.resource_type == _HISTORY.resource_type, _CURRENT.id == _HISTORY.id
)
_VERSION = (
    sa.select(*HISTORY_COLUMNS, _CURRENT.patient_id)
    .join_from(HISTORY, RESOURCES, _SAME_RESOURCE)
    .where(
        _HISTORY.resource_type == sa.bindparam("resource_type"),
        _HISTORY.id == sa.bindparam("resource_id"),
        _HISTORY.version == sa.bindparam("version"),
    )
)


def version_of(
    resource_type: str, resource_id: str, version: int, *, connection: sa.Connection | None = None
) -> Stored | None:
    """One version (patient_id: the resource's current one), in one query."""
    params = {"resource_type": resource_type, "resource_id": resource_id, "version": version}
    row = (connection or db.session).execute(_VERSION, params).first()
    return Stored(*row) if row else None


def require_current(
    resource_type: str, resource_id: str, *, connection: sa.Connection | None = None
) -> Stored:
    check_type(resource_type)
    stored = current(resource_type, resource_id, connection=connection)
    if stored is None:
        raise UnknownResource(f"{resource_type}/{resource_id} is not known.")
    if stored.is_deleted:
        raise ResourceDeleted(f"{resource_type}/{resource_id} was deleted.", code="deleted")
    return stored


def offset_page(
    connection: Any, where: Sequence[Any], count: int, offset: int
) -> tuple[list[Stored], int]:
    """The current rows matching `where`, in type and id order: the `count` from
    `offset` and how many match in all (pages of `$everything` and system search)."""
    total = connection.scalar(sa.select(sa.func.count()).select_from(FhirResource).where(*where))
    rows = connection.execute(
        sa.select(*CURRENT_COLUMNS)
        .where(*where)
        .order_by(FhirResource.resource_type, FhirResource.id)
        .offset(offset)
        .limit(count)
    ).all()
    return [stored_from_row(row) for row in rows], total or 0


# --- history -------------------------------------------------------------------------


def history(
    *,
    resource_type: str | None,
    resource_id: str | None,
    since: dt.datetime | None,
    at: dt.datetime,
    count: int,
    offset: int,
    restricted_ok: bool,
    reach: Any = None,
) -> tuple[list[Stored], int]:
    """Versions newest first, as of `at` (the snapshot the paging links carry), each with
    the patient whose data it shows (`version_patient`); within `reach` (a condition on
    the current row's `patient_id`, health.fhir.scope.reachable) when given."""
    conditions = [FhirHistory.last_updated <= at]
    if resource_type:
        conditions.append(FhirHistory.resource_type == resource_type)
    if resource_id:
        conditions.append(FhirHistory.id == resource_id)
    if since:
        conditions.append(FhirHistory.last_updated >= since)
    if not restricted_ok:
        conditions.append(FhirHistory.is_restricted.is_(False))
    if reach is not None:
        conditions.append(reach)
    # every version has its current row (a deletion leaves a tombstone): its patient
    total = db.session.scalar(
        sa.select(sa.func.count())
        .select_from(HISTORY)
        .join(RESOURCES, _SAME_RESOURCE)
        .where(*conditions)
    )
    rows = db.session.execute(
        sa.select(*HISTORY_COLUMNS, _CURRENT.patient_id, FhirHistory.method)
        .join_from(HISTORY, RESOURCES, _SAME_RESOURCE)
        .where(*conditions)
        .order_by(
            FhirHistory.last_updated.desc(),
            FhirHistory.resource_type,
            FhirHistory.id,
            FhirHistory.version.desc(),
        )
        .offset(offset)
        .limit(count)
    ).all()
    items = [Stored(*row) for row in rows]
    for item in items:
        item.patient_id = version_patient(item)
    return items, total or 0


def version_patient(item: Stored) -> str | None:
    """The patient of this version's own document: a resource moved to another patient
    showed the first one's data before. A tombstone, a Patient and a type outside the
    compartment keep the resource's current patient (`item.patient_id`)."""
    if item.text is None or item.resource_type == "Patient":
        return item.patient_id
    if lookup(item.resource_type, "patient") is None:
        return item.patient_id
    return patient_of(item.resource_type, item.id, json.loads(item.text))
