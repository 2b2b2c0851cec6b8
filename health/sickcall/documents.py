"""The FHIR R4 resources a sick call is made of, as JSON documents (validated by the
store when written). Pure functions: no database, no permission.

- the request: a ServiceRequest, code `sick-call` ({base}/CodeSystem/encounter-type),
  status active, intent order, authoredOn = when received, requester the Patient (the
  person asks; staff write it down), the complaint as a note in the person's words with
  its language (the standard `language` extension on the note's text), how it arrived
  and who recorded it as extensions;
- the triage: an Encounter of type `sick-call-triage`, finished, basedOn the request,
  the clinician as participant, the interpreter used and the disposition as
  extensions; the request gets its priority (and is completed unless a visit follows);
- the visit: an Encounter of type `sick-call-visit`, finished, basedOn the request, and
  a SOAP note of that encounter (DocumentReference, LOINC 11506-3 Progress note, its
  text markdown with a heading per part); the request is completed.
"""

from __future__ import annotations

import base64
import datetime as dt
from typing import Any

from health.fhir.store import instant
from health.sickcall import vocabulary as v

Document = dict[str, Any]


def practitioner(*, username: str, full_name: str) -> Document:
    """The staff member as a Practitioner, identified by their user name."""
    return {
        "resourceType": "Practitioner",
        "identifier": [{"system": user_system(), "value": username}],
        "active": True,
        "name": [{"text": full_name or username}],
    }


def user_system() -> str:
    return f"{v.fhir_base()}/sid/user"


def _ref(reference: str, display: str | None = None) -> dict[str, str]:
    return {"reference": reference, **({"display": display} if display else {})}


def _coded(system_name: str, code: str, label: str) -> dict[str, Any]:
    return {"coding": [{"system": v.code_system(system_name), "code": code, "display": label}]}


def complaint_note(*, text: str, language: str, patient: str, at: dt.datetime) -> Document:
    """The complaint in the person's own words, with the language they used."""
    language_ext = {"url": v.LANGUAGE_EXTENSION, "valueCode": language}
    return {
        "authorReference": _ref(patient),
        "time": instant(at),
        "text": text,
        "_text": {"extension": [language_ext]},
    }


def sick_call_request(
    *,
    patient: str,
    recorder: str,
    complaint: str,
    language: str,
    channel: str,
    received_at: dt.datetime,
) -> Document:
    return {
        "resourceType": "ServiceRequest",
        "extension": [
            {
                "url": v.extension_url("sick-call-channel"),
                "valueCoding": {
                    "system": v.code_system("sick-call-channel"),
                    "code": channel,
                    "display": v.CHANNELS[channel],
                },
            },
            {"url": v.extension_url("recorded-by"), "valueReference": _ref(recorder)},
        ],
        "status": "active",
        "intent": "order",
        "code": {"coding": [v.coding(v.SICK_CALL)], "text": v.CODE_DISPLAY[v.SICK_CALL]},
        "priority": "routine",
        "subject": _ref(patient),
        "authoredOn": instant(received_at),
        "requester": _ref(patient),
        "note": [
            complaint_note(text=complaint, language=language, patient=patient, at=received_at)
        ],
    }


def interpreter_extension(*, language: str, mode: str, interpreter_id: str) -> Document:
    """{base}/StructureDefinition/interpreter: language, mode and interpreter id."""
    parts: list[Document] = [
        {"url": "language", "valueCode": language},
        {
            "url": "mode",
            "valueCoding": {
                "system": v.code_system("interpreter-mode"),
                "code": mode,
                "display": v.INTERPRETER_MODES[mode],
            },
        },
    ]
    if interpreter_id:
        parts.append({"url": "interpreterId", "valueString": interpreter_id})
    return {"url": v.extension_url("interpreter"), "extension": parts}


