"""Conditional update and delete (`PUT` / `DELETE /fhir/Type?params`, and the same
`request.url` in a transaction or batch entry).

The condition is locked first (`health.fhir.locks`, as a conditional create's is), then
matched among what the caller reaches (facility scope) with `services.single_match`:
several matches are a 412. One match: the update or delete of that resource, through
the same service as `PUT` / `DELETE /fhir/Type/id` (restricted labels and facility
scope checked by `health.fhir.guard` on the stored resource first). No match: an
update creates the resource (with the body's id when it has one: update as create,
else a new id); a delete answers 204 and changes nothing (HAPI does the same; R4
leaves 404 or 204 to the server)."""

from __future__ import annotations

from typing import Any

from core.access import authorize
from core.actor import Actor
from core.db import unit_of_work
from health.fhir import locks, services, writes
from health.fhir.errors import InvalidRequest, UnknownResource
from health.fhir.resource_types import check_type
from health.fhir.store import Stored
from health.permissions import HealthPermission


def _condition(resource_type: str, condition: str) -> str:
    check_type(resource_type)
    if not condition.strip("?&"):
        raise InvalidRequest(
            f"A conditional {resource_type} update or delete needs search parameters."
        )
    return condition


def update_target(actor: Actor, resource_type: str, condition: str, document: Any) -> str:
    """The id a conditional update writes: its single match's (the body's id, when it
    has one, must be that id), else the body's id, else a new one. Call it with the
    condition locked."""
    found = services.single_match(resource_type, _condition(resource_type, condition), actor)
    given = document.get("id") if isinstance(document, dict) else None
    if found is not None:
        if given is not None and given != found.id:
            raise InvalidRequest(
                f"The resource id {given!r} is not the id of the resource the condition "
                f"matches ({found.reference}).",
                expression=[f"{resource_type}.id"],
            )
        return found.id
    return given if isinstance(given, str) and given else writes.new_id()


def update(
    *,
    actor: Actor,
    resource_type: str,
    condition: str,
    document: Any,
    if_match: str | None = None,
) -> tuple[Stored, bool]:
    """PUT /fhir/Type?params: (stored, created)."""
    authorize(actor, HealthPermission.WRITE, subject_type=resource_type)
    with unit_of_work():
        locks.lock_conditions([(resource_type, condition)])
        resource_id = update_target(actor, resource_type, condition, document)
        if isinstance(document, dict):
            document.setdefault("id", resource_id)
        return services.update(
            actor=actor,
            resource_type=resource_type,
            resource_id=resource_id,
            document=document,
            if_match=if_match,
        )


def delete_target(actor: Actor, resource_type: str, condition: str) -> str | None:
    """The id a conditional delete deletes (None: no match)."""
    found = services.single_match(resource_type, _condition(resource_type, condition), actor)
    return None if found is None else found.id


def delete(*, actor: Actor, resource_type: str, condition: str) -> Stored | None:
    """DELETE /fhir/Type?params: the tombstone written (None: nothing matched or it was
    already deleted)."""
    authorize(actor, HealthPermission.WRITE, subject_type=resource_type)
    with unit_of_work():
        locks.lock_conditions([(resource_type, condition)])
        resource_id = delete_target(actor, resource_type, condition)
        if resource_id is None:
            return None
        return services.delete(actor=actor, resource_type=resource_type, resource_id=resource_id)


def entry_target(
    actor: Actor, method: str, resource_type: str, condition: str, resource: Any
) -> str | None:
    """The id a transaction or batch entry `PUT` / `DELETE` / `PATCH Type?params` acts on
    (its condition locked by the caller): as the REST interactions have it; a PATCH that
    matches nothing is a 404; None: a DELETE that matches nothing."""
    if method == "PUT":
        return update_target(actor, resource_type, condition, resource)
    found = delete_target(actor, resource_type, condition)
    if found is None and method == "PATCH":
        raise UnknownResource(f"The condition {condition!r} matches no {resource_type}.")
    return found
