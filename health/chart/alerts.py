"""Clinicians set and end alerts as FHIR Flags (health.flags): a custody-visible one
(coded in `{FHIR_BASE}/CodeSystem/custody-alert`) or a clinical-only one, each with
its clinical reason, which custody never sees. Writes go through the FHIR services, so
they are checked (`health:record:write`, facility scope: the patient held at the
clinician's facility now) and audited like any FHIR write (`health:fhir:create`,
`health:fhir:update`), in one transaction each."""

from __future__ import annotations

from core.actor import Actor
from core.db import unit_of_work, utcnow
from core.errors import NotFound
from core.validation import FieldErrors
from health import flags
from health.fhir import jsontext, services
from health.fhir.store import instant

CLINICAL_ONLY = "clinical-only"
CHOICES = [*flags.CUSTODY_ALERTS.items(), (CLINICAL_ONLY, "Clinical only (not shown to custody)")]


def set_alert(*, actor: Actor, patient_id: str, code: str, reason: str) -> str:
    """A new active Flag for the patient; its id. `code` is a custody-alert code or
    `clinical-only`; `reason` (required) is the clinical reason."""
    errors = FieldErrors()
    code = errors.choice("code", code, [c for c, _ in CHOICES])
    reason = errors.text("reason", reason, max_length=500)
    errors.raise_if_any()
    concept: dict[str, object] = {"text": reason}
    if code != CLINICAL_ONLY:
        concept["coding"] = [
            {
                "system": flags.custody_alert_system(),
                "code": code,
                "display": flags.CUSTODY_ALERTS[code],
            }
        ]
    document = {
        "resourceType": "Flag",
        "status": "active",
        "code": concept,
        "subject": {"reference": f"Patient/{patient_id}"},
        "period": {"start": instant(utcnow())},
        "extension": [{"url": flags.reason_extension_url(), "valueString": reason}],
    }
    if actor.user_id is not None:
        document["author"] = {"display": actor.username}
    with unit_of_work():
        stored, _ = services.create(actor=actor, resource_type="Flag", document=document)
    return stored.id


def end_alert(*, actor: Actor, patient_id: str, flag_id: str) -> None:
    """The patient's Flag `flag_id` is no longer active (status inactive, period ended
    now). NotFound when it is not this patient's."""
    stored = services.read(actor=actor, resource_type="Flag", resource_id=flag_id)
    if stored.patient_id != patient_id:
        raise NotFound("This alert is not on this patient's chart.")
    document = jsontext.loads(stored.text or "{}")
    document.pop("meta", None)
    document["status"] = "inactive"
    document["period"] = {**(document.get("period") or {}), "end": instant(utcnow())}
    with unit_of_work():
        services.update(
            actor=actor,
            resource_type="Flag",
            resource_id=flag_id,
            document=document,
            if_match=stored.etag,
        )
