"""Security labels: who may write the resources labelled restricted (`meta.security` R,
V, PSY, PSYTHPN: the mental-health therapy notes).

Seeing them needs `health:restricted:read` (`store.visible`; searches, their counts and
includes, history and `$everything` leave them out for anyone without it). Writing
them needs `health:restricted:write`: creating a resource with a restricted label,
changing or deleting one that carries it, adding the label or taking it off. Every
write path (the plain calls, each batch and transaction entry) asks
`check_restricted_write` with the resource about to be written.
"""

from __future__ import annotations

from core.access import denial
from core.actor import Actor
from health.audit_tags import HealthSubject
from health.fhir import store
from health.fhir.indexing import is_restricted, patient_of
from health.fhir.writes import Pending
from health.permissions import HealthPermission


def touches_restricted(pending: Pending) -> bool:
    """The write changes a labelled resource, or leaves one labelled."""
    current = pending.current
    was = current is not None and not current.is_deleted and current.is_restricted
    becomes = pending.document is not None and is_restricted(pending.document)
    return was or becomes


def check_restricted_write(actor: Actor, pending: Pending) -> None:
    """Forbidden (the denial audited under `health:restricted:write`, naming the
    patient) unless the actor may write restricted resources or this write touches
    none."""
    if touches_restricted(pending) and not actor.can(HealthPermission.RESTRICTED_WRITE):
        subject_type, subject_id = _subject(pending)
        raise denial(actor, HealthPermission.RESTRICTED_WRITE, subject_type, subject_id)


def _subject(pending: Pending) -> tuple[str, str | None]:
    patient = pending.current.patient_id if pending.current else None
    if patient is None and pending.document is not None:
        patient = patient_of(pending.resource_type, pending.id, pending.document)
    if patient is not None:
        return HealthSubject.PATIENT, patient
    return pending.resource_type, pending.id if pending.current else None


def check_restricted_current(
    actor: Actor, resource_type: str, resource_id: str, method: str
) -> None:
    """`check_restricted_write` for the stored resource a PUT or DELETE replaces, before
    that write's own checks (a 412 tells its version): the current row, locked."""
    current = store.current(resource_type, resource_id, for_update=True)
    if current is not None:
        check_restricted_write(actor, Pending(resource_type, resource_id, None, method, current))
