"""Reading sick calls back from the FHIR store: the requests (ServiceRequest, code
`sick-call`) of a set of Patients, and the triage and visit Encounters that answer
them, however they arrived (these pages, `/fhir`, a Bundle, an import).

An Encounter answers a request when its `basedOn` names it; one that names no
ServiceRequest (another system's) answers the patient's earliest open request it
follows. Only `finished` Encounters count, as for the compliance clocks. No permission
is checked here: `health.sickcall.queue` and `services` do that first.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa

from core.db import db
from health.fhir import jsontext, store
from health.fhir.indexing import parse_reference
from health.fhir.models import FhirResource, PatientStay, ReferenceIndex, TokenIndex
from health.fhir.services import a_number_system
from health.fhir.store import CURRENT_COLUMNS, Stored, stored_from_row
from health.sickcall import documents
from health.sickcall import vocabulary as v

Document = dict[str, Any]
OPEN = frozenset({"draft", "active", "on-hold"})


def parse_instant(value: object) -> dt.datetime | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        parsed = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed.astimezone(dt.UTC) if parsed.tzinfo else parsed.replace(tzinfo=dt.UTC)


def _extension(document: Document, name: str) -> Document | None:
    url = v.extension_url(name)
    return next((e for e in document.get("extension") or () if e.get("url") == url), None)


def _target(reference: object) -> tuple[str | None, str | None]:
    text = reference.get("reference") if isinstance(reference, dict) else None
    if not isinstance(text, str):
        return None, None
    kind, rid, _ = parse_reference(text)
    return kind, rid


@dataclass(frozen=True)
class Interpreter:
    language: str
    mode: str
    interpreter_id: str


@dataclass
class Step:
    """A triage or visit Encounter (and, for a visit, its SOAP note)."""

    encounter_id: str
    kind: str
    at: dt.datetime
    clinician_ref: str | None
    interpreter: Interpreter | None
    disposition: str | None = None
    disposition_text: str | None = None
    based_on: str | None = None
    clinician: str = ""
    sections: dict[str, str] = field(default_factory=dict)


@dataclass
class SickCall:
    id: str
    patient_id: str
    status: str
    priority: str
    authored_at: dt.datetime
    complaint: str
    language: str
    channel: str | None
    notes: list[tuple[str | None, dt.datetime | None, str]]  # triage notes: author, time, text
    recorded_by: str | None
    name: str = ""
    a_number: str = ""
    facility_id: int | None = None
    triage: Step | None = None
    visit: Step | None = None

    @property
    def is_open(self) -> bool:
        return self.status in OPEN

    @property
    def stage(self) -> str:
        """`triage` (waiting for it), `visit` (triaged, waiting to be seen) or `closed`."""
        if not self.is_open:
            return "closed"
        if self.triage is None:
            return "triage"
        return "visit" if self.visit is None else "closed"

    @property
    def due_at(self) -> dt.datetime | None:
        if self.stage == "triage":
            return self.authored_at + v.TRIAGE_DUE
        if self.stage == "visit" and self.triage is not None:
            return self.triage.at + v.VISIT_DUE
        return None

    def is_overdue(self, now: dt.datetime) -> bool:
        due = self.due_at
        return due is not None and due < now


def parse_request(stored: Stored) -> SickCall | None:
    """None for a ServiceRequest that is no sick call."""
    if stored.text is None or stored.patient_id is None:
        return None
    document = jsontext.loads(stored.text)
    codes = (document.get("code") or {}).get("coding") or ()
    system = v.encounter_type_system()
    if not any(c.get("system") == system and c.get("code") == v.SICK_CALL for c in codes):
        return None
    notes = document.get("note") or []
    first = notes[0] if notes else {}
    language_ext: Document = next(
        (
            e
            for e in (first.get("_text") or {}).get("extension") or ()
            if e.get("url") == v.LANGUAGE_EXTENSION
        ),
        {},
    )
    complaint = first.get("text") or next(
        (r.get("text") for r in document.get("reasonCode") or () if r.get("text")), ""
    )
    channel = (_extension(document, "sick-call-channel") or {}).get("valueCoding") or {}
    recorder = (_extension(document, "recorded-by") or {}).get("valueReference")
    authored = parse_instant(document.get("authoredOn")) or stored.last_updated
    return SickCall(
        id=stored.id,
        patient_id=stored.patient_id,
        status=str(document.get("status", "unknown")),
        priority=str(document.get("priority", "routine")),
        authored_at=authored,
        complaint=str(complaint),
        language=str(language_ext.get("valueCode", "")),
        channel=channel.get("code"),
        notes=[
            (
                (n.get("authorReference") or {}).get("reference"),
                parse_instant(n.get("time")),
                str(n.get("text", "")),
            )
            for n in notes[1:]
        ],
        recorded_by=(recorder or {}).get("reference"),
    )


def _interpreter(document: Document) -> Interpreter | None:
    found = _extension(document, "interpreter")
    if found is None:
        return None
    parts = {e.get("url"): e for e in found.get("extension") or ()}
    return Interpreter(
        language=str((parts.get("language") or {}).get("valueCode", "")),
        mode=str(((parts.get("mode") or {}).get("valueCoding") or {}).get("code", "")),
        interpreter_id=str((parts.get("interpreterId") or {}).get("valueString", "")),
    )


def parse_step(stored: Stored) -> Step | None:
    """A finished sick-call Encounter as a step; None for anything else."""
    if stored.text is None:
        return None
    document = jsontext.loads(stored.text)
    if document.get("status") != "finished":
        return None
    system = v.encounter_type_system()
    kinds = [
        c.get("code")
        for t in document.get("type") or ()
        for c in t.get("coding") or ()
        if c.get("system") == system and c.get("code") in (v.TRIAGE, v.VISIT)
    ]
    if not kinds:
        return None
    period = document.get("period") or {}
    at = (
        parse_instant(period.get("end"))
        or parse_instant(period.get("start"))
        or stored.last_updated
    )
    clinician = next(
        (p.get("individual", {}).get("reference") for p in document.get("participant") or ()),
        None,
    )
    based_on = next(
        (
            rid
            for kind, rid in map(_target, document.get("basedOn") or ())
            if kind == "ServiceRequest"
        ),
        None,
    )
    disposition = (_extension(document, "sick-call-disposition") or {}).get(
        "valueCodeableConcept"
    ) or {}
    return Step(
        encounter_id=stored.id,
        kind=str(kinds[0]),
        at=at,
        clinician_ref=clinician,
        interpreter=_interpreter(document),
        disposition=next((c.get("code") for c in disposition.get("coding") or ()), None),
        disposition_text=disposition.get("text"),
        based_on=based_on,
    )


# --- queries -------------------------------------------------------------------------


def _live(resource_type: str, *where: Any) -> list[Stored]:
    query = sa.select(*CURRENT_COLUMNS).where(
        FhirResource.resource_type == resource_type, FhirResource.is_deleted.is_(False), *where
    )
    return [stored_from_row(row) for row in db.session.execute(query)]


def _coded(resource_type: str, param: str, codes: Iterable[str]) -> Any:
    return sa.select(TokenIndex.resource_id).where(
        TokenIndex.resource_type == resource_type,
        TokenIndex.param == param,
        TokenIndex.system == v.encounter_type_system(),
        TokenIndex.code.in_(list(codes)),
    )


def held_at(facility_id: int) -> Any:
    """The Patients held at the facility now (their open stays)."""
    return sa.select(PatientStay.patient_id).where(
        PatientStay.facility_id == facility_id, PatientStay.ended_at.is_(None)
    )


def requests_of(patients: Any, *, restricted_ok: bool) -> list[SickCall]:
    """The sick-call requests of these Patients (a subquery or a list of ids)."""
    where = [
        FhirResource.patient_id.in_(patients),
        FhirResource.id.in_(_coded("ServiceRequest", "code", [v.SICK_CALL])),
    ]
    if not restricted_ok:
        where.append(FhirResource.is_restricted.is_(False))
    found = [parse_request(item) for item in _live("ServiceRequest", *where)]
    return [call for call in found if call is not None]


def attach_steps(calls: Sequence[SickCall], *, restricted_ok: bool) -> None:
    """Find each request's triage and visit (one query for them all)."""
    patients = sorted({call.patient_id for call in calls})
    if not patients:
        return
    where = [
        FhirResource.patient_id.in_(patients),
        FhirResource.id.in_(_coded("Encounter", "type", [v.TRIAGE, v.VISIT])),
    ]
    if not restricted_ok:
        where.append(FhirResource.is_restricted.is_(False))
    encounters = _live("Encounter", *where)
    steps = [s for s in map(parse_step, encounters) if s is not None]
    patient_of = {item.id: item.patient_id for item in encounters}
    by_id = {call.id: call for call in calls}
    loose: list[Step] = []
    for step in sorted(steps, key=lambda s: s.at):
        call = by_id.get(step.based_on or "")
        if call is not None:
            _place(call, step)
        elif step.based_on is None:
            loose.append(step)
    for step in loose:  # another system's Encounter: the earliest request it follows
        for call in sorted(calls, key=lambda c: c.authored_at):
            same = call.patient_id == patient_of.get(step.encounter_id)
            if same and call.authored_at <= step.at and getattr(call, _slot(step)) is None:
                _place(call, step)
                break


