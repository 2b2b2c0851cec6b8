"""Compartment search, `GET /fhir/Patient/{id}/{type}?…`: the search of `{type}`
restricted to that Patient's compartment (`patient_id`), after the Patient itself is
checked — unknown (404), deleted (410), restricted from the caller or out of their
facility scope (an audited 403) — so a scoped user learns nothing of another
facility's patient. The search itself is the search service's (scope, labels, audit)."""

from __future__ import annotations

from collections.abc import Sequence

from core.access import authorize
from core.actor import Actor
from core.db import reading
from core.scope import Access
from health.audit_tags import HealthSubject
from health.fhir import scope, store
from health.fhir.resource_types import check_type
from health.fhir.search import SearchResult
from health.fhir.services import check_visible, search
from health.permissions import HealthPermission


def compartment_search(
    *,
    actor: Actor,
    patient_id: str,
    resource_type: str,
    params: Sequence[tuple[str, str]],
    strict: bool = False,
) -> SearchResult:
    authorize(
        actor, HealthPermission.READ, subject_type=HealthSubject.PATIENT, subject_id=patient_id
    )
    check_type(resource_type)
    with reading() as connection:
        patient = store.require_current("Patient", patient_id, connection=connection)
        check_visible(actor, patient)
        scope.check_stored(actor, [patient], Access.READ, connection=connection)
    return search(
        actor=actor,
        resource_type=resource_type,
        params=params,
        strict=strict,
        compartment=patient_id,
    )
