"""The FHIR services: permission check, the work in one unit of work, its audit entry.

Audit entries name who, which interaction (tag `health:fhir:<interaction>`) and whose
data (subject `Patient/<id>`, or the resource itself when it is in no patient's
compartment); `changed_fields` holds resource references only, never content.

The custody link (`health.patients`, permission `health:patient:link`) writes through
`health.fhir.link` instead. Users limited to one facility reach only what
`health.fhir.scope` allows, on every function here.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from typing import Any
from urllib.parse import parse_qsl

import sqlalchemy as sa
from flask import current_app, has_app_context

from core import audit
from core.access import authorize, denial
from core.actor import Actor
from core.db import reading, unit_of_work, utcnow
from core.scope import Access
from health.audit_tags import UNLISTED, HealthAuditTag
from health.fhir import guard, incoming, jsontext, locks, scope, store, writes
from health.fhir.errors import PreconditionFailed, ResourceDeleted, UnknownResource
from health.fhir.localrefs import DEFAULT_BASE
from health.fhir.models import FhirResource
from health.fhir.query import parse
from health.fhir.resource_types import check_type, whole_number
from health.fhir.search import SearchResult, matching, run
from health.fhir.store import Stored
from health.permissions import HealthPermission


def fhir_base() -> str:
    """The canonical base for our identifier systems and code systems (config FHIR_BASE)."""
    return current_app.config.get("FHIR_BASE", DEFAULT_BASE) if has_app_context() else DEFAULT_BASE


def audit_access(
    actor: Actor,
    interaction: HealthAuditTag,
    items: Iterable[Stored],
    *,
    default: str,
    connection: sa.Connection | None = None,
) -> None:
    """One entry per patient whose data was touched (or per non-patient resource);
    one entry with `default` as subject type when nothing was. Inside a unit of work the
    entries join it; a read outside one has them written (sealed) before it answers."""
    subjects: dict[tuple[str, str | None], list[str]] = {}
    for item in items:
        key = ("Patient", item.patient_id) if item.patient_id else (item.resource_type, item.id)
        subjects.setdefault(key, []).append(item.reference)
    if not subjects:
        subjects[(default, None)] = []
    drafts = [
        audit.AuditDraft(
            tag=interaction,
            actor=actor,
            subject_type=subject_type,
            subject_id=subject_id,
            outcome=audit.Outcome.SUCCESS,
            changed_fields=[] if interaction in UNLISTED else refs[:50],
        )
        for (subject_type, subject_id), refs in subjects.items()
    ]
    audit.record_access(drafts, connection=connection)


def check_visible(actor: Actor, stored: Stored) -> None:
    if not store.visible(actor, stored):
        raise denial(actor, HealthPermission.RESTRICTED_READ, "Patient", stored.patient_id)


def read(*, actor: Actor, resource_type: str, resource_id: str) -> Stored:
    authorize(actor, HealthPermission.READ, subject_type=resource_type, subject_id=resource_id)
    with reading() as connection:
        stored = store.require_current(resource_type, resource_id, connection=connection)
        check_visible(actor, stored)
        scope.check_stored(actor, [stored], Access.READ, connection=connection)
        audit_access(
            actor, HealthAuditTag.READ, [stored], default=resource_type, connection=connection
        )
    return stored


def vread(*, actor: Actor, resource_type: str, resource_id: str, version: str) -> Stored:
    authorize(actor, HealthPermission.READ, subject_type=resource_type, subject_id=resource_id)
    missing = UnknownResource(f"{resource_type}/{resource_id}/_history/{version} is not known.")
    if (number := whole_number(version)) is None:
        raise missing
    with reading() as connection:
        stored = store.version_of(resource_type, resource_id, number, connection=connection)
        if stored is None:
            raise missing
        if stored.is_deleted:
            raise ResourceDeleted(
                f"Version {version} of {resource_type}/{resource_id} is a deletion."
            )
        check_visible(actor, stored)
        scope.check_stored(actor, [stored], Access.READ, connection=connection)
        audit_access(
            actor, HealthAuditTag.VREAD, [stored], default=resource_type, connection=connection
        )
    return stored


def create(
    *, actor: Actor, resource_type: str, document: Any, if_none_exist: str | None = None
) -> tuple[Stored, bool]:
    """(stored, created); with If-None-Exist an existing single match is returned."""
    authorize(actor, HealthPermission.WRITE, subject_type=resource_type)
    with unit_of_work():
        if if_none_exist:
            locks.lock_conditions([(resource_type, if_none_exist)])
            found = conditional_match(actor, resource_type, if_none_exist)
            if found is not None:
                audit_access(actor, HealthAuditTag.READ, [found], default=resource_type)
                return found, False
        pending = incoming.pending_create(resource_type, document)
        guard.check_write(actor, pending)
        (stored,) = writes.write_many([pending])
        audit_access(actor, HealthAuditTag.CREATE, [stored], default=resource_type)
    return stored, True


def search(
    *,
    actor: Actor,
    resource_type: str,
    params: Sequence[tuple[str, str]],
    strict: bool = True,
    compartment: str | None = None,
) -> SearchResult:
    """A page of matches (and their includes); restricted resources only for those who
    may see them; one audit entry per patient touched. `compartment`: only that
    Patient's resources (the caller checked the Patient: `health.fhir.compartments`)."""
    authorize(actor, HealthPermission.READ, subject_type=resource_type)
    check_type(resource_type)
    query = parse(resource_type, params, strict=strict)
    if compartment is not None:
        query.conditions.append(FhirResource.patient_id == compartment)
    with reading() as connection:
        result = run(
            query,
            restricted_ok=store.can_see_restricted(actor),
            reach=scope.reachable(actor, FhirResource.patient_id, Access.READ),
            connection=connection,
        )
        touched = [*result.matches, *result.included]
        audit_access(
            actor, HealthAuditTag.SEARCH, touched, default=resource_type, connection=connection
        )
    return result


