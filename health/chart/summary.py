"""The chart as shown: a `PatientRecord` (what the actor may see) turned into the
banner, the sections and the timeline, with names for codes and times in the
facility's local time. Pure functions over the documents: no database, no audit."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

from core.i18n import local_day, local_time
from core.whereabouts import Placement
from health import flags
from health.chart import codes
from health.chart import vitals as vital_signs
from health.chart.codes import Kind
from health.chart.record import PatientRecord
from health.fhir.indexing import is_restricted

ACTIVE_CONDITIONS = {"active", "recurrence", "relapse"}


@dataclass(frozen=True)
class ChartAlert:
    id: str
    label: str
    custody_visible: bool
    reason: str | None
    since: str | None


@dataclass(frozen=True)
class TimelineEntry:
    at: dt.datetime | None
    when: str
    kind: Kind
    title: str
    status: str
    detail: str
    is_restricted: bool = False


@dataclass
class Chart:
    patient_id: str
    name: str
    a_number: str | None
    birth_date: str | None
    age: int | None
    gender: str
    placement: Placement | None
    zone_name: str
    languages: list[tuple[str, bool]]  # (name, preferred)
    interpreter_needed: bool
    alerts: list[ChartAlert] = field(default_factory=list)
    allergies: list[tuple[str, str]] = field(default_factory=list)  # (name, criticality)
    problems: list[dict[str, str]] = field(default_factory=list)
    medications: list[dict[str, str]] = field(default_factory=list)
    vitals: list[dict[str, str]] = field(default_factory=list)
    trend: vital_signs.Trend = field(default_factory=vital_signs.Trend)
    immunizations: list[dict[str, str]] = field(default_factory=list)
    timeline: list[TimelineEntry] = field(default_factory=list)
    restricted_shown: bool = False


class Clock:
    """Times in the facility's zone (UTC when the person is not held anywhere)."""

    def __init__(self, time_zone: str | None) -> None:
        self.zone = ZoneInfo(time_zone or "UTC")

    def local(self, value: dt.datetime | None) -> str:
        return local_time(value, self.zone)

    def day(self, value: dt.datetime | None) -> str:
        return local_day(value, self.zone)

    def date_of(self, value: Any) -> str:
        """A FHIR date or dateTime as a local day: a date alone is already a day."""
        if isinstance(value, str) and value and "T" not in value:
            return value[:10]
        return self.day(instant(value))


def instant(value: Any) -> dt.datetime | None:
    """A FHIR dateTime/instant as aware UTC (a date alone: its midnight UTC)."""
    if not isinstance(value, str) or not value:
        return None
    text = value.replace("Z", "+00:00")
    try:
        parsed = dt.datetime.fromisoformat(text if "T" in text else text[:10])
    except ValueError:
        try:
            parsed = dt.datetime.fromisoformat(f"{text[:7]}-01" if len(text) == 7 else text[:4])
        except ValueError:
            return None
    return (parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.UTC)).astimezone(dt.UTC)


def build(
    record: PatientRecord,
    *,
    placement: Placement | None,
    a_number_system: str,
    encounter_system: str,
    today: dt.date,
) -> Chart:
    patient = record.patient
    clock = Clock(placement.time_zone if placement else None)
    languages, interpreter = languages_of(patient)
    chart = Chart(
        patient_id=record.patient_id,
        name=name_of(patient),
        a_number=identifier_of(patient, a_number_system),
        birth_date=patient.get("birthDate"),
        age=_age(patient.get("birthDate"), today),
        gender=str(patient.get("gender") or "unknown"),
        placement=placement,
        zone_name=str(clock.zone),
        languages=languages,
        interpreter_needed=interpreter,
        restricted_shown=record.restricted_shown,
    )
    chart.alerts = alerts_of(record, clock)
    chart.allergies = allergies_of(record)
    chart.problems = problems_of(record, clock)
    chart.medications = medications_of(record, clock)
    chart.vitals, chart.trend = vital_signs.summarise(record.of("Observation"), clock.local)
    chart.immunizations = immunizations_of(record, clock)
    chart.timeline = _timeline(record, clock, encounter_system)
    return chart


def name_of(patient: dict[str, Any]) -> str:
    for name in patient.get("name") or ():
        if isinstance(name, dict):
            if name.get("text"):
                return str(name["text"])
            given = " ".join(str(g) for g in name.get("given") or ())
            family = str(name.get("family") or "")
            if family or given:
                return f"{family}, {given}".strip(", ")
    return "Name not recorded"


def identifier_of(patient: dict[str, Any], system: str) -> str | None:
    for identifier in patient.get("identifier") or ():
        if isinstance(identifier, dict) and identifier.get("system") == system:
            return str(identifier.get("value"))
    return None


def _age(birth_date: Any, today: dt.date) -> int | None:
    try:
        born = dt.date.fromisoformat(str(birth_date)[:10])
    except ValueError:
        return None
    return today.year - born.year - ((today.month, today.day) < (born.month, born.day))


INTERPRETER_URL = "http://hl7.org/fhir/StructureDefinition/patient-interpreterRequired"


def languages_of(patient: dict[str, Any]) -> tuple[list[tuple[str, bool]], bool]:
    found: list[tuple[str, bool]] = []
    for item in patient.get("communication") or ():
        if isinstance(item, dict):
            language = item.get("language") or {}
            code = next((c.get("code") for c in codes.codings(language) if c.get("code")), None)
            name = codes.language_name(str(code)) if code else codes.concept_name(language)
            found.append((name, bool(item.get("preferred"))))
    needed = any(
        isinstance(ext, dict) and ext.get("url") == INTERPRETER_URL and ext.get("valueBoolean")
        for ext in patient.get("extension") or ()
    )
    return found, needed


