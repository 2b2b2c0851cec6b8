"""The one check every write path makes, whoever calls it (the plain create, update and
delete, each transaction and batch entry): restricted labels (`labels`) and facility
scope (`scope`). `check_current` runs it on the stored resource before a PUT or DELETE
does anything else, so a 412 never tells a version of something the caller may not
write."""

from __future__ import annotations

from core.actor import Actor
from health.fhir import locks, scope, store
from health.fhir.labels import check_restricted_write
from health.fhir.writes import Pending


def check_write(actor: Actor, *pendings: Pending) -> None:
    """Forbidden (audited, naming the patient) unless `actor` may make every one of
    these writes."""
    for pending in pendings:
        check_restricted_write(actor, pending)
    scope.check_pending(actor, *pendings)


def check_current(actor: Actor, resource_type: str, resource_id: str, method: str) -> None:
    """`check_write` for the stored resource a PUT or DELETE replaces (its current row,
    locked), before that write's own checks."""
    locks.hold_writes()
    current = store.current(resource_type, resource_id, for_update=True)
    if current is not None:
        check_write(actor, Pending(resource_type, resource_id, None, method, current))
