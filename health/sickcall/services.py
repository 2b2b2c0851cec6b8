"""Sick call, the writing side: a request recorded on the person's behalf, its triage,
the visit. Each step checks its permission, validates everything first, then writes
its FHIR resources with one `writes.write_many` (one transaction: current rows,
history, indexes and the `FhirResourcesWritten` event, so the compliance clocks close
in it) and one audit entry naming the Patient and the references written.

Officers and supervisors may record a request (`health:sickcall:request`) for a person
held at their facility, and learn only that it was recorded; triage and visits are
clinical writes (`health:record:write`).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from core import audit
from core.access import authorize
from core.actor import Actor
from core.db import db, unit_of_work, utcnow
from core.directory import FacilityRef
from core.errors import Conflict, NotFound
from core.features import facility_directory
from core.models import User
from core.scope import Access, reaches
from core.validation import FieldErrors
from health.audit_tags import HealthAuditTag, HealthSubject
from health.fhir import incoming, jsontext, locks, scope, store, writes
from health.fhir.services import a_number_condition, single_match
from health.fhir.writes import Pending
from health.permissions import HealthPermission
from health.sickcall import documents, records
from health.sickcall import vocabulary as v
from health.sickcall.inputs import InterpreterIn, RequestIn, TriageIn, VisitIn
from health.sickcall.records import SickCall

NOWHERE = FacilityRef(0, "", "")
A_NUMBER = re.compile(r"^[Aa]?[\s-]*(\d[\d\s-]{6,12}\d)$")


@dataclass(frozen=True)
class Recorded:
    """What whoever recorded a request learns: that it was, for whom, when, where."""

    request_id: str
    patient_id: str
    name: str
    a_number: str
    received_at: dt.datetime
    facility: FacilityRef


def zone_of(facility: FacilityRef | None) -> dt.tzinfo:
    try:
        return ZoneInfo(facility.time_zone) if facility else dt.UTC
    except (KeyError, ValueError):
        return dt.UTC


def held_facility(patient_id: str) -> FacilityRef | None:
    """The facility where the Patient is held now (their open stay), if any."""
    stays = scope.stays_of([patient_id]).get(patient_id, [])
    open_ids = [stay.facility_id for stay in stays if stay.is_open]
    if not open_ids:
        return None
    return facility_directory().by_ids(open_ids).get(open_ids[0])


def _a_number(errors: FieldErrors, value: str) -> str:
    text = (value or "").strip()
    if not text:
        errors.required("a_number", text)
        return ""
    match = A_NUMBER.match(text)
    digits = re.sub(r"\D", "", match.group(1)) if match else ""
    if len(digits) not in (8, 9):
        errors.add("a_number", "Enter an A-number of 8 or 9 digits, e.g. A123456789.")
        return ""
    return digits.zfill(9)


def _when(
    errors: FieldErrors,
    name: str,
    local: dt.datetime | None,
    facility: FacilityRef | None,
    not_before: tuple[dt.datetime, str] | None = None,
) -> dt.datetime:
    """A wall-clock time at the facility, in UTC; now when none was given."""
    now = utcnow()
    if local is None:
        return now
    aware = local.replace(tzinfo=zone_of(facility)) if local.tzinfo is None else local
    return errors.time(name, aware, not_before=not_before, default=now)


def _practitioner(actor: Actor) -> tuple[str, list[Pending]]:
    """The acting staff member's Practitioner (identifier {base}/sid/user|username):
    its reference, and its creation when it does not exist yet. In a unit of work."""
    condition = f"identifier={documents.user_system()}|{actor.username}"
    locks.lock_conditions([("Practitioner", condition)])  # parallel first requests: one
    found = single_match("Practitioner", condition)
    if found is not None:
        return found.reference, []
    full_name: str | None = ""
    if actor.user_id is not None:
        full_name = db.session.scalar(sa.select(User.full_name).where(User.id == actor.user_id))
    document = documents.practitioner(username=actor.username, full_name=full_name or "")
    pending = incoming.pending_create("Practitioner", document)
    return f"Practitioner/{pending.id}", [pending]


def _find_patient(errors: FieldErrors, actor: Actor, a_number: str) -> tuple[str, FacilityRef]:
    """The Patient of this A-number held now where `actor` may write."""
    found = single_match("Patient", a_number_condition(a_number))
    facility = held_facility(found.id) if found is not None else None
    if found is None or facility is None:
        errors.add("a_number", "No one with this A-number is in custody now.")
        return "", NOWHERE
    stays = scope.stays_of([found.id]).get(found.id, [])
    if not reaches(actor, stays, Access.WRITE):
        errors.add("a_number", "This person is not held at your facility.")
    return found.id, facility


def record_request(*, actor: Actor, data: RequestIn) -> Recorded:
    """A sick-call request (ServiceRequest `sick-call`, active) received from the person
    held at the actor's facility: the complaint in their words and language."""
    authorize(actor, HealthPermission.SICKCALL_REQUEST, subject_type="ServiceRequest")
    errors = FieldErrors()
    a_number = _a_number(errors, data.a_number)
    complaint = errors.text("complaint", data.complaint, max_length=4000)
    language = errors.choice("language", data.language, v.languages())
    channel = errors.choice("channel", data.channel, v.CHANNELS)
    patient_id, place = _find_patient(errors, actor, a_number) if a_number else ("", NOWHERE)
    received = _when(errors, "received_local", data.received_local, place)
    errors.raise_if_any()
    with unit_of_work():
        recorder, extra = _practitioner(actor)
        request = incoming.pending_create(
            "ServiceRequest",
            documents.sick_call_request(
                patient=f"Patient/{patient_id}",
                recorder=recorder,
                complaint=complaint,
                language=language,
                channel=channel,
                received_at=received,
            ),
        )
        written = writes.write_many([*extra, request])
        _audit(actor, HealthAuditTag.SICKCALL_REQUEST, patient_id, written, place)
    name, _ = records.people_of([patient_id]).get(patient_id, ("", ""))
    return Recorded(request.id, patient_id, name, a_number, received, place)


