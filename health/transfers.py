"""Health's service interface for transfers: the medical transfer summary that travels
with the person (a FHIR `Composition`) and the medical hold that keeps them from
travelling (a FHIR `Flag`).

Custody calls these with plain values and keeps only what it needs to decide (the
summary's id, whether the person is fit to travel, whether a hold is active); health
never imports custody. The writes need `health:record:write` (clinicians) and go
through the FHIR services (`health.fhir.services.create` / `update`): validated by the
R4 models, scoped to the patient's facility, stored with history and search index in
the caller's unit of work, audited as `health:fhir:create` / `health:fhir:update`
naming the Patient.

Codes and identifiers live under the canonical base (`FHIR_BASE`):
- `{base}/sid/transfer`: the Composition's identifier is the custody transfer's id;
- `{base}/CodeSystem/transfer-summary-section`: the summary's sections;
- `{base}/CodeSystem/flag-code` `medical-hold`: the hold (status active / inactive).
"""

from __future__ import annotations

import datetime as dt
import html
from dataclasses import dataclass
from typing import Any

from core.access import authorize
from core.actor import Actor
from core.db import unit_of_work, utcnow
from core.errors import Conflict
from health.fhir import jsontext, link, services
from health.fhir.search import matching
from health.permissions import HealthPermission

MEDICAL_HOLD = "medical-hold"
XHTML = "http://www.w3.org/1999/xhtml"
SECTIONS = {
    "fit-to-travel": "Fit to travel",
    "active-problems": "Active problems",
    "allergies": "Allergies",
    "medications": "Current medications",
    "tb-status": "Tuberculosis status",
    "pending-appointments": "Pending appointments",
    "accommodations": "Accommodations",
    "notes": "Notes",
}


@dataclass(frozen=True)
class MedicationToContinue:
    """A medication that travels with the person (PBNDS 4.3: drug, dose, directions,
    time last given, time next due)."""

    drug: str
    dose: str
    directions: str
    last_given_at: dt.datetime | None = None
    next_due_at: dt.datetime | None = None


@dataclass(frozen=True)
class TransferSummary:
    """The medical transfer summary a clinician writes for one transfer."""

    transfer_id: int
    fit_to_travel: bool
    active_problems: tuple[str, ...] = ()
    allergies: tuple[str, ...] = ()
    medications: tuple[MedicationToContinue, ...] = ()
    tb_status: str = ""
    pending_appointments: tuple[str, ...] = ()
    accommodations: tuple[str, ...] = ()
    notes: str = ""


@dataclass(frozen=True)
class SummaryRef:
    """The stored summary: custody keeps its id (`Composition/<id>`)."""

    id: str
    version: int
    written_at: dt.datetime

    @property
    def reference(self) -> str:
        return f"Composition/{self.id}"


@dataclass(frozen=True)
class HoldRef:
    """A medical hold (`Flag/<id>`): `is_active` until a clinician lifts it."""

    id: str
    is_active: bool
    since: dt.datetime | None


def transfer_system() -> str:
    return f"{services.fhir_base()}/sid/transfer"


def section_system() -> str:
    return f"{services.fhir_base()}/CodeSystem/transfer-summary-section"


def flag_system() -> str:
    return f"{services.fhir_base()}/CodeSystem/flag-code"


def _patient(a_number: str) -> str:
    patient_id = link.patient_id_of(a_number)
    if patient_id is None:
        raise Conflict("This person has no health record yet.", rule="no_patient")
    return patient_id


