"""Facility scope of health records: core's rule (`core.scope`) over Patients' stays.

A resource in a patient's compartment (`patient_id` set) concerns the facilities where
that Patient is or was held (`health_patient_stays`); a resource in no compartment
(Organization, Location, Practitioner, Medication…) is shared reference data and
concerns every facility. So, for a user limited to one facility:

- reads (read, vread, history at every level, search and its counts, `_include` and
  `_revinclude`, `$everything`, a conditional create's match) reach Patients with a
  stay there, now or before — lists are filtered in SQL (`reachable`), single reads
  refused with an audited 403 (`check`);
- writes (create, update, delete, every bundle entry) need the Patient held there now,
  both the one the resource belonged to and the one it is written for; a new Patient
  has no stay, so only an unscoped user or a booking (`health.patients`) makes one.

Stays are opened by `health.patients.ensure_patient` (a booking) and ended by
`health.patients.end_stay` (a release or a move); one open stay per Patient.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

import sqlalchemy as sa

from core.access import denial
from core.actor import Actor
from core.db import db
from core.scope import Access, Stay, held_clause, limited_to, reaches
from health.audit_tags import HealthSubject
from health.fhir.indexing import patient_of
from health.fhir.models import FhirResource, PatientStay
from health.fhir.store import Stored, can_see_restricted
from health.fhir.writes import Pending
from health.permissions import HealthPermission

PERMISSION = {Access.READ: HealthPermission.READ, Access.WRITE: HealthPermission.WRITE}


def reachable(actor: Actor, patient_column: Any, access: Access) -> sa.ColumnElement[bool] | None:
    """The SQL condition on a `patient_id` column for what `actor` may reach; None when
    they reach everything. Resources in no compartment (NULL) always pass."""
    held = held_clause(
        actor, access, facility=PatientStay.facility_id, is_open=PatientStay.ended_at.is_(None)
    )
    if held is None:
        return None
    patients = sa.select(PatientStay.patient_id).where(held)
    return sa.or_(patient_column.is_(None), patient_column.in_(patients))


def readable(actor: Actor) -> list[sa.ColumnElement[bool]]:
    """The conditions on current rows for what `actor` may read: restricted labels only
    with their permission, and the facility scope."""
    where: list[sa.ColumnElement[bool]] = []
    if not can_see_restricted(actor):
        where.append(FhirResource.is_restricted.is_(False))
    if (reach := reachable(actor, FhirResource.patient_id, Access.READ)) is not None:
        where.append(reach)
    return where


def stays_of(
    patient_ids: Iterable[str], *, connection: sa.Connection | None = None
) -> dict[str, list[Stay]]:
    """Each Patient's stays (a Patient with none is absent), in one query."""
    ids = sorted(set(patient_ids))
    found: dict[str, list[Stay]] = {}
    if not ids:
        return found
    rows = (connection or db.session).execute(
        sa.select(PatientStay.patient_id, PatientStay.facility_id, PatientStay.ended_at).where(
            PatientStay.patient_id.in_(ids)
        )
    )
    for patient_id, facility_id, ended_at in rows:
        found.setdefault(patient_id, []).append(Stay(facility_id, ended_at is None))
    return found


def check(
    actor: Actor,
    patient_ids: Iterable[str | None],
    access: Access,
    *,
    connection: sa.Connection | None = None,
) -> None:
    """Forbidden unless `actor` reaches every one of these Patients for `access` (None:
    no compartment, always reached). The denial's audit entry names the Patient
    refused; its message names nothing of another facility."""
    if limited_to(actor) is None:
        return
    ids = {pid for pid in patient_ids if pid is not None}
    if not ids:
        return
    stays = stays_of(ids, connection=connection)
    for pid in sorted(ids):
        if not reaches(actor, stays.get(pid, ()), access):
            raise denial(actor, PERMISSION[access], HealthSubject.PATIENT, pid)


def check_stored(
    actor: Actor, items: Iterable[Stored], access: Access, *, connection: Any = None
) -> None:
    """`check` for stored resources (their compartments)."""
    check(actor, (item.patient_id for item in items), access, connection=connection)


def open_stay(patient_id: str, facility_id: int, since: dt.datetime) -> bool:
    """The Patient is held at `facility_id` from `since`: any other open stay ends then.
    False when that stay was already open (nothing changed). In the caller's unit of
    work."""
    session = db.session
    open_stays = session.scalars(
        sa.select(PatientStay)
        .where(PatientStay.patient_id == patient_id, PatientStay.ended_at.is_(None))
        .with_for_update()
    ).all()
    if any(stay.facility_id == facility_id for stay in open_stays):
        return False
    for stay in open_stays:
        stay.ended_at = max(since, stay.started_at)
    session.add(PatientStay(patient_id=patient_id, facility_id=facility_id, started_at=since))
    session.flush()
    return True


def end_stay(patient_id: str, facility_id: int, until: dt.datetime) -> bool:
    """The Patient's open stay at `facility_id` ends at `until`; False when there was
    none. In the caller's unit of work."""
    stays = db.session.scalars(
        sa.select(PatientStay)
        .where(
            PatientStay.patient_id == patient_id,
            PatientStay.facility_id == facility_id,
            PatientStay.ended_at.is_(None),
        )
        .with_for_update()
    ).all()
    for stay in stays:
        stay.ended_at = max(until, stay.started_at)
    db.session.flush()
    return bool(stays)


def check_pending(actor: Actor, *pendings: Pending) -> None:
    """Writes need both the Patient a resource belonged to and the one it is written
    for held at a limited actor's facility now (one query for all of them)."""
    if limited_to(actor) is None:
        return
    patients: list[str | None] = []
    for pending in pendings:
        patients.append(pending.current.patient_id if pending.current else None)
        if pending.document is not None:
            patients.append(patient_of(pending.resource_type, pending.id, pending.document))
    check(actor, patients, Access.WRITE)
