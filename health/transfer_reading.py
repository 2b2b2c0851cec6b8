"""Reading what travels with a person on transfer (issue 15: the medical summary and
the transfer packet), for custody staff as well as clinicians.

Custody hands plain values (the A-number, the summary's id and the transfer's id it
keeps on the transfer row); health answers plain dataclasses and the FHIR Bundle the
document was made from. Only what travels is returned: the summary's sections,
medications with last and next dose, allergies, accommodations, fit to travel, the
medical hold's existence. Never the chart, and never a resource labelled restricted
(mental-health content does not travel in a packet, whoever prints it).

Guarded by `health:transfer-summary:read`; each read is audited as
`health:transfer-summary:read` naming the Patient. Facility scope is the caller's
business: a transfer is visible to both its facilities (custody checks that before it
calls), and the summary may only be found through the transfer it names (its
identifier must carry that transfer's id and its subject must be the person's Patient).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from html.parser import HTMLParser
from typing import Any

from core.access import authorize
from core.actor import Actor
from core.db import reading, utcnow
from health.audit_tags import HealthAuditTag, HealthSubject
from health.exports.bundle import collection
from health.fhir import jsontext, link, services, store
from health.fhir.store import Stored
from health.permissions import HealthPermission
from health.transfers import SECTIONS, HoldRef, medical_hold, transfer_system


@dataclass(frozen=True)
class SummarySection:
    """One section of the summary as written: its code, title and lines of text."""

    code: str
    title: str
    lines: tuple[str, ...]


@dataclass(frozen=True)
class TravellingMedication:
    """A medication to continue: drug, dose, directions, last given and next due."""

    drug: str
    dose: str
    directions: str
    last_given_at: dt.datetime | None
    next_due_at: dt.datetime | None


@dataclass(frozen=True)
class TravellingSummary:
    """What a receiving facility needs of the person's health, and nothing more.

    `summary_id` is None when no summary is on file (or it cannot travel); `bundle` is
    the FHIR R4 Bundle (collection) of what was read: the Composition and its Patient."""

    summary_id: str | None
    version: int | None
    written_at: dt.datetime | None
    author: str
    fit_to_travel: bool | None
    sections: tuple[SummarySection, ...]
    medications: tuple[TravellingMedication, ...]
    allergies: tuple[str, ...]
    accommodations: tuple[str, ...]
    hold: HoldRef | None
    bundle: dict[str, Any]


class _Items(HTMLParser):
    """The text of each `<li>` of a section's narrative (entities decoded)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.items: list[str] = []
        self._open = False

    def handle_starttag(self, tag: str, attrs: Any) -> None:
        if tag == "li":
            self._open = True
            self.items.append("")

    def handle_endtag(self, tag: str) -> None:
        if tag == "li":
            self._open = False

    def handle_data(self, data: str) -> None:
        if self._open:
            self.items[-1] += data


def _lines(section: dict[str, Any]) -> tuple[str, ...]:
    parser = _Items()
    parser.feed(((section.get("text") or {}).get("div")) or "")
    found = tuple(item.strip() for item in parser.items if item.strip())
    return () if found == ("None recorded.",) else found


def _code(section: dict[str, Any]) -> str:
    codings = (section.get("code") or {}).get("coding") or [{}]
    return str(codings[0].get("code") or "")


def _when(value: str | None) -> dt.datetime | None:
    return dt.datetime.fromisoformat(value.replace("Z", "+00:00")) if value else None


def _medications(section: dict[str, Any]) -> tuple[TravellingMedication, ...]:
    found = []
    for extension in section.get("extension") or ():
        parts = {part.get("url"): part for part in extension.get("extension") or ()}

        def text(name: str, parts: dict[str, Any] = parts) -> str:
            return str((parts.get(name) or {}).get("valueString") or "")

        def time(name: str, parts: dict[str, Any] = parts) -> dt.datetime | None:
            return _when((parts.get(name) or {}).get("valueDateTime"))

        found.append(
            TravellingMedication(
                text("drug"), text("dose"), text("directions"), time("lastGiven"), time("nextDue")
            )
        )
    return tuple(found)


def _fit(document: dict[str, Any]) -> bool | None:
    for extension in document.get("extension") or ():
        if str(extension.get("url", "")).endswith("/StructureDefinition/fit-to-travel"):
            return bool(extension.get("valueBoolean"))
    return None


def _belongs(document: dict[str, Any], patient_id: str, transfer_id: int) -> bool:
    """The Composition is this person's summary for this transfer."""
    identifiers = document.get("identifier") or {}
    if isinstance(identifiers, dict):
        identifiers = [identifiers]
    named = any(
        i.get("system") == transfer_system() and i.get("value") == str(transfer_id)
        for i in identifiers
    )
    subject = (document.get("subject") or {}).get("reference")
    return named and subject == f"Patient/{patient_id}"


def _bundle(items: list[Stored]) -> dict[str, Any]:
    documents = [jsontext.loads(item.text or "{}") for item in items]
    return collection(documents, timestamp=store.instant(utcnow()))


def _travelling(stored: Stored | None) -> Stored | None:
    """What may travel: current, not deleted, never restricted."""
    if stored is None or stored.is_deleted or stored.is_restricted or not stored.text:
        return None
    return stored


def travelling_summary(
    *, actor: Actor, a_number: str, transfer_id: int, summary_id: str | None
) -> TravellingSummary:
    """The transfer's medical summary as it travels (see the module's docstring). One
    audit entry `health:transfer-summary:read` naming the Patient."""
    patient_id = link.patient_id_of(a_number)
    authorize(
        actor,
        HealthPermission.TRANSFER_SUMMARY_READ,
        subject_type=HealthSubject.PATIENT,
        subject_id=patient_id,
    )
    with reading() as connection:
        patient = composition = None
        if patient_id is not None:
            patient = _travelling(store.current("Patient", patient_id, connection=connection))
        if patient_id is not None and summary_id is not None:
            composition = _travelling(
                store.current("Composition", summary_id, connection=connection)
            )
        document = jsontext.loads(composition.text or "{}") if composition else {}
        if composition and patient_id and not _belongs(document, patient_id, transfer_id):
            composition, document = None, {}
        read = [item for item in (composition, patient) if item is not None]
        services.audit_access(
            actor,
            HealthAuditTag.TRANSFER_SUMMARY_READ,
            read,
            default=HealthSubject.PATIENT,
            connection=connection,
        )
    return _summary(composition, document, read, a_number)


def _summary(
    composition: Stored | None, document: dict[str, Any], read: list[Stored], a_number: str
) -> TravellingSummary:
    sections = tuple(
        SummarySection(_code(s), str(s.get("title") or SECTIONS.get(_code(s), "")), _lines(s))
        for s in document.get("section") or ()
    )
    by_code = {section.code: section for section in sections}
    medications = next(
        (_medications(s) for s in document.get("section") or () if _code(s) == "medications"),
        (),
    )
    authors = document.get("author") or [{}]
    return TravellingSummary(
        summary_id=composition.id if composition else None,
        version=composition.version if composition else None,
        written_at=_when(document.get("date")),
        author=str(authors[0].get("display") or ""),
        fit_to_travel=_fit(document) if composition else None,
        sections=sections,
        medications=medications,
        allergies=by_code["allergies"].lines if "allergies" in by_code else (),
        accommodations=by_code["accommodations"].lines if "accommodations" in by_code else (),
        hold=medical_hold(a_number),
        bundle=_bundle(read),
    )


__all__ = ["SummarySection", "TravellingMedication", "TravellingSummary", "travelling_summary"]
