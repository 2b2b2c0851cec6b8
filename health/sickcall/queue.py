"""Sick call, the reading side (clinical read, `health:record:read`): a facility's
queue of open requests sorted by when the next step is due, one request with its
triage and visit, and the counts of the clinician's dashboard.

Due times: triage at `authoredOn` + 24 h, the visit at the triage + 24 h; overdue
first. Facility scope: a user limited to one facility reads only its queue, and a
request only of a Patient with a stay there. Reads are audited (the queue once per
facility, a request per Patient); the counts carry no clinical content.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field

import sqlalchemy as sa

from core import audit
from core.access import authorize, denial
from core.actor import Actor
from core.db import db, utcnow
from core.directory import FacilityRef
from core.errors import NotFound
from core.features import facility_directory
from core.scope import Access, limited_to
from health.audit_tags import HealthAuditTag, HealthSubject
from health.fhir import scope, store
from health.fhir.models import PatientStay
from health.permissions import HealthPermission
from health.sickcall import records
from health.sickcall.records import SickCall
from health.sickcall.services import held_facility


@dataclass
class Queue:
    facility: FacilityRef
    items: list[SickCall]
    now: dt.datetime

    @property
    def overdue(self) -> int:
        return sum(1 for item in self.items if item.is_overdue(self.now))


@dataclass
class Detail:
    call: SickCall
    facility: FacilityRef | None
    names: dict[str, str] = field(default_factory=dict)  # reference → display name
    note: dict[str, str] = field(default_factory=dict)  # the visit's SOAP parts


def queue_order(items: Sequence[SickCall], now: dt.datetime) -> list[SickCall]:
    """Overdue first, then by due time (the earliest first), then by arrival."""
    far = dt.datetime.max.replace(tzinfo=dt.UTC)
    return sorted(
        items,
        key=lambda c: (not c.is_overdue(now), c.due_at or far, c.authored_at, c.id),
    )


def _with_people(calls: list[SickCall]) -> None:
    """Each request's person: name and A-number (one query)."""
    people = records.people_of({call.patient_id for call in calls})
    for call in calls:
        call.name, call.a_number = people.get(call.patient_id, ("", ""))


def open_calls(actor: Actor, facility_ids: Sequence[int]) -> dict[int, list[SickCall]]:
    """The open requests of the people held at each facility now, with their steps."""
    restricted_ok = store.can_see_restricted(actor)
    found: dict[int, list[SickCall]] = {}
    for facility_id in facility_ids:
        calls = records.requests_of(records.held_at(facility_id), restricted_ok=restricted_ok)
        calls = [call for call in calls if call.is_open]
        records.attach_steps(calls, restricted_ok=restricted_ok)
        for call in calls:
            call.facility_id = facility_id
        found[facility_id] = [call for call in calls if call.stage != "closed"]
    _with_people([call for calls in found.values() for call in calls])
    return found


def _facility(actor: Actor, code: str) -> FacilityRef:
    facility = facility_directory().by_code(code)
    if facility is None:
        raise NotFound("No such facility.")
    if not actor.can_reach_facility(facility.id):
        raise denial(actor, HealthPermission.READ, HealthSubject.FACILITY, facility.id)
    return facility


def facility_queue(*, actor: Actor, facility_code: str) -> Queue:
    authorize(actor, HealthPermission.READ, subject_type=HealthSubject.FACILITY)
    facility = _facility(actor, facility_code)
    now = utcnow()
    items = queue_order(open_calls(actor, [facility.id])[facility.id], now)
    audit.record_access(
        [
            audit.AuditDraft(
                tag=HealthAuditTag.SICKCALL_QUEUE,
                actor=actor,
                subject_type=HealthSubject.FACILITY,
                subject_id=str(facility.id),
                outcome=audit.Outcome.SUCCESS,
                facility_id=facility.id,
            )
        ]
    )
    return Queue(facility, items, now)


def get_sick_call(*, actor: Actor, request_id: str) -> Detail:
    """One request with its triage, visit and note (audited as a read of the Patient)."""
    authorize(actor, HealthPermission.READ, subject_type="ServiceRequest", subject_id=request_id)
    stored = store.current("ServiceRequest", request_id)
    call = records.parse_request(stored) if stored and not stored.is_deleted else None
    if stored is None or call is None or not store.visible(actor, stored):
        raise NotFound("No such sick-call request.")
    scope.check(actor, [call.patient_id], Access.READ)
    records.attach_steps([call], restricted_ok=store.can_see_restricted(actor))
    _with_people([call])
    steps = [s for s in (call.triage, call.visit) if s is not None]
    refs = [call.recorded_by, *(s.clinician_ref for s in steps), *(a for a, _, _ in call.notes)]
    detail = Detail(call, held_facility(call.patient_id), records.names_of(refs))
    for step in steps:
        step.clinician = detail.names.get(step.clinician_ref or "", "")
    if call.visit is not None:
        detail.note = records.visit_note(call.visit.encounter_id)
    touched = [stored.reference, *(f"Encounter/{s.encounter_id}" for s in steps)]
    audit.record_access(
        [
            audit.AuditDraft(
                tag=HealthAuditTag.SICKCALL_READ,
                actor=actor,
                subject_type=HealthSubject.PATIENT,
                subject_id=call.patient_id,
                outcome=audit.Outcome.SUCCESS,
                changed_fields=touched,
                facility_id=detail.facility.id if detail.facility else None,
            )
        ]
    )
    return detail


@dataclass(frozen=True)
class Counts:
    facility: FacilityRef
    waiting_triage: int
    waiting_visit: int
    overdue: int


def queue_counts(*, actor: Actor) -> list[Counts]:
    """Per facility the actor reaches where someone is held: requests waiting for
    triage, for a visit, and overdue (figures only, no clinical content)."""
    authorize(actor, HealthPermission.READ, subject_type=HealthSubject.FACILITY)
    limited = limited_to(actor)
    if limited is not None:
        ids = [limited]
    else:
        held = sa.select(PatientStay.facility_id).where(PatientStay.ended_at.is_(None)).distinct()
        ids = sorted(db.session.scalars(held))
    facilities = facility_directory().by_ids(ids)
    now = utcnow()
    calls = open_calls(actor, [fid for fid in ids if fid in facilities])
    return sorted(
        (
            Counts(
                facility=facilities[fid],
                waiting_triage=sum(1 for c in items if c.stage == "triage"),
                waiting_visit=sum(1 for c in items if c.stage == "visit"),
                overdue=sum(1 for c in items if c.is_overdue(now)),
            )
            for fid, items in calls.items()
        ),
        key=lambda row: row.facility.code,
    )
