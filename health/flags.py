"""Alerts as FHIR Flags, and the split between what custody sees and what stays clinical.

A clinician records an alert as a `Flag` of the patient. A Flag whose `code` carries a
code of `{FHIR_BASE}/CodeSystem/custody-alert` is **custody-visible**: officers act on
it (a lower bunk, an accessible bed, suicide watch, medical isolation or housing, a
medical hold that stops a transfer, a special diet). Every other Flag is
**clinical-only**. The clinical reason a clinician gives is kept on the Flag (the
`{FHIR_BASE}/StructureDefinition/flag-reason` extension, and `code.text`): custody is
only ever given the label of the custody-alert code (`custody_flags`), never the text,
the reason, the author or the encounter.

A Flag counts while its `status` is `active` and its `period` (when given) has not
ended. A restricted Flag (security label) is never shown to custody.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from core.db import db, utcnow
from health.fhir import jsontext
from health.fhir.models import FhirResource, TokenIndex
from health.fhir.services import fhir_base

# code → the label custody staff see (the codes match custody's alert kinds)
CUSTODY_ALERTS = {
    "lower-bunk": "Lower bunk",
    "accessible-bed": "Accessible bed",
    "suicide-watch": "Suicide watch",
    "medical-isolation": "Medical isolation",
    "medical-housing": "Medical housing",
    "medical-hold": "Medical hold",
    "diet": "Special diet",
}


def custody_alert_system() -> str:
    return f"{fhir_base()}/CodeSystem/custody-alert"


def reason_extension_url() -> str:
    return f"{fhir_base()}/StructureDefinition/flag-reason"


@dataclass(frozen=True)
class CustodyFlag:
    """What custody may know of an alert: its code and label, and since when."""

    code: str
    label: str
    since: dt.datetime | None = None


def custody_code(flag: dict[str, Any]) -> str | None:
    """The custody-alert code of a Flag; None for a clinical-only one. A code
    `medical-hold` in any code system under our base counts too (transfers' holds)."""
    base = fhir_base()
    concept = flag.get("code")
    for coding in (concept or {}).get("coding") or () if isinstance(concept, dict) else ():
        if not isinstance(coding, dict):
            continue
        code, system = coding.get("code"), str(coding.get("system") or "")
        if code in CUSTODY_ALERTS and system == custody_alert_system():
            return str(code)
        if code == "medical-hold" and system.startswith(base):
            return "medical-hold"
    return None


def is_active(flag: dict[str, Any], now: dt.datetime | None = None) -> bool:
    if flag.get("status") != "active":
        return False
    period = _period(flag)
    end = _instant(period.get("end"))
    return end is None or end > (now or utcnow())


def reason_of(flag: dict[str, Any]) -> str | None:
    """The clinical reason (clinicians only)."""
    for extension in flag.get("extension") or ():
        if isinstance(extension, dict) and extension.get("url") == reason_extension_url():
            value = extension.get("valueString")
            if isinstance(value, str) and value:
                return value
    concept = flag.get("code")
    text = concept.get("text") if isinstance(concept, dict) else None
    return text if isinstance(text, str) and text else None


def since_of(flag: dict[str, Any]) -> dt.datetime | None:
    return _instant(_period(flag).get("start"))


def _period(flag: dict[str, Any]) -> dict[str, Any]:
    period = flag.get("period")
    return period if isinstance(period, dict) else {}


def custody_flags(patient_id: str) -> list[CustodyFlag]:
    """The patient's active custody-visible alerts, one per code, by label: codes and
    labels only. Reads in the open unit of work, if any; no permission, no audit (not
    clinical content: custody's interface, `health.patients.custody_alerts`)."""
    return custody_flags_of([patient_id]).get(patient_id, [])


def custody_flags_of(patient_ids: Collection[str]) -> dict[str, list[CustodyFlag]]:
    """`custody_flags` of many patients in one query (those with none are absent)."""
    if not patient_ids:
        return {}
    rows = db.session.execute(
        sa.select(FhirResource.patient_id, sa.cast(FhirResource.resource, sa.Text)).where(
            FhirResource.resource_type == "Flag",
            FhirResource.patient_id.in_(sorted(set(patient_ids))),
            FhirResource.is_deleted.is_(False),
            FhirResource.is_restricted.is_(False),
        )
    )
    found: dict[str, dict[str, CustodyFlag]] = {}
    now = utcnow()
    for patient_id, text in rows:
        flag = jsontext.loads(text)
        code = custody_code(flag)
        mine = found.setdefault(str(patient_id), {})
        if code is None or not is_active(flag, now) or code in mine:
            continue
        mine[code] = CustodyFlag(code=code, label=CUSTODY_ALERTS[code], since=since_of(flag))
    return {
        pid: sorted(mine.values(), key=lambda item: item.label)
        for pid, mine in found.items()
        if mine
    }


def patients_by_a_number(a_numbers: Collection[str], system: str) -> dict[str, str]:
    """A-number → live Patient id, from the identifier index, in one query."""
    if not a_numbers:
        return {}
    rows = db.session.execute(
        sa.select(TokenIndex.code, TokenIndex.resource_id)
        .join(
            FhirResource,
            sa.and_(
                FhirResource.resource_type == TokenIndex.resource_type,
                FhirResource.id == TokenIndex.resource_id,
            ),
        )
        .where(
            TokenIndex.resource_type == "Patient",
            TokenIndex.param == "identifier",
            TokenIndex.system == system,
            TokenIndex.code.in_(sorted(set(a_numbers))),
            FhirResource.is_deleted.is_(False),
        )
    )
    return {a_number: patient_id for a_number, patient_id in rows}


def _instant(value: Any) -> dt.datetime | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        parsed = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        try:
            parsed = dt.datetime.fromisoformat(value[:10])
        except ValueError:
            return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.UTC)