def _audit(
    actor: Actor,
    tag: HealthAuditTag,
    patient_id: str,
    written: list[store.Stored],
    facility: FacilityRef | None,
) -> None:
    audit.record(
        actor=actor,
        tag=tag,
        subject_type=HealthSubject.PATIENT,
        subject_id=patient_id,
        changed_fields=[item.reference for item in written],
        facility_id=facility.id if facility and facility.id else None,
    )


def _open_call(actor: Actor, request_id: str) -> tuple[store.Stored, SickCall]:
    """The sick-call request, locked, with its steps; NotFound unless it is one the
    actor may see; Forbidden unless they may write for its Patient."""
    locks.hold_writes()  # SQLite: queue as a writer before reading what we replace
    current = store.current("ServiceRequest", request_id, for_update=True)
    call = records.parse_request(current) if current and not current.is_deleted else None
    if current is None or call is None or not store.visible(actor, current):
        raise NotFound("No such sick-call request.")
    scope.check(actor, [call.patient_id], Access.WRITE)
    records.attach_steps([call], restricted_ok=store.can_see_restricted(actor))
    return current, call


def _interpreter(errors: FieldErrors, data: InterpreterIn) -> dict:
    language = errors.choice("interpreter_language", data.language, v.languages())
    mode = errors.choice("interpreter_mode", data.mode, v.INTERPRETER_MODES)
    needed = mode not in ("", "none")
    ident = errors.text("interpreter_id", data.interpreter_id, max_length=100, required=needed)
    return documents.interpreter_extension(
        language=language, mode=mode or "none", interpreter_id=ident if needed else ""
    )


STAGE_CONFLICT = {
    "visit": "This request was already triaged.",
    "closed": "This request is closed.",
    "triage": "Triage this request first.",
}


