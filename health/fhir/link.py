"""The custody link's path: what `health.patients` (permission `health:patient:link`)
writes, and only that — a facility's Organization and Location (ids `facility-…`) and
the Patient of an A-number (created, or its managing organization moved).

These functions check the actor holds the link permission (never
health:record:write) and write no audit entry of their own (the link audits under its
tag). Restricted labels and facility scope do not apply: nothing stored is handed out
but the Patient's id, and a booking is what opens a Patient's stay.
"""

from __future__ import annotations

from typing import Any

from core.access import authorize, denial
from core.actor import Actor
from core.db import unit_of_work
from health.fhir import incoming, jsontext, store, writes
from health.fhir.services import a_number_condition, moved_document, patient_document, single_match
from health.fhir.store import Stored
from health.permissions import HealthPermission

LINK_PLACE_TYPES = ("Organization", "Location")
FACILITY_ID_PREFIX = "facility-"


def _check_link(actor: Actor, resource_type: object, resource_id: object = None) -> None:
    authorize(
        actor,
        HealthPermission.PATIENT_LINK,
        subject_type=str(resource_type),
        subject_id=resource_id,
    )


def link_place(*, actor: Actor, document: dict[str, Any]) -> Stored | None:
    """Write a facility's Organization or Location (id `facility-…`) unless the stored
    one is the same (a deleted one is written again); the new version, None when
    nothing changed. Any other type or id is refused (Forbidden)."""
    resource_type, resource_id = document.get("resourceType"), document.get("id")
    _check_link(actor, resource_type, resource_id)
    if resource_type not in LINK_PLACE_TYPES or not str(resource_id).startswith(FACILITY_ID_PREFIX):
        raise denial(actor, HealthPermission.PATIENT_LINK, str(resource_type), resource_id)
    rtype, rid = str(resource_type), str(resource_id)
    with unit_of_work():
        current = store.current(rtype, rid)  # compared, not locked: unchanged is usual
        if current is not None and current.text is not None:
            stored_document = jsontext.loads(current.text)
            stored_document.pop("meta", None)
            if stored_document == document:
                return None
        (stored,) = writes.write_many([incoming.pending_update(rtype, rid, document, None)])
    return stored


def patient_id_of(a_number: str) -> str | None:
    """The id of the Patient with this A-number, if any (for the custody link)."""
    found = single_match("Patient", a_number_condition(a_number))
    return None if found is None else found.id


def link_patient(
    *,
    actor: Actor,
    a_number: str,
    family_name: str,
    given_name: str,
    birth_date: str,
    gender: str,
    organization_ref: str,
    languages: tuple[tuple[str, bool], ...] = (),
) -> tuple[str, Stored | None]:
    """The id of the Patient with this A-number (never duplicated), created when missing,
    its managing organization moved to `organization_ref` when different; and the
    version written (None when nothing changed)."""
    _check_link(actor, "Patient")
    with unit_of_work():
        found = single_match("Patient", a_number_condition(a_number))
        if found is None:
            document = patient_document(
                a_number=a_number,
                family_name=family_name,
                given_name=given_name,
                birth_date=birth_date,
                gender=gender,
                organization_ref=organization_ref,
            )
            (stored,) = writes.write_many(
                [incoming.pending_create("Patient", with_languages(document, languages))]
            )
            return stored.id, stored
        moved = moved_document(found, organization_ref)
        if languages:
            current = moved or jsontext.loads(found.text or "{}")
            spoken = with_languages(dict(current), languages)
            if spoken != current:
                moved = spoken
                moved.pop("meta", None)
        if moved is None:
            return found.id, None
        (stored,) = writes.write_many([incoming.pending_update("Patient", found.id, moved, None)])
    return found.id, stored


INTERPRETER_REQUIRED = "http://hl7.org/fhir/StructureDefinition/patient-interpreterRequired"
LANGUAGE_SYSTEM = "urn:ietf:bcp:47"


def with_languages(
    document: dict[str, Any], languages: tuple[tuple[str, bool], ...]
) -> dict[str, Any]:
    """The Patient speaking `languages` ((code, interpreter needed), preferred first):
    `communication` and the interpreter-required extension (custody's record of the
    person's languages is the source). Nothing changes without languages."""
    if not languages:
        return document
    document["communication"] = [
        {
            "language": {"coding": [{"system": LANGUAGE_SYSTEM, "code": code}]},
            **({"preferred": True} if position == 0 else {}),
        }
        for position, (code, _) in enumerate(languages)
    ]
    others = [
        ext
        for ext in document.get("extension") or ()
        if not (isinstance(ext, dict) and ext.get("url") == INTERPRETER_REQUIRED)
    ]
    needed = any(interpreter for _, interpreter in languages)
    document["extension"] = [*others, {"url": INTERPRETER_REQUIRED, "valueBoolean": needed}]
    return document