def _slot(step: Step) -> str:
    return "triage" if step.kind == v.TRIAGE else "visit"


def _place(call: SickCall, step: Step) -> None:
    if getattr(call, _slot(step)) is None:
        setattr(call, _slot(step), step)


def visit_note(encounter_id: str) -> dict[str, str]:
    """The SOAP parts of the visit's note (DocumentReference of that Encounter)."""
    notes = sa.select(ReferenceIndex.resource_id).where(
        ReferenceIndex.resource_type == "DocumentReference",
        ReferenceIndex.param == "encounter",
        ReferenceIndex.target_type == "Encounter",
        ReferenceIndex.target_id == encounter_id,
    )
    for item in _live("DocumentReference", FhirResource.id.in_(notes)):
        if item.text and not item.is_restricted:
            from_note = documents.soap_sections(documents.note_text(jsontext.loads(item.text)))
            if from_note:
                return from_note
    return {}


def names_of(references: Iterable[str | None]) -> dict[str, str]:
    """Display names of Practitioners and Patients by reference (one query per type)."""
    keys = set()
    for reference in filter(None, references):
        kind, rid = _target({"reference": reference})
        if kind and rid:
            keys.add((kind, rid))
    names: dict[str, str] = {}
    for item in store.current_many(keys):
        if item.text:
            names[item.reference] = person_name(jsontext.loads(item.text))
    return names


def people_of(patient_ids: Iterable[str]) -> dict[str, tuple[str, str]]:
    """Patient id → (name, A-number) of the live Patients among these (one query)."""
    system = a_number_system()
    people: dict[str, tuple[str, str]] = {}
    for item in store.current_many(("Patient", pid) for pid in patient_ids):
        document = jsontext.loads(item.text or "{}")
        a_number = next(
            (
                str(i.get("value", ""))
                for i in document.get("identifier") or ()
                if i.get("system") == system
            ),
            "",
        )
        people[item.id] = (person_name(document), a_number)
    return people


def person_name(document: Document) -> str:
    for name in document.get("name") or ():
        if name.get("family") or name.get("given"):
            given = " ".join(name.get("given") or ())
            return f"{name.get('family', '')}, {given}".strip(", ")
        if name.get("text"):
            return str(name["text"])
    return ""