def single_match(resource_type: str, query: str, actor: Actor | None = None) -> Stored | None:
    """The one resource matching `query` (None when none; PreconditionFailed when several),
    restricted or not; only among what `actor` reaches when given (facility scope)."""
    params = parse_qsl(query.split("?", 1)[-1], keep_blank_values=True)
    reach = None if actor is None else scope.reachable(actor, FhirResource.patient_id, Access.READ)
    matches = matching(resource_type, params, limit=2, reach=reach)
    if len(matches) > 1:
        raise PreconditionFailed(f"The condition {query!r} matches more than one {resource_type}.")
    return matches[0] if matches else None


def conditional_match(actor: Actor, resource_type: str, query: str) -> Stored | None:
    """The one resource matching `query` (None when none); PreconditionFailed when
    several; Forbidden when it carries a restricted label the actor may not see (its
    content would be returned by a conditional create)."""
    found = single_match(resource_type, query, actor)
    if found is not None:
        check_visible(actor, found)
    return found


def update(
    *,
    actor: Actor,
    resource_type: str,
    resource_id: str,
    document: Any,
    if_match: str | None = None,
) -> tuple[Stored, bool]:
    """(stored, created): an update of an unknown id creates it with that id."""
    authorize(actor, HealthPermission.WRITE, subject_type=resource_type, subject_id=resource_id)
    with unit_of_work():
        guard.check_current(actor, resource_type, resource_id, "PUT")
        pending = incoming.pending_update(resource_type, resource_id, document, if_match)
        guard.check_write(actor, pending)
        (stored,) = writes.write_many([pending])
        created = pending.current is None or pending.current.is_deleted
        audit_access(
            actor,
            HealthAuditTag.CREATE if created else HealthAuditTag.UPDATE,
            [stored],
            default=resource_type,
        )
    return stored, created


def delete(*, actor: Actor, resource_type: str, resource_id: str) -> Stored | None:
    authorize(actor, HealthPermission.WRITE, subject_type=resource_type, subject_id=resource_id)
    with unit_of_work():
        guard.check_current(actor, resource_type, resource_id, "DELETE")
        pending = incoming.pending_delete(resource_type, resource_id)
        if pending is None:
            return None
        if pending.current is None:  # pending_delete reads the row it deletes: never so
            raise UnknownResource(f"{resource_type}/{resource_id} is not known.")
        guard.check_write(actor, pending)
        (stored,) = writes.write_many([pending])
        audit_access(actor, HealthAuditTag.DELETE, [stored], default=resource_type)
    return stored


