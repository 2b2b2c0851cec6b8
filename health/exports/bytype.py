"""The health record by resource type: Observations grouped by code, Conditions,
medications, immunizations, allergies, notes, alerts, and every other type as a
generic list. Each table is cut into pieces of at most `ROWS` rows, oldest first, so
each piece is a part of its own (the engine chunks and caches parts; appending to the
record leaves the earlier pieces unchanged). Pure functions over the documents."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from health.chart import summary
from health.chart.record import PatientRecord
from health.exports import values
from health.exports.content import NOTE_TYPES, Context, Note, alert_row, note_of
from health.fhir.indexing import is_restricted

ROWS = 40
NOTES_PER_PART = 6
SHOWN = {
    "Encounter",
    "Observation",
    "Condition",
    "MedicationRequest",
    "MedicationStatement",
    "Immunization",
    "AllergyIntolerance",
    "Flag",
    *NOTE_TYPES,
}


@dataclass(frozen=True)
class Table:
    section: str  # the h2 (printed above the first piece of a section only)
    title: str  # the h3
    columns: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    first: bool = False  # the first piece of its section
    continued: bool = False  # a later piece of the same table


@dataclass(frozen=True)
class Notes:
    """Notes recorded outside any encounter shown, in full."""

    notes: tuple[Note, ...]
    first: bool = False


Row = tuple[str, ...]


def _pieces(
    section: str, title: str, columns: tuple[str, ...], rows: list[Row], first: bool
) -> list[Table]:
    if not rows:
        return [Table(section, title, columns, (), first=first)]
    return [
        Table(section, title, columns, tuple(rows[i : i + ROWS]), first and i == 0, i > 0)
        for i in range(0, len(rows), ROWS)
    ]


def _rows(documents: Iterable[dict[str, Any]], row: Callable[[dict[str, Any]], Row]) -> list[Row]:
    return [row(d) for d in sorted(documents, key=values.sort_key)]


def tables(record: PatientRecord, context: Context) -> list[Table | Notes]:
    """Every by-type piece, in a fixed order of sections."""
    clock = context.clock
    parts: list[Table | Notes] = []
    parts += _observations(record, context)
    parts += _pieces(
        "Conditions",
        "Conditions",
        ("Condition", "Clinical status", "Onset", "Recorded", "Note"),
        _rows(record.of("Condition"), lambda d: _condition(d, context)),
        True,
    )
    medications = [*record.of("MedicationRequest"), *record.of("MedicationStatement")]
    parts += _pieces(
        "Medications",
        "Medications",
        ("Medication", "Dosage", "Status", "Source", "Date"),
        _rows(medications, lambda d: _medication(d, context)),
        True,
    )
    parts += _pieces(
        "Immunizations",
        "Immunizations",
        ("Vaccine", "Date", "Status", "Lot"),
        _rows(
            record.of("Immunization"),
            lambda d: (
                values.concept(d.get("vaccineCode")),
                clock.date_of(d.get("occurrenceDateTime")),
                "Given" if d.get("status") == "completed" else str(d.get("status") or ""),
                str(d.get("lotNumber") or ""),
            ),
        ),
        True,
    )
    parts += _pieces(
        "Allergies and intolerances",
        "Allergies and intolerances",
        ("Substance", "Reaction", "Criticality", "Status", "Recorded"),
        _rows(record.of("AllergyIntolerance"), lambda d: _allergy(d, context)),
        True,
    )
    parts += _notes(record, context)
    parts += _pieces(
        "Alerts",
        "Alerts (FHIR Flags)",
        ("Alert", "Shown to", "Status", "Since", "Reason"),
        _rows(record.of("Flag"), lambda d: _flag(d, context)),
        True,
    )
    others = [d for t, docs in record.resources.items() if t not in SHOWN for d in docs]
    parts += _pieces(
        "Other records",
        "Other records",
        ("Type", "Date", "Text"),
        _rows(
            others,
            lambda d: (
                str(d.get("resourceType")),
                clock.local(values.when_of(d)),
                values.display_of(d),
            ),
        ),
        True,
    )
    return parts


def packed(pieces: list[Table | Notes], limit: int = ROWS) -> list[list[Table | Notes]]:
    """Consecutive pieces gathered into parts of about `limit` rows (a table's heading
    counts as two rows, a note as eight), so a record of many small tables is a few
    parts, not dozens; a piece is never cut."""
    parts: list[list[Table | Notes]] = []
    size = 0
    for piece in pieces:
        weight = 2 + len(piece.rows) if isinstance(piece, Table) else 8 * len(piece.notes)
        if not parts or (size and size + weight > limit):
            parts.append([])
            size = 0
        parts[-1].append(piece)
        size += weight
    return parts


def _observations(record: PatientRecord, context: Context) -> list[Table]:
    groups: dict[str, list[dict[str, Any]]] = {}
    for observation in record.of("Observation"):
        groups.setdefault(values.concept(observation.get("code")), []).append(observation)
    if not groups:
        return _pieces("Observations", "Observations", ("Date", "Value"), [], True)
    parts: list[Table] = []
    for index, name in enumerate(sorted(groups)):
        rows = _rows(
            groups[name],
            lambda d: (
                context.clock.local(values.when_of(d)),
                values.observation_value(d),
                str(d.get("status") or ""),
            ),
        )
        parts += _pieces("Observations", name, ("Date", "Value", "Status"), rows, index == 0)
    return parts


def _condition(document: dict[str, Any], context: Context) -> Row:
    notes = "; ".join(str(n.get("text")) for n in document.get("note") or () if isinstance(n, dict))
    return (
        values.coded_name(document.get("code")),
        summary.status_code(document.get("clinicalStatus")) or "Not recorded",
        context.clock.date_of(document.get("onsetDateTime"))
        if document.get("onsetDateTime")
        else "",
        context.clock.local(summary.instant(document.get("recordedDate"))),
        notes,
    )


def _medication(document: dict[str, Any], context: Context) -> Row:
    prescribed = document.get("resourceType") == "MedicationRequest"
    dosage = document.get("dosageInstruction" if prescribed else "dosage") or []
    return (
        values.display_of(document)
        if document.get("medicationCodeableConcept")
        else str((document.get("medicationReference") or {}).get("display") or "Medication"),
        str(dosage[0].get("text") or "") if dosage and isinstance(dosage[0], dict) else "",
        str(document.get("status") or ""),
        "Prescribed" if prescribed else "Reported",
        context.clock.local(values.when_of(document)),
    )


def _allergy(document: dict[str, Any], context: Context) -> Row:
    reactions = [
        values.concept(m)
        for r in document.get("reaction") or ()
        if isinstance(r, dict)
        for m in r.get("manifestation") or ()
    ]
    return (
        values.concept(document.get("code")),
        ", ".join(reactions),
        str(document.get("criticality") or ""),
        summary.status_code(document.get("clinicalStatus")) or "Not recorded",
        context.clock.local(values.when_of(document)),
    )


def _flag(document: dict[str, Any], context: Context) -> Row:
    alert = summary.alerts_of(
        PatientRecord(
            patient_id="", patient={}, resources={"Flag": [{**document, "status": "active"}]}
        ),
        context.clock,
    )
    label, seen, reason = alert_row(alert[0])
    return (label, seen, str(document.get("status") or ""), alert[0].since or "", reason)


def _notes(record: PatientRecord, context: Context) -> list[Table | Notes]:
    documents = sorted((d for t in NOTE_TYPES for d in record.of(t)), key=values.sort_key)
    encounters = {f"Encounter/{e.get('id')}": e for e in record.of("Encounter")}
    rows: list[Row] = []
    loose: list[Note] = []
    for document in documents:
        note = note_of(document, context)
        encounter = encounters.get(values.encounter_of(document) or "")
        where = "In its encounter above" if encounter else "In full below"
        if encounter is None:
            loose.append(note)
        flag = " (restricted)" if is_restricted(document) else ""
        rows.append((note.when, note.title + flag, note.author, where))
    parts: list[Table | Notes] = list(
        _pieces("Clinical notes", "Clinical notes", ("Date", "Note", "Author", "Text"), rows, True)
    )
    for i in range(0, len(loose), NOTES_PER_PART):
        parts.append(Notes(tuple(loose[i : i + NOTES_PER_PART])))
    return parts