def encounter(
    *,
    kind: str,
    patient: str,
    request: str,
    clinician: str,
    start: dt.datetime,
    end: dt.datetime,
    priority: str,
    interpreter: Document,
    extra: tuple[Document, ...] = (),
) -> Document:
    """A finished Encounter of `kind` (sick-call-triage or sick-call-visit)."""
    act = v.ACT_PRIORITY[priority]
    return {
        "resourceType": "Encounter",
        "extension": [interpreter, *extra],
        "status": "finished",
        "class": {"system": v.ACT_CODE_SYSTEM, "code": "AMB", "display": "ambulatory"},
        "type": [{"coding": [v.coding(kind)], "text": v.CODE_DISPLAY[kind]}],
        "priority": {"coding": [{"system": v.ACT_PRIORITY_SYSTEM, "code": act}]},
        "subject": _ref(patient),
        "basedOn": [_ref(request)],
        "participant": [
            {
                "type": [
                    {
                        "coding": [
                            {
                                "system": "http://terminology.hl7.org/CodeSystem/v3-ParticipationType",
                                "code": "PPRF",
                                "display": "primary performer",
                            }
                        ]
                    }
                ],
                "individual": _ref(clinician),
            }
        ],
        "period": {"start": instant(start), "end": instant(end)},
    }


def disposition_extension(disposition: str, referred_to: str) -> Document:
    concept = _coded("sick-call-disposition", disposition, v.DISPOSITIONS[disposition])
    if referred_to:
        concept["text"] = f"Referred to {referred_to}"
    return {"url": v.extension_url("sick-call-disposition"), "valueCodeableConcept": concept}


def triaged_request(
    document: Document,
    *,
    priority: str,
    disposition: str,
    note: str,
    clinician: str,
    at: dt.datetime,
) -> Document:
    """The request after triage: its priority, the triage note, and completed unless a
    visit is to follow."""
    updated = {k: val for k, val in document.items() if k != "meta"}
    updated["priority"] = priority
    if disposition != v.SCHEDULE_VISIT:
        updated["status"] = "completed"
    if note:
        entry = {"authorReference": _ref(clinician), "time": instant(at), "text": note}
        updated["note"] = [*document.get("note", []), entry]
    return updated


def completed_request(document: Document) -> Document:
    updated = {k: val for k, val in document.items() if k != "meta"}
    updated["status"] = "completed"
    return updated


def soap_markdown(sections: dict[str, str]) -> str:
    """The SOAP note as markdown: one `## Title` heading per part that was written."""
    parts = [
        f"## {title}\n\n{sections[name].strip()}"
        for name, _loinc, title in v.SOAP_SECTIONS
        if sections.get(name, "").strip()
    ]
    return "\n\n".join(parts) + "\n"


def soap_sections(markdown: str) -> dict[str, str]:
    """The parts of a note written by `soap_markdown` (anything else: all under "note")."""
    titles = {f"## {title}": name for name, _loinc, title in v.SOAP_SECTIONS}
    found: dict[str, list[str]] = {}
    current = "note"
    for line in markdown.splitlines():
        if line.strip() in titles:
            current = titles[line.strip()]
            continue
        found.setdefault(current, []).append(line)
    return {
        name: "\n".join(lines).strip() for name, lines in found.items() if "".join(lines).strip()
    }


def soap_note(
    *,
    patient: str,
    encounter_ref: str,
    clinician: str,
    at: dt.datetime,
    sections: dict[str, str],
) -> Document:
    """The visit's SOAP note: a DocumentReference (LOINC 11506-3 Progress note) of the
    visit Encounter, its text a markdown attachment with one heading per part."""
    code, display = v.NOTE_TYPE
    text = soap_markdown(sections)
    return {
        "resourceType": "DocumentReference",
        "status": "current",
        "docStatus": "final",
        "type": {"coding": [{"system": v.LOINC, "code": code, "display": display}]},
        "category": [{"coding": [v.coding(v.VISIT)]}],
        "subject": _ref(patient),
        "date": instant(at),
        "author": [_ref(clinician)],
        "description": "Sick-call visit note (SOAP)",
        "content": [
            {
                "attachment": {
                    "contentType": "text/markdown; charset=utf-8",
                    "data": base64.b64encode(text.encode()).decode("ascii"),
                    "title": "Sick-call visit note",
                    "creation": instant(at),
                }
            }
        ],
        "context": {
            "encounter": [_ref(encounter_ref)],
            "period": {"start": instant(at), "end": instant(at)},
        },
    }


def note_text(document: Document) -> str:
    """The text of a note written by `soap_note` ("" when it has none we can read)."""
    for content in document.get("content") or ():
        attachment = content.get("attachment") or {}
        if str(attachment.get("contentType", "")).startswith(("text/markdown", "text/plain")):
            try:
                return base64.b64decode(attachment.get("data", "")).decode()
            except (ValueError, UnicodeDecodeError):
                return ""
    return ""