def _instant(value: dt.datetime) -> str:
    return value.astimezone(dt.UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def _div(lines: list[str]) -> dict[str, str]:
    items = "".join(f"<li>{html.escape(line)}</li>" for line in lines) or "<li>None recorded.</li>"
    return {"status": "generated", "div": f'<div xmlns="{XHTML}"><ul>{items}</ul></div>'}


def _medication_line(med: MedicationToContinue) -> str:
    last = _instant(med.last_given_at) if med.last_given_at else "not recorded"
    due = _instant(med.next_due_at) if med.next_due_at else "not recorded"
    return f"{med.drug} {med.dose}, {med.directions}; last given {last}; next due {due}"


def _medication_extension(med: MedicationToContinue) -> dict[str, Any]:
    parts: list[dict[str, Any]] = [
        {"url": "drug", "valueString": med.drug},
        {"url": "dose", "valueString": med.dose},
        {"url": "directions", "valueString": med.directions},
    ]
    if med.last_given_at:
        parts.append({"url": "lastGiven", "valueDateTime": _instant(med.last_given_at)})
    if med.next_due_at:
        parts.append({"url": "nextDue", "valueDateTime": _instant(med.next_due_at)})
    return {
        "url": f"{services.fhir_base()}/StructureDefinition/transfer-medication",
        "extension": parts,
    }


def _section(code: str, lines: list[str], **extra: Any) -> dict[str, Any]:
    return {
        "title": SECTIONS[code],
        "code": {"coding": [{"system": section_system(), "code": code}]},
        "text": _div(lines),
        **extra,
    }


def summary_document(
    summary: TransferSummary, patient_id: str, author: str, now: dt.datetime
) -> dict[str, Any]:
    """The summary as a FHIR R4 Composition (one section per part, in order)."""
    fit = "Fit to travel." if summary.fit_to_travel else "Not fit to travel."
    meds = [_medication_extension(med) for med in summary.medications]
    sections = [
        _section("fit-to-travel", [fit]),
        _section("active-problems", list(summary.active_problems)),
        _section("allergies", list(summary.allergies) or ["No known allergies."]),
        _section(
            "medications",
            [_medication_line(med) for med in summary.medications],
            **({"extension": meds} if meds else {}),
        ),
        _section("tb-status", [summary.tb_status] if summary.tb_status else []),
        _section("pending-appointments", list(summary.pending_appointments)),
        _section("accommodations", list(summary.accommodations)),
    ]
    if summary.notes:
        sections.append(_section("notes", [summary.notes]))
    return {
        "resourceType": "Composition",
        "identifier": {"system": transfer_system(), "value": str(summary.transfer_id)},
        "status": "final",
        "type": {
            "coding": [
                {
                    "system": "http://loinc.org",
                    "code": "18761-7",
                    "display": "Transfer summary note",
                }
            ]
        },
        "subject": {"reference": f"Patient/{patient_id}"},
        "date": _instant(now),
        "author": [{"display": author}],
        "title": "Medical transfer summary",
        "extension": [
            {
                "url": f"{services.fhir_base()}/StructureDefinition/fit-to-travel",
                "valueBoolean": summary.fit_to_travel,
            }
        ],
        "section": sections,
    }


def write_transfer_summary(
    *,
    actor: Actor,
    a_number: str,
    summary: TransferSummary,
    author: str,
    replaces: str | None = None,
) -> SummaryRef:
    """Store the summary as a Composition for the person's Patient (a new version of
    `replaces` when the transfer already has one). Clinicians only; joins the caller's
    unit of work; audited by the FHIR services."""
    authorize(actor, HealthPermission.WRITE, subject_type="Composition")
    now = utcnow()
    with unit_of_work():
        document = summary_document(summary, _patient(a_number), author, now)
        if replaces is not None:
            document["id"] = replaces
            stored, _ = services.update(
                actor=actor, resource_type="Composition", resource_id=replaces, document=document
            )
        else:
            stored, _ = services.create(actor=actor, resource_type="Composition", document=document)
    return SummaryRef(stored.id, stored.version, stored.last_updated)


def read_transfer_summary(*, actor: Actor, resource_id: str) -> dict[str, Any]:
    """The summary's document, for a clinician (an audited FHIR read)."""
    stored = services.read(actor=actor, resource_type="Composition", resource_id=resource_id)
    return jsontext.loads(stored.text or "{}")


def _active_hold(patient_id: str) -> Any:
    params = [
        ("patient", f"Patient/{patient_id}"),
        ("code", f"{flag_system()}|{MEDICAL_HOLD}"),
        ("status", "active"),
    ]
    found = matching("Flag", params, limit=1)
    return found[0] if found else None


def medical_hold(a_number: str) -> HoldRef | None:
    """The person's active medical hold, if any. A hold is an alert custody staff act on
    (STANDARDS: "medical hold"), not clinical content: no permission is checked and no
    read is audited; only its existence and start are returned."""
    patient_id = link.patient_id_of(a_number)
    stored = None if patient_id is None else _active_hold(patient_id)
    if stored is None:
        return None
    start = (jsontext.loads(stored.text or "{}").get("period") or {}).get("start")
    since = dt.datetime.fromisoformat(start.replace("Z", "+00:00")) if start else None
    return HoldRef(stored.id, True, since)


def set_medical_hold(*, actor: Actor, a_number: str, reason: str, author: str) -> HoldRef:
    """A clinician holds the person back from travel: an active Flag (the one already
    active when there is one). Joins the caller's unit of work."""
    authorize(actor, HealthPermission.WRITE, subject_type="Flag")
    with unit_of_work():
        patient_id = _patient(a_number)
        current = _active_hold(patient_id)
        if current is not None:
            return HoldRef(current.id, True, None)
        now = utcnow()
        document = {
            "resourceType": "Flag",
            "status": "active",
            "category": [
                {
                    "coding": [
                        {
                            "system": "http://terminology.hl7.org/CodeSystem/flag-category",
                            "code": "clinical",
                        }
                    ]
                }
            ],
            "code": {
                "coding": [
                    {"system": flag_system(), "code": MEDICAL_HOLD, "display": "Medical hold"}
                ],
                "text": reason,
            },
            "subject": {"reference": f"Patient/{patient_id}"},
            "period": {"start": _instant(now)},
            "author": {"display": author},
        }
        stored, _ = services.create(actor=actor, resource_type="Flag", document=document)
    return HoldRef(stored.id, True, now)


def lift_medical_hold(*, actor: Actor, a_number: str) -> HoldRef | None:
    """A clinician lifts the active hold (status inactive, period ended); None when
    there was none. Joins the caller's unit of work."""
    authorize(actor, HealthPermission.WRITE, subject_type="Flag")
    with unit_of_work():
        current = _active_hold(_patient(a_number))
        if current is None:
            return None
        document = jsontext.loads(current.text or "{}")
        document["status"] = "inactive"
        document["period"] = {**(document.get("period") or {}), "end": _instant(utcnow())}
        stored, _ = services.update(
            actor=actor, resource_type="Flag", resource_id=current.id, document=document
        )
    return HoldRef(stored.id, False, None)


__all__ = [
    "MEDICAL_HOLD",
    "HoldRef",
    "MedicationToContinue",
    "SummaryRef",
    "TransferSummary",
    "lift_medical_hold",
    "medical_hold",
    "read_transfer_summary",
    "set_medical_hold",
    "write_transfer_summary",
]
