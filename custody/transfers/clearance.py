"""Medical clearance of a transfer: the clinician's medical transfer summary and the
medical hold, both FHIR resources written through health's interface
(`health.transfers`). Custody keeps the summary's id, its time and author and whether
the person is fit to travel; never its content."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

from core import audit
from core.actor import Actor
from core.db import unit_of_work, utcnow
from core.validation import FieldErrors
from custody.audit_tags import CustodyAuditTag
from custody.transfers.models import Transfer, TransferStatus
from custody.transfers.services import SUBJECT, get_transfer, lock, refuse, writable_transfer
from health import transfers as health
from health.permissions import HealthPermission

MAX_LINES = 30
EDITABLE = (TransferStatus.REQUESTED, TransferStatus.APPROVED)


def _lines(errors: FieldErrors, name: str, values: Sequence[str] | None) -> tuple[str, ...]:
    items = [v.strip() for v in (values or ()) if isinstance(v, str) and v.strip()]
    if len(items) > MAX_LINES:
        errors.add(name, f"Give at most {MAX_LINES} lines.")
    for item in items:
        if len(item) > 500:
            errors.add(name, "Use at most 500 characters per line.")
            break
    return tuple(items)


def _medications(
    errors: FieldErrors, rows: Sequence[Mapping[str, Any]] | None
) -> tuple[health.MedicationToContinue, ...]:
    """Each medication's drug, dose and directions are required; times aware."""
    found = []
    for number, row in enumerate(rows or (), start=1):
        line = FieldErrors()
        drug = line.text("drug", row.get("drug"), max_length=200)
        dose = line.text("dose", row.get("dose"), max_length=100)
        directions = line.text("directions", row.get("directions"), max_length=500)
        last = line.time("last_given_at", row.get("last_given_at"), required=False)
        due = line.time("next_due_at", row.get("next_due_at"), required=False, not_future=False)
        for field, messages in line.as_dict().items():
            errors.add("medications", f"Line {number}, {field}: {messages[0]}")
        if not line:
            found.append(health.MedicationToContinue(drug, dose, directions, last, due))
    if len(found) > MAX_LINES:
        errors.add("medications", f"Give at most {MAX_LINES} medications.")
    return tuple(found)


def record_medical_summary(
    *,
    actor: Actor,
    transfer_id: int,
    fit_to_travel: bool | None,
    active_problems: Sequence[str] | None = None,
    allergies: Sequence[str] | None = None,
    medications: Sequence[Mapping[str, Any]] | None = None,
    tb_status: str | None = None,
    pending_appointments: Sequence[str] | None = None,
    accommodations: Sequence[str] | None = None,
    notes: str | None = None,
) -> Transfer:
    """A clinician of the sending facility writes (or rewrites) the summary before
    departure: a FHIR Composition for the person's Patient carrying the transfer id.
    `medications` rows: drug, dose, directions, last_given_at, next_due_at."""
    transfer = writable_transfer(actor, transfer_id, HealthPermission.WRITE)
    errors = FieldErrors()
    fit = errors.boolean("fit_to_travel", fit_to_travel)
    summary = health.TransferSummary(
        transfer_id=transfer.id,
        fit_to_travel=bool(fit),
        active_problems=_lines(errors, "active_problems", active_problems),
        allergies=_lines(errors, "allergies", allergies),
        medications=_medications(errors, medications),
        tb_status=errors.text("tb_status", tb_status, max_length=200, required=False),
        pending_appointments=_lines(errors, "pending_appointments", pending_appointments),
        accommodations=_lines(errors, "accommodations", accommodations),
        notes=errors.text("notes", notes, max_length=4000, required=False),
    )
    errors.raise_if_any()
    with unit_of_work() as session:
        transfer = lock(session, transfer)
        if transfer.status not in EDITABLE:
            raise refuse(transfer, "change the medical summary")
        written = health.write_transfer_summary(
            actor=actor,
            a_number=transfer.booking.detainee.a_number,
            summary=summary,
            author=actor.username,
            replaces=transfer.summary_resource_id,
        )
        transfer.summary_resource_id, transfer.summary_at = written.id, written.written_at
        transfer.summary_by_id, transfer.is_fit_to_travel = actor.user_id, summary.fit_to_travel
        audit.record(
            actor=actor,
            tag=CustodyAuditTag.TRANSFER_SUMMARY,
            subject_type=SUBJECT,
            subject_id=transfer.id,
            changed_fields=["summary_resource_id", "is_fit_to_travel"],
            facility_id=transfer.from_facility_id,
        )
        return transfer


def summary_document(*, actor: Actor, transfer_id: int) -> dict[str, Any] | None:
    """The summary's FHIR document for a clinician (an audited read), None if none."""
    transfer = get_transfer(actor=actor, transfer_id=transfer_id)
    if transfer.summary_resource_id is None:
        return None
    return health.read_transfer_summary(actor=actor, resource_id=transfer.summary_resource_id)


def set_medical_hold(*, actor: Actor, transfer_id: int, reason: str) -> health.HoldRef:
    """A clinician holds the person back (a FHIR Flag `medical-hold`, active)."""
    transfer = writable_transfer(actor, transfer_id, HealthPermission.WRITE)
    errors = FieldErrors()
    reason = errors.text("reason", reason, max_length=500)
    errors.raise_if_any()
    with unit_of_work() as session:
        transfer = lock(session, transfer)
        if transfer.status not in EDITABLE:
            raise refuse(transfer, "set a medical hold")
        hold = health.set_medical_hold(
            actor=actor,
            a_number=transfer.booking.detainee.a_number,
            reason=reason,
            author=actor.username,
        )
        _audit_hold(actor, transfer, "set")
        return hold


def lift_medical_hold(*, actor: Actor, transfer_id: int) -> health.HoldRef | None:
    """A clinician lifts the hold (the Flag becomes inactive); None when there was none."""
    transfer = writable_transfer(actor, transfer_id, HealthPermission.WRITE)
    with unit_of_work() as session:
        transfer = lock(session, transfer)
        lifted = health.lift_medical_hold(actor=actor, a_number=transfer.booking.detainee.a_number)
        if lifted is not None:
            _audit_hold(actor, transfer, "lifted")
        return lifted


def _audit_hold(actor: Actor, transfer: Transfer, what: str) -> None:
    audit.record(
        actor=actor,
        tag=CustodyAuditTag.TRANSFER_HOLD,
        subject_type=SUBJECT,
        subject_id=transfer.id,
        changed_fields=[f"medical_hold_{what}"],
        facility_id=transfer.from_facility_id,
    )


def hold_since(transfer: Transfer) -> dt.datetime | None:
    """When the person's active medical hold started (None: no active hold)."""
    hold = health.medical_hold(transfer.booking.detainee.a_number)
    return None if hold is None else (hold.since or utcnow())