def history(
    *,
    actor: Actor,
    resource_type: str | None = None,
    resource_id: str | None = None,
    since: dt.datetime | None = None,
    at: dt.datetime | None = None,
    count: int = 20,
    offset: int = 0,
) -> tuple[list[Stored], int, dt.datetime]:
    """A page of versions, newest first, as of `at` (default now); audited per patient."""
    authorize(actor, HealthPermission.READ, subject_type=resource_type, subject_id=resource_id)
    if resource_type is not None:
        check_type(resource_type)
    at = at or utcnow()
    head = None
    if resource_type and resource_id:
        head = store.current(resource_type, resource_id)
        if head is None:
            raise UnknownResource(f"{resource_type}/{resource_id} is not known.")
        check_visible(actor, head)
        scope.check_stored(actor, [head], Access.READ)
    items, total = store.history(
        resource_type=resource_type,
        resource_id=resource_id,
        since=since,
        at=at,
        count=count,
        offset=offset,
        restricted_ok=store.can_see_restricted(actor),
        reach=scope.reachable(actor, FhirResource.patient_id, Access.READ),
    )
    audit_access(actor, HealthAuditTag.HISTORY, items, default=resource_type or "system")
    return items, total, at


def a_number_system() -> str:
    return f"{fhir_base()}/sid/a-number"


def a_number_condition(a_number: str) -> str:
    return f"identifier={a_number_system()}|{a_number}"


def patient_document(
    *,
    a_number: str,
    family_name: str,
    given_name: str,
    birth_date: str,
    gender: str,
    organization_ref: str | None,
) -> dict[str, Any]:
    """A new Patient identified by its A-number."""
    document: dict[str, Any] = {
        "resourceType": "Patient",
        "identifier": [{"system": a_number_system(), "value": a_number}],
        "name": [{"family": family_name, "given": [given_name]}],
        "birthDate": birth_date,
        "gender": gender,
    }
    if organization_ref:
        document["managingOrganization"] = {"reference": organization_ref}
    return document


def moved_document(found: Stored, organization_ref: str | None) -> dict[str, Any] | None:
    """The found Patient managed by `organization_ref` (the person moved facility); None
    when there is nothing to change."""
    if not organization_ref:
        return None
    managing = {"reference": organization_ref}
    document: dict[str, Any] = jsontext.loads(found.text or "{}")
    if document.get("managingOrganization") == managing:
        return None
    document["managingOrganization"] = managing
    document.pop("meta", None)
    return document


def ensure_patient(
    *,
    actor: Actor,
    a_number: str,
    family_name: str,
    given_name: str,
    birth_date: str,
    gender: str,
    organization_ref: str | None = None,
) -> str:
    """The id of the Patient whose identifier is this A-number (clinical write: needs
    health:record:write); created when missing, and its managing organization set to
    `organization_ref` when given and different. A conditional create, so the same
    guard (restricted labels, facility scope: a scoped user registers no one) and the
    same per-condition lock as `POST /fhir/Patient` with `If-None-Exist`. Joins an open
    unit of work. The identifier system is `{FHIR_BASE}/sid/a-number` (config
    FHIR_BASE, default custodia.dev). Bookings link through
    `health.patients.ensure_patient` instead."""
    document = patient_document(
        a_number=a_number,
        family_name=family_name,
        given_name=given_name,
        birth_date=birth_date,
        gender=gender,
        organization_ref=organization_ref,
    )
    with unit_of_work():
        stored, created = create(
            actor=actor,
            resource_type="Patient",
            document=document,
            if_none_exist=a_number_condition(a_number),
        )
        moved = None if created else moved_document(stored, organization_ref)
        if moved is not None:
            update(actor=actor, resource_type="Patient", resource_id=stored.id, document=moved)
    return stored.id
