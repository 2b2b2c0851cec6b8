"""The cover and the encounters of the health-record export: what the templates show,
from the documents `patient_record` returned. Pure functions (no database, no audit);
the chart's readers (`health.chart.summary`, `health.chart.vitals`) name the codes and
pick the active problems, current medications, allergies, immunizations and alerts, so
the export says what the chart says."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from health.chart import codes, summary
from health.chart import vitals as vital_signs
from health.chart.codes import KIND_LABELS
from health.chart.record import PatientRecord
from health.chart.summary import Clock
from health.exports import values
from health.fhir.indexing import is_restricted

NOTE_TYPES = ("Composition", "DocumentReference")
ENCOUNTER_ITEMS = {
    "Condition": "conditions",
    "MedicationStatement": "medications",
    "MedicationRequest": "medications",
    "Immunization": "immunizations",
    "AllergyIntolerance": "allergies",
}


@dataclass(frozen=True)
class Stay:
    facility: str
    started_at: dt.datetime
    ended_at: dt.datetime | None
    time_zone: str = "UTC"


@dataclass(frozen=True)
class Context:
    """What the documents alone do not say: the time zone pages use, the encounter-type
    system, practitioners' names by reference and the person's stays."""

    clock: Clock
    encounter_system: str
    interpreter_url: str
    names: dict[str, str] = field(default_factory=dict)  # "Practitioner/x" → name
    stays: tuple[Stay, ...] = ()


@dataclass(frozen=True)
class Note:
    title: str
    when: str
    author: str
    sections: list[tuple[str, list[str]]]  # (heading or "", paragraphs)
    restricted: bool = False


@dataclass
class EncounterView:
    id: str
    when: str
    title: str
    kind: str
    status: str
    location: str
    author: str
    interpreter: str
    reasons: list[str]
    restricted: bool
    notes: list[Note] = field(default_factory=list)
    vitals: list[tuple[str, str]] = field(default_factory=list)
    findings: list[tuple[str, str]] = field(default_factory=list)  # scores, screenings
    items: dict[str, list[str]] = field(default_factory=dict)  # conditions, medications…


@dataclass
class Cover:
    identity: list[tuple[str, str]]
    stays: list[tuple[str, str, str]]
    alerts: list[tuple[str, str, str]]  # (label, custody-visible or clinical, reason)
    allergies: list[tuple[str, str]]
    problems: list[tuple[str, str, str]]  # (name, ICD-10-CM code, onset)
    medications: list[tuple[str, str, str, str]]  # (name, dosage, source, since)
    immunizations: list[tuple[str, str, str]]  # (vaccine, date, status)
    restricted_shown: bool


def us_date(value: Any) -> str:
    """A FHIR date as pages write it: 04/01/1990."""
    try:
        return dt.date.fromisoformat(str(value)[:10]).strftime("%m/%d/%Y")
    except ValueError:
        return str(value or "Not recorded")


def cover(record: PatientRecord, context: Context, a_number: str) -> Cover:
    patient, clock = record.patient, context.clock
    spoken, interpreter = summary.languages_of(patient)
    languages = [f"{name}{' (preferred)' if pref else ''}" for name, pref in spoken]
    identity = [
        ("Name", summary.name_of(patient)),
        ("A-number", a_number),
        ("Date of birth", us_date(patient.get("birthDate"))),
        ("Sex", str(patient.get("gender") or "unknown").capitalize()),
        ("Languages", ", ".join(languages) or "Not recorded"),
        ("Interpreter needed", "Yes" if interpreter else "No"),
    ]
    stays = [
        (s.facility, clock.local(s.started_at), clock.local(s.ended_at) if s.ended_at else "Now")
        for s in context.stays
    ]
    return Cover(
        identity=identity,
        stays=stays,
        alerts=[alert_row(alert) for alert in summary.alerts_of(record, clock)],
        allergies=summary.allergies_of(record),
        problems=[(p["name"], p["code"], p["onset"]) for p in summary.problems_of(record, clock)],
        medications=[
            (m["name"], m["dosage"], m["source"], m["since"])
            for m in summary.medications_of(record, clock)
        ],
        immunizations=[
            (i["name"], i["date"], i["status"]) for i in summary.immunizations_of(record, clock)
        ],
        restricted_shown=record.restricted_shown,
    )


def alert_row(alert: summary.ChartAlert) -> tuple[str, str, str]:
    """An alert with its clinical reason, for everyone who may export the whole record
    (clinicians and the records office: they get its notes and problems too, and the
    attached Bundle carries the Flag as stored); whether custody sees it is said."""
    seen = "Shown to custody" if alert.custody_visible else "Clinical only"
    return alert.label, seen, alert.reason or ""


def note_of(document: dict[str, Any], context: Context) -> Note:
    """A Composition (its sections' narrative) or a DocumentReference (its description
    and plain-text content) as a note."""
    clock = context.clock
    authors = document.get("author") or []
    author = ", ".join(_name(a, context) for a in authors) or "Not recorded"
    if document.get("resourceType") == "Composition":
        title = str(document.get("title") or values.concept(document.get("type")))
        sections = [
            (str(s.get("title") or ""), values.narrative_text((s.get("text") or {}).get("div")))
            for s in document.get("section") or ()
            if isinstance(s, dict)
        ]
    else:
        title = values.concept(document.get("type")) if document.get("type") else "Clinical note"
        lines = [str(document["description"])] if document.get("description") else []
        for content in document.get("content") or ():
            lines += values.attachment_text((content or {}).get("attachment"))
        sections = [("", lines)]
    return Note(
        title=title,
        when=clock.local(values.when_of(document)),
        author=author,
        sections=[(h, p) for h, p in sections if p] or [("", ["No text recorded."])],
        restricted=is_restricted(document),
    )


def _name(reference: Any, context: Context) -> str:
    ref = values.reference_of(reference)
    if ref and ref in context.names:
        return context.names[ref]
    if isinstance(reference, dict) and reference.get("display"):
        return str(reference["display"])
    return "Not recorded"


def encounters(record: PatientRecord, context: Context) -> list[EncounterView]:
    """Every encounter oldest first, each with what was recorded in it."""
    by_encounter: dict[str, list[dict[str, Any]]] = {}
    for resource_type, documents in record.resources.items():
        if resource_type == "Encounter":
            continue
        for document in documents:
            if (ref := values.encounter_of(document)) is not None:
                by_encounter.setdefault(ref, []).append(document)
    views = []
    for encounter in sorted(record.of("Encounter"), key=values.sort_key):
        linked = sorted(
            by_encounter.get(f"Encounter/{encounter.get('id')}", []), key=values.sort_key
        )
        views.append(_encounter(encounter, linked, context))
    return views


def _encounter(
    encounter: dict[str, Any], linked: list[dict[str, Any]], context: Context
) -> EncounterView:
    title, kind = codes.encounter_kind(encounter, context.encounter_system)
    period = encounter.get("period") or {}
    at = summary.instant(period.get("start") or period.get("end"))
    performers = [p.get("individual") for p in encounter.get("participant") or () if p]
    view = EncounterView(
        id=str(encounter.get("id")),
        when=context.clock.local(at),
        title=title,
        kind=KIND_LABELS[kind],
        status=str(encounter.get("status") or ""),
        location=_location(encounter, at, context),
        author=", ".join(_name(p, context) for p in performers if p) or "Not recorded",
        interpreter=_interpreter(encounter, context.interpreter_url),
        reasons=[values.concept(c) for c in encounter.get("reasonCode") or ()],
        restricted=is_restricted(encounter),
    )
    observations = [d for d in linked if d.get("resourceType") == "Observation"]
    latest, _ = vital_signs.summarise(
        [o for o in observations if values.is_vital(o)], context.clock.local
    )
    view.vitals = [(v["name"], v["value"]) for v in latest]
    view.findings = [
        (values.concept(o.get("code")), values.observation_value(o))
        for o in observations
        if not values.is_vital(o)
    ]
    for document in linked:
        rtype = str(document.get("resourceType"))
        if rtype in NOTE_TYPES:
            view.notes.append(note_of(document, context))
        elif rtype in ENCOUNTER_ITEMS:
            view.items.setdefault(ENCOUNTER_ITEMS[rtype], []).append(_item_name(document))
    return view


def _item_name(document: dict[str, Any]) -> str:
    if document.get("resourceType") == "Condition":
        return values.coded_name(document.get("code"))
    name = values.display_of(document)
    dosage = document.get("dosage") or document.get("dosageInstruction") or []
    text = dosage[0].get("text") if dosage and isinstance(dosage[0], dict) else None
    return f"{name}: {text}" if text else name


def _location(encounter: dict[str, Any], at: dt.datetime | None, context: Context) -> str:
    for item in encounter.get("location") or ():
        if isinstance(item, dict) and item.get("location"):
            return _name(item["location"], context)
    if encounter.get("serviceProvider"):
        return _name(encounter["serviceProvider"], context)
    for stay in context.stays:  # the facility where the person was held then
        if at and stay.started_at <= at and (stay.ended_at is None or at <= stay.ended_at):
            return stay.facility
    return "Not recorded"


def _interpreter(encounter: dict[str, Any], url: str) -> str:
    for extension in encounter.get("extension") or ():
        if not isinstance(extension, dict) or extension.get("url") != url:
            continue
        parts = {p.get("url"): p for p in extension.get("extension") or () if isinstance(p, dict)}
        mode = (parts.get("mode") or {}).get("valueCoding") or {}
        if mode.get("code") in (None, "none"):
            return "None (shared language)"
        language = codes.language_name(str((parts.get("language") or {}).get("valueCode") or ""))
        badge = (parts.get("interpreterId") or {}).get("valueString")
        shown = f"{mode.get('display') or mode.get('code')}, {language}".strip(", ")
        return f"{shown} (interpreter {badge})" if badge else shown
    return "Not recorded"
