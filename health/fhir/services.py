"""The FHIR services: permission check, the work in one unit of work, its audit entry.

Audit entries name who, which interaction (tag `health:fhir:<interaction>`) and whose
data (subject `Patient/<id>`, or the resource itself when it is in no patient's
compartment); `changed_fields` holds resource references only, never content.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable
from typing import Any

import sqlalchemy as sa

from core import audit
from core.access import authorize
from core.actor import Actor
from core.db import reading, unit_of_work, utcnow
from health.fhir import store
from health.fhir.outcome import FhirError
from health.fhir.store import Stored
from health.fhir.validation import check_type
from health.permissions import HealthPermission

TAG = "health:fhir:"
DEFAULT_BASE = "https://custodia.dev/fhir"


def fhir_base() -> str:
    """The canonical base for our identifier systems and code systems (config FHIR_BASE)."""
    from flask import current_app, has_app_context

    return current_app.config.get("FHIR_BASE", DEFAULT_BASE) if has_app_context() else DEFAULT_BASE


def audit_access(
    actor: Actor,
    interaction: str,
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
            tag=TAG + interaction,
            actor=actor,
            subject_type=subject_type,
            subject_id=subject_id,
            outcome=audit.Outcome.SUCCESS,
            changed_fields=refs[:50] if interaction not in ("search", "everything") else [],
        )
        for (subject_type, subject_id), refs in subjects.items()
    ]
    audit.record_access(drafts, connection=connection)


def check_visible(actor: Actor, stored: Stored) -> None:
    if not store.visible(actor, stored):
        from core.access import denial

        raise denial(actor, HealthPermission.RESTRICTED_READ, "Patient", stored.patient_id)


def read(*, actor: Actor, resource_type: str, resource_id: str) -> Stored:
    authorize(actor, HealthPermission.READ, subject_type=resource_type, subject_id=resource_id)
    with reading() as connection:
        stored = store.require_current(resource_type, resource_id, connection=connection)
        check_visible(actor, stored)
        audit_access(actor, "read", [stored], default=resource_type, connection=connection)
    return stored


def vread(*, actor: Actor, resource_type: str, resource_id: str, version: str) -> Stored:
    authorize(actor, HealthPermission.READ, subject_type=resource_type, subject_id=resource_id)
    missing = FhirError(404, f"{resource_type}/{resource_id}/_history/{version} is not known.")
    if not version.isdigit():
        raise missing
    with reading() as connection:
        stored = store.version_of(resource_type, resource_id, int(version), connection=connection)
        if stored is None:
            raise missing
        if stored.is_deleted:
            raise FhirError(
                410, f"Version {version} of {resource_type}/{resource_id} is a deletion."
            )
        check_visible(actor, stored)
        audit_access(actor, "vread", [stored], default=resource_type, connection=connection)
    return stored


def create(
    *, actor: Actor, resource_type: str, document: Any, if_none_exist: str | None = None
) -> tuple[Stored, bool]:
    """(stored, created); with If-None-Exist an existing single match is returned."""
    authorize(actor, HealthPermission.WRITE, subject_type=resource_type)
    with unit_of_work():
        if if_none_exist:
            found = conditional_match(actor, resource_type, if_none_exist)
            if found is not None:
                audit_access(actor, "read", [found], default=resource_type)
                return found, False
        pending = store.pending_create(resource_type, document)
        (stored,) = store.write_many([pending])
        audit_access(actor, "create", [stored], default=resource_type)
    return stored, True


def conditional_match(actor: Actor, resource_type: str, query: str) -> Stored | None:
    """The one resource matching `query` (None when none); 412 when several; 403 when
    it carries a restricted label the actor may not see (its content would be returned
    by a conditional create)."""
    from urllib.parse import parse_qsl

    from health.fhir.search import matching

    params = parse_qsl(query.split("?", 1)[-1], keep_blank_values=True)
    matches = matching(resource_type, params, limit=2)
    if len(matches) > 1:
        raise FhirError(412, f"The condition {query!r} matches more than one {resource_type}.")
    if not matches:
        return None
    check_visible(actor, matches[0])
    return matches[0]


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
        pending = store.pending_update(resource_type, resource_id, document, if_match)
        if pending.current is not None:
            check_visible(actor, pending.current)
        (stored,) = store.write_many([pending])
        created = pending.current is None or pending.current.is_deleted
        audit_access(actor, "create" if created else "update", [stored], default=resource_type)
    return stored, created


def delete(*, actor: Actor, resource_type: str, resource_id: str) -> Stored | None:
    authorize(actor, HealthPermission.WRITE, subject_type=resource_type, subject_id=resource_id)
    with unit_of_work():
        pending = store.pending_delete(resource_type, resource_id)
        if pending is None:
            return None
        assert pending.current is not None
        check_visible(actor, pending.current)
        (stored,) = store.write_many([pending])
        audit_access(actor, "delete", [stored], default=resource_type)
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
    """A page of versions, newest first, as of `at` (default now)."""
    authorize(actor, HealthPermission.READ, subject_type=resource_type, subject_id=resource_id)
    if resource_type is not None:
        check_type(resource_type)
    at = at or utcnow()
    if resource_type and resource_id:
        head = store.current(resource_type, resource_id)
        if head is None:
            raise FhirError(404, f"{resource_type}/{resource_id} is not known.")
        check_visible(actor, head)
    items, total = store.history(
        resource_type=resource_type,
        resource_id=resource_id,
        since=since,
        at=at,
        count=count,
        offset=offset,
        restricted_ok=store.can_see_restricted(actor),
    )
    if resource_type and resource_id:
        for item in items:
            item.patient_id = head.patient_id
    audit_access(actor, "history", items, default=resource_type or "system")
    return items, total, at


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
    """The id of the Patient whose identifier is this A-number; created when missing, and
    its managing organization set to `organization_ref` when given and different. For
    bookings: call it inside the booking's unit of work (it joins it). The identifier
    system is `{FHIR_BASE}/sid/a-number` (config FHIR_BASE, default custodia.dev)."""
    system = f"{fhir_base()}/sid/a-number"
    authorize(actor, HealthPermission.WRITE, subject_type="Patient")
    managing = {"reference": organization_ref} if organization_ref else None
    with unit_of_work():
        found = conditional_match(actor, "Patient", f"identifier={system}|{a_number}")
        if found is not None:
            document = json.loads(found.text or "{}")
            if managing is not None and document.get("managingOrganization") != managing:
                document["managingOrganization"] = managing  # the person moved facility
                document.pop("meta", None)
                update(
                    actor=actor, resource_type="Patient", resource_id=found.id, document=document
                )
            return found.id
        document = {
            "resourceType": "Patient",
            "identifier": [{"system": system, "value": a_number}],
            "name": [{"family": family_name, "given": [given_name]}],
            "birthDate": birth_date,
            "gender": gender,
        }
        if managing:
            document["managingOrganization"] = managing
        (stored,) = store.write_many([store.pending_create("Patient", document)])
        audit_access(actor, "create", [stored], default="Patient")
    return stored.id
