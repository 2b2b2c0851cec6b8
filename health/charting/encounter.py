"""The shared encounter writer: every charting form writes one finished Encounter (its
type from `{base}/CodeSystem/encounter-type`, the clinician's Practitioner as
participant, the interpreter used as the `{base}/StructureDefinition/interpreter`
extension) and its own resources, all in one transaction through the FHIR store, with
the clinician as author, performer or recorder.

Permission `health:record:write`, the facility scope (the Patient held at the user's
facility now) and the restricted labels are checked (`health.fhir.guard`); one audit
entry `health:fhir:create` names the Patient and every reference written. The
compliance clocks close from the finished Encounter through the FHIR write event:
nothing here calls them.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from core.access import authorize
from core.actor import Actor
from core.db import db, unit_of_work, utcnow
from core.models import User
from core.scope import Access
from core.validation import FieldErrors
from health.audit_tags import HealthAuditTag, HealthSubject
from health.charting import codes, questionnaires
from health.charting.inputs import EncounterIn, InterpreterIn
from health.fhir import guard, incoming, locks, scope, store, writes
from health.fhir.errors import UnknownResource
from health.fhir.services import audit_access, fhir_base, single_match
from health.permissions import HealthPermission

LANGUAGE = re.compile(r"[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8}){0,3}")
ACT_CODE = "http://terminology.hl7.org/CodeSystem/v3-ActCode"
PARTICIPATION = "http://terminology.hl7.org/CodeSystem/v3-ParticipationType"
MAX_NOTE = 8000


@dataclass(frozen=True)
class Refs:
    """What the form's resources point at."""

    subject: dict[str, str]
    encounter: dict[str, str]
    author: dict[str, str]
    when: str  # the encounter's end, FHIR dateTime


@dataclass(frozen=True)
class Charted:
    encounter_id: str | None
    references: tuple[str, ...]


def instant(value: dt.datetime) -> str:
    return value.astimezone(dt.UTC).isoformat().replace("+00:00", "Z")


def check_encounter(
    errors: FieldErrors, data: EncounterIn
) -> tuple[dt.datetime, dt.datetime, InterpreterIn]:
    """The period (start before end, neither in the future) and the interpreter."""
    now = utcnow()
    start = errors.time("start", data.start, default=now)
    end = errors.time("end", data.end, default=now)
    if "start" not in errors and "end" not in errors and end < start:
        errors.add("end", "The end is before the start.")
    given = data.interpreter
    mode = errors.choice("interpreter_mode", given.mode, codes.INTERPRETER_MODES)
    language = errors.text("interpreter_language", given.language, max_length=35, required=False)
    if language and not LANGUAGE.fullmatch(language):
        errors.add("interpreter_language", "Give a language tag like es, ht or quc.")
    interpreter_id = errors.text(
        "interpreter_id", given.interpreter_id, max_length=64, required=False
    )
    if mode and mode != "none":
        if not language:
            errors.add("interpreter_language", "Give the language interpreted.")
        if not interpreter_id:
            errors.add("interpreter_id", "Give the interpreter's id or badge number.")
    return start, end, InterpreterIn(language, mode or "none", interpreter_id)


def note_text(errors: FieldErrors, field: str, value: str, *, required: bool = True) -> str:
    return errors.text(field, value, max_length=MAX_NOTE, required=required)


def chart(
    *,
    actor: Actor,
    data: EncounterIn,
    type_code: str,
    errors: FieldErrors,
    build: Callable[[Refs], list[dict[str, Any]]],
) -> Charted:
    """Write the Encounter and what `build` makes of it in one transaction. `errors`
    holds the form's own problems; the encounter's are added before anything is
    written, and all are raised together."""
    authorize(actor, HealthPermission.WRITE, subject_type=HealthSubject.PATIENT)
    scope.check(actor, [data.patient_id], Access.WRITE)
    start, end, interpreter = check_encounter(errors, data)
    errors.raise_if_any()
    with unit_of_work():
        _require_patient(data.patient_id)
        author, created = practitioner(actor)
        reference_data = [*created, *questionnaires.ensure_questionnaires()]
        document = encounter_document(data.patient_id, type_code, start, end, interpreter, author)
        encounter = incoming.pending_create("Encounter", document)
        refs = Refs(
            subject={"reference": f"Patient/{data.patient_id}"},
            encounter={"reference": f"Encounter/{encounter.id}"},
            author=author,
            when=instant(end),
        )
        documents = build(refs)
        if data.refer_mental_health:
            documents.append(referral_document(refs))
        pendings = [
            *reference_data,
            encounter,
            *(incoming.pending_create(d["resourceType"], d) for d in documents),
        ]
        guard.check_write(actor, *pendings)
        written = writes.write_many(pendings)
        audit_access(actor, HealthAuditTag.CREATE, written, default="Encounter")
    return Charted(encounter.id, tuple(w.reference for w in written))


