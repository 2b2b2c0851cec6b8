"""The one check every write path makes, whoever calls it (the plain create, update and
delete, each transaction and batch entry): restricted labels (`labels`) and facility
scope (`scope`). `check_current` runs it on the stored resource before a PUT or DELETE
does anything else, so a 412 never tells a version of something the caller may not
write."""

from __future__ import annotations

from collections.abc import Sequence

from core.actor import Actor
from core.errors import Forbidden
from health.fhir import locks, scope, store
from health.fhir.indexing import patient_of
from health.fhir.labels import check_restricted_write
from health.fhir.writes import Pending


def check_write(actor: Actor, *pendings: Pending) -> None:
    """Forbidden (audited, naming the patient) unless `actor` may make every one of
    these writes."""
    for pending in pendings:
        check_restricted_write(actor, pending)
    scope.check_pending(actor, *pendings)


def check_entries(actor: Actor, entries: Sequence[tuple[str, Pending]]) -> None:
    """`check_write` for a transaction's entries (`where`, e.g. `Bundle.entry[2]`, and
    its write), in one scope query; a refusal names the entry it refuses
    (`Bundle.entry[2]: You do not have permission…`), never another facility's data."""
    try:
        check_write(actor, *(pending for _, pending in entries))
    except Forbidden as err:
        where = _refused_entry(err, entries)
        if where is not None:
            err.message = f"{where}: {err.message}"
            err.args = (err.message,)
        raise


def _refused_entry(err: Forbidden, entries: Sequence[tuple[str, Pending]]) -> str | None:
    """The first entry touching the Patient the denial names (its audit subject)."""
    draft = getattr(err, "audit", None)
    refused = getattr(draft, "subject_id", None)
    for where, pending in entries:
        patients = {pending.current.patient_id if pending.current else None}
        if pending.document is not None:
            patients.add(patient_of(pending.resource_type, pending.id, pending.document))
        if refused is not None and refused in patients | {pending.id}:
            return where
    return None


def check_current(actor: Actor, resource_type: str, resource_id: str, method: str) -> None:
    """`check_write` for the stored resource a PUT or DELETE replaces (its current row,
    locked), before that write's own checks."""
    locks.hold_writes()
    current = store.current(resource_type, resource_id, for_update=True)
    if current is not None:
        check_write(actor, Pending(resource_type, resource_id, None, method, current))