def triage_request(*, actor: Actor, request_id: str, data: TriageIn) -> SickCall:
    """Triage: the request's priority (and completion unless a visit follows) and a
    finished `sick-call-triage` Encounter based on it, with interpreter and disposition."""
    authorize(actor, HealthPermission.WRITE, subject_type="ServiceRequest", subject_id=request_id)
    with unit_of_work():
        current, call = _open_call(actor, request_id)
        if call.stage != "triage":
            raise Conflict(STAGE_CONFLICT[call.stage])
        facility = held_facility(call.patient_id)
        errors = FieldErrors()
        priority = errors.choice("priority", data.priority, v.PRIORITIES)
        disposition = errors.choice("disposition", data.disposition, v.DISPOSITIONS)
        referred = errors.text(
            "referred_to", data.referred_to, max_length=200, required=disposition == "refer"
        )
        note = errors.text("note", data.note, max_length=4000, required=False)
        interpreter = _interpreter(errors, data.interpreter)
        at = _when(
            errors, "triaged_local", data.triaged_local, facility, (call.authored_at, "the request")
        )
        errors.raise_if_any()
        clinician, extra = _practitioner(actor)
        request_doc = documents.triaged_request(
            jsontext.loads(current.text or "{}"),
            priority=priority,
            disposition=disposition,
            note=note,
            clinician=clinician,
            at=at,
        )
        encounter = documents.encounter(
            kind=v.TRIAGE,
            patient=f"Patient/{call.patient_id}",
            request=current.reference,
            clinician=clinician,
            start=at,
            end=at,
            priority=priority,
            interpreter=interpreter,
            extra=(documents.disposition_extension(disposition, referred),),
        )
        written = writes.write_many(
            [
                *extra,
                incoming.pending_update(
                    "ServiceRequest", request_id, request_doc, None, {current_key(current): current}
                ),
                incoming.pending_create("Encounter", encounter),
            ]
        )
        _audit(actor, HealthAuditTag.SICKCALL_TRIAGE, call.patient_id, written, facility)
    return call


def current_key(stored: store.Stored) -> tuple[str, str]:
    return (stored.resource_type, stored.id)


def record_visit(*, actor: Actor, request_id: str, data: VisitIn) -> SickCall:
    """The person was seen: a finished `sick-call-visit` Encounter based on the request,
    its SOAP note (DocumentReference), and the request completed."""
    authorize(actor, HealthPermission.WRITE, subject_type="ServiceRequest", subject_id=request_id)
    with unit_of_work():
        current, call = _open_call(actor, request_id)
        if call.stage != "visit" or call.triage is None:
            raise Conflict(STAGE_CONFLICT["triage" if call.stage == "triage" else "closed"])
        facility = held_facility(call.patient_id)
        errors = FieldErrors()
        sections = {
            "subjective": errors.text("subjective", data.subjective, max_length=4000),
            "objective": errors.text("objective", data.objective, max_length=4000, required=False),
            "assessment": errors.text("assessment", data.assessment, max_length=4000),
            "plan": errors.text("plan", data.plan, max_length=4000),
        }
        interpreter = _interpreter(errors, data.interpreter)
        at = _when(errors, "seen_local", data.seen_local, facility, (call.triage.at, "the triage"))
        errors.raise_if_any()
        clinician, extra = _practitioner(actor)
        encounter = incoming.pending_create(
            "Encounter",
            documents.encounter(
                kind=v.VISIT,
                patient=f"Patient/{call.patient_id}",
                request=current.reference,
                clinician=clinician,
                start=at,
                end=at,
                priority=call.priority if call.priority in v.PRIORITIES else "routine",
                interpreter=interpreter,
            ),
        )
        note = documents.soap_note(
            patient=f"Patient/{call.patient_id}",
            encounter_ref=f"Encounter/{encounter.id}",
            clinician=clinician,
            at=at,
            sections=sections,
        )
        request_doc = documents.completed_request(jsontext.loads(current.text or "{}"))
        written = writes.write_many(
            [
                *extra,
                incoming.pending_update(
                    "ServiceRequest", request_id, request_doc, None, {current_key(current): current}
                ),
                encounter,
                incoming.pending_create("DocumentReference", note),
            ]
        )
        _audit(actor, HealthAuditTag.SICKCALL_VISIT, call.patient_id, written, facility)
    return call
