"""GET /fhir/Patient/{id}/$everything: the patient's compartment plus what it
references (practitioners, organisations, locations, medications), paged."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import sqlalchemy as sa

from core.access import authorize
from core.actor import Actor
from core.db import planned_for_values, reading
from core.scope import Access
from health.audit_tags import HealthAuditTag, HealthSubject
from health.fhir import scope, store
from health.fhir.models import DateIndex, FhirResource, ReferenceIndex
from health.fhir.services import audit_access, check_visible
from health.fhir.store import Stored
from health.permissions import HealthPermission

# The clinical date of each type (the `date`-like parameter start/end filter on).
DATE_PARAMS = (
    "date",
    "authoredon",
    "authored",
    "onset-date",
    "recorded-date",
    "effective-time",
    "created",
    "recorded",
    "started",
    "start-date",
    "issued",
)


def everything(
    *,
    actor: Actor,
    patient_id: str,
    start: dt.datetime | None = None,
    end: dt.datetime | None = None,
    since: dt.datetime | None = None,
    types: Sequence[str] = (),
    count: int = 50,
    offset: int = 0,
) -> tuple[list[Stored], int]:
    authorize(
        actor, HealthPermission.READ, subject_type=HealthSubject.PATIENT, subject_id=patient_id
    )
    with reading() as connection, planned_for_values(connection):
        patient = store.require_current("Patient", patient_id, connection=connection)
        check_visible(actor, patient)
        scope.check_stored(actor, [patient], Access.READ, connection=connection)
        # scope: what the compartment references of other patients stays theirs
        where = [*_conditions(patient_id, start, end, since, types), *scope.readable(actor)]
        items, total = store.offset_page(connection, where, count, offset)
        audit_access(
            actor,
            HealthAuditTag.EVERYTHING,
            [patient],
            default=HealthSubject.PATIENT,
            connection=connection,
        )
    return items, total


def _conditions(
    patient_id: str,
    start: dt.datetime | None,
    end: dt.datetime | None,
    since: dt.datetime | None,
    types: Sequence[str],
) -> list[sa.ColumnElement[bool]]:
    """The resources of $everything as `(type, id) IN (own UNION referenced)`: each
    side uses an index (patient_id; the reference index, then the primary key), where
    an OR of the two made PostgreSQL scan every resource."""
    own = sa.orm.aliased(FhirResource, name="own")
    in_compartment = own.patient_id == patient_id
    if start or end:
        dated = sa.exists().where(
            DateIndex.resource_type == own.resource_type,
            DateIndex.resource_id == own.id,
            DateIndex.param.in_(DATE_PARAMS),
        )
        in_range = dated.where(
            *([DateIndex.high >= start] if start else []),
            *([DateIndex.low <= end] if end else []),
        )
        in_compartment = sa.and_(
            in_compartment,
            sa.or_(own.resource_type == "Patient", ~dated, in_range),
        )
    compartment = (
        sa.select(FhirResource.resource_type, FhirResource.id)
        .where(FhirResource.patient_id == patient_id, FhirResource.is_deleted.is_(False))
        .subquery()
    )
    referenced_keys = sa.select(ReferenceIndex.target_type, ReferenceIndex.target_id).where(
        ReferenceIndex.target_type.is_not(None),
        sa.tuple_(ReferenceIndex.resource_type, ReferenceIndex.resource_id).in_(
            sa.select(compartment.c.resource_type, compartment.c.id)
        ),
    )
    other = sa.orm.aliased(FhirResource, name="other")
    referenced = sa.select(other.resource_type, other.id).where(
        sa.or_(other.patient_id.is_(None), other.patient_id != patient_id),
        other.resource_type != "Patient",
        sa.tuple_(other.resource_type, other.id).in_(referenced_keys),
    )
    keys = sa.union(sa.select(own.resource_type, own.id).where(in_compartment), referenced)
    where: list[sa.ColumnElement[bool]] = [
        FhirResource.is_deleted.is_(False),
        sa.tuple_(FhirResource.resource_type, FhirResource.id).in_(sa.select(keys.subquery())),
    ]
    if types:
        where.append(FhirResource.resource_type.in_(types))
    if since:
        where.append(FhirResource.last_updated >= since)
    return where