def write_resources(
    *, actor: Actor, patient_id: str, build: Callable[[Refs], list[dict]]
) -> Charted:
    """Resources recorded outside an encounter (a problem, an immunization): the same
    checks, transaction and audit as `chart`, without the Encounter."""
    authorize(actor, HealthPermission.WRITE, subject_type=HealthSubject.PATIENT)
    scope.check(actor, [patient_id], Access.WRITE)
    with unit_of_work():
        _require_patient(patient_id)
        author, reference_data = practitioner(actor)
        refs = Refs({"reference": f"Patient/{patient_id}"}, {}, author, instant(utcnow()))
        pendings = [
            *reference_data,
            *(incoming.pending_create(d["resourceType"], d) for d in build(refs)),
        ]
        guard.check_write(actor, *pendings)
        written = writes.write_many(pendings)
        audit_access(actor, HealthAuditTag.CREATE, written, default=HealthSubject.PATIENT)
    return Charted(None, tuple(w.reference for w in written))


def _require_patient(patient_id: str) -> None:
    current = store.current("Patient", patient_id)
    if current is None or current.is_deleted:
        raise UnknownResource(f"Patient/{patient_id} is not known.")


def practitioner(actor: Actor) -> tuple[dict[str, str], list[writes.Pending]]:
    """The user's Practitioner (identifier `{base}/sid/user|<username>`, as the
    sick-call pages find it): its reference, and its creation when the store lacks it."""
    condition = f"identifier={fhir_base()}/sid/user|{actor.username}"
    locks.lock_conditions([("Practitioner", condition)])  # parallel first writes: one
    found = single_match("Practitioner", condition)
    if found is not None:
        return {"reference": found.reference}, []
    user = db.session.get(User, actor.user_id) if actor.user_id is not None else None
    name = (user.full_name if user is not None else "") or actor.username
    document = {
        "resourceType": "Practitioner",
        "identifier": [{"system": f"{fhir_base()}/sid/user", "value": actor.username}],
        "active": True,
        "name": [{"text": name}],
    }
    pending = incoming.pending_create("Practitioner", document)
    return {"reference": f"Practitioner/{pending.id}"}, [pending]


def encounter_document(
    patient_id: str,
    type_code: str,
    start: dt.datetime,
    end: dt.datetime,
    interpreter: InterpreterIn,
    practitioner: dict[str, str],
) -> dict[str, Any]:
    period = {"start": instant(start), "end": instant(end)}
    return {
        "resourceType": "Encounter",
        "extension": [interpreter_extension(interpreter)],
        "status": "finished",
        "class": {"system": ACT_CODE, "code": "AMB", "display": "ambulatory"},
        "type": [codes.coded("encounter-type", type_code, codes.ENCOUNTER_TYPES).concept()],
        "subject": {"reference": f"Patient/{patient_id}"},
        "participant": [
            {
                "type": [
                    {
                        "coding": [
                            {
                                "system": PARTICIPATION,
                                "code": "PPRF",
                                "display": "primary performer",
                            }
                        ]
                    }
                ],
                "period": period,
                "individual": practitioner,
            }
        ],
        "period": period,
    }


def interpreter_extension(interpreter: InterpreterIn) -> dict[str, Any]:
    mode = codes.coded("interpreter-mode", interpreter.mode, codes.INTERPRETER_MODES)
    parts: list[dict[str, Any]] = [{"url": "mode", "valueCoding": mode.concept()["coding"][0]}]
    if interpreter.language:
        parts.append({"url": "language", "valueCode": interpreter.language})
    if interpreter.interpreter_id:
        parts.append({"url": "interpreterId", "valueString": interpreter.interpreter_id})
    return {"url": codes.structure("interpreter"), "extension": parts}


def referral_document(refs: Refs) -> dict[str, Any]:
    """A mental-health referral: opens the 72-hour evaluation clock at `authoredOn`."""
    code = codes.coded("encounter-type", "mental-health-evaluation", codes.ENCOUNTER_TYPES)
    return {
        "resourceType": "ServiceRequest",
        "status": "active",
        "intent": "order",
        "code": code.concept(),
        "subject": refs.subject,
        "encounter": refs.encounter,
        "authoredOn": refs.when,
        "requester": refs.author,
    }