def alerts_of(record: PatientRecord, clock: Clock) -> list[ChartAlert]:
    shown = []
    for flag in record.of("Flag"):
        if not flags.is_active(flag):
            continue
        code = flags.custody_code(flag)
        label = flags.CUSTODY_ALERTS[code] if code else codes.concept_name(flag.get("code"))
        since = flags.since_of(flag)
        reason = flags.reason_of(flag)
        shown.append(
            ChartAlert(
                id=str(flag.get("id")),
                label=label,
                custody_visible=code is not None,
                reason=reason if reason != label else None,
                since=clock.day(since) if since else None,
            )
        )
    return sorted(shown, key=lambda alert: (not alert.custody_visible, alert.label))


def status_code(concept: Any) -> str:
    code = next((c.get("code") for c in codes.codings(concept) if c.get("code")), None)
    return str(code or "")


def allergies_of(record: PatientRecord) -> list[tuple[str, str]]:
    found = []
    for item in record.of("AllergyIntolerance"):
        status = status_code(item.get("clinicalStatus"))
        if status and status != "active":
            continue
        if status_code(item.get("verificationStatus")) in {"refuted", "entered-in-error"}:
            continue
        found.append((codes.concept_name(item.get("code")), str(item.get("criticality") or "")))
    return sorted(found)


def problems_of(record: PatientRecord, clock: Clock) -> list[dict[str, str]]:
    found = []
    for item in record.of("Condition"):
        status = status_code(item.get("clinicalStatus"))
        if status not in ACTIVE_CONDITIONS:
            continue
        if status_code(item.get("verificationStatus")) in {"refuted", "entered-in-error"}:
            continue
        categories = item.get("category") or []
        found.append(
            {
                "name": codes.concept_name(item.get("code")),
                "code": code_line(item.get("code")),
                "category": codes.concept_name(categories[0]) if categories else "",
                "onset": clock.date_of(item.get("onsetDateTime") or item.get("recordedDate")),
                "status": status,
            }
        )
    return sorted(found, key=lambda p: p["name"])


def code_line(concept: Any) -> str:
    found = codes.codings(concept)
    return str(found[0].get("code") or "") if found else ""


def medications_of(record: PatientRecord, clock: Clock) -> list[dict[str, str]]:
    found = []
    for rtype, label, date_key in (
        ("MedicationRequest", "Prescribed", "authoredOn"),
        ("MedicationStatement", "Reported", "effectiveDateTime"),
    ):
        for item in record.of(rtype):
            if item.get("status") != "active":
                continue
            concept = item.get("medicationCodeableConcept")
            name = (
                codes.concept_name(concept)
                if concept
                else str((item.get("medicationReference") or {}).get("display") or "Medication")
            )
            dosage = item.get("dosageInstruction") or item.get("dosage") or []
            found.append(
                {
                    "name": name,
                    "dosage": str(dosage[0].get("text") or "") if dosage else "",
                    "source": label,
                    "since": clock.date_of(item.get(date_key)),
                }
            )
    return sorted(found, key=lambda m: m["name"])


def immunizations_of(record: PatientRecord, clock: Clock) -> list[dict[str, str]]:
    found = []
    for item in record.of("Immunization"):
        if item.get("status") == "entered-in-error":
            continue
        at = instant(item.get("occurrenceDateTime"))
        found.append(
            {
                "name": codes.concept_name(item.get("vaccineCode")),
                "date": clock.date_of(item.get("occurrenceDateTime")),
                "status": "given" if item.get("status") == "completed" else "not given",
                "sort": at.isoformat() if at else "",
            }
        )
    return sorted(found, key=lambda i: i["sort"], reverse=True)


def _timeline(record: PatientRecord, clock: Clock, system: str) -> list[TimelineEntry]:
    entries: list[TimelineEntry] = []
    kinds: dict[str, Kind] = {}
    for encounter in record.of("Encounter"):
        title, kind = codes.encounter_kind(encounter, system)
        kinds[f"Encounter/{encounter.get('id')}"] = kind
        period = encounter.get("period") or {}
        at = instant(period.get("start") or period.get("end"))
        reasons = [codes.concept_name(c) for c in encounter.get("reasonCode") or ()]
        entries.append(
            TimelineEntry(
                at=at,
                when=clock.local(at),
                kind=kind,
                title=title,
                status=str(encounter.get("status") or ""),
                detail="; ".join(reasons),
                is_restricted=is_restricted(encounter),
            )
        )
    for note in record.of("DocumentReference"):
        entries.append(_note_entry(note, clock, kinds))
    return sorted(entries, key=_newest_first)


def _note_entry(note: dict[str, Any], clock: Clock, kinds: dict[str, Kind]) -> TimelineEntry:
    restricted = is_restricted(note)
    refs = [
        str(e.get("reference"))
        for e in (note.get("context") or {}).get("encounter") or ()
        if isinstance(e, dict)
    ]
    kind = next((kinds[r] for r in refs if r in kinds), Kind.MEDICAL)
    if restricted:
        kind = Kind.MENTAL_HEALTH
    at = instant(note.get("date"))
    return TimelineEntry(
        at=at,
        when=clock.local(at),
        kind=kind,
        title=codes.concept_name(note.get("type")) if note.get("type") else "Clinical note",
        status=str(note.get("docStatus") or note.get("status") or ""),
        detail=str(note.get("description") or ""),
        is_restricted=restricted,
    )


def _newest_first(entry: TimelineEntry) -> tuple[int, float]:
    return (0, -entry.at.timestamp()) if entry.at else (1, 0.0)
