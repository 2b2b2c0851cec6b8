"""Shared inputs for the charting tests: a booked person and filled-in forms."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from typing import Any

from core.db import utcnow
from health.charting.inputs import (
    AllergyIn,
    EncounterIn,
    IntakeScreeningIn,
    InterpreterIn,
    MedicationIn,
    VitalsIn,
)
from health.fhir import store

BASE = "https://custodia.dev/fhir"
ENCOUNTER_TYPE = f"{BASE}/CodeSystem/encounter-type"


def patient_id_of(a_number: str) -> str:
    from health.fhir.link import patient_id_of as find

    found = find(a_number)
    assert found is not None
    return found


def encounter_in(patient_id: str, **extra: Any) -> EncounterIn:
    end = utcnow() - dt.timedelta(minutes=5)
    return EncounterIn(
        patient_id=patient_id,
        start=end - dt.timedelta(minutes=30),
        end=end,
        interpreter=InterpreterIn(language="ht", mode="telephone", interpreter_id="LL-40211"),
        **extra,
    )


VITALS = VitalsIn(
    systolic=128,
    diastolic=82,
    pulse=76,
    temperature_f=Decimal("98.6"),
    respiratory_rate=16,
    spo2=98,
    weight_lb=Decimal("172"),
    height_in=Decimal("68"),
)


def intake_in(patient_id: str, **extra: Any) -> IntakeScreeningIn:
    values: dict[str, Any] = {
        "encounter": encounter_in(patient_id),
        "vitals": VITALS,
        "tb_symptoms": ("night-sweats",),
        "medications": (MedicationIn("Metformin 500 mg tablet", "1 tablet twice a day"),),
        "allergies": (AllergyIn("Penicillin", "Hives", "high"),),
        "conditions": ("E11.9", "I10"),
        "pregnancy": "",
        "disabilities": ("mobility",),
        "accommodations": ("lower-bunk",),
        "withdrawal_risk": "low",
        "withdrawal_substances": ("alcohol",),
        "suicide_screen": {
            "wished-dead": True,
            "better-off-dead": False,
            "thoughts": False,
            "attempt": False,
            "now": False,
        },
    }
    values.update(extra)
    return IntakeScreeningIn(**values)


def resources(resource_type: str, patient_id: str) -> list[dict]:
    """The current, live resources of a type in a patient's compartment."""
    import sqlalchemy as sa

    from core.db import db
    from health.fhir.models import FhirResource

    rows = db.session.scalars(
        sa.select(FhirResource.resource).where(
            FhirResource.resource_type == resource_type,
            FhirResource.patient_id == patient_id,
            FhirResource.is_deleted.is_(False),
        )
    ).all()
    return [row if isinstance(row, dict) else json.loads(row) for row in rows]


def codes_of(document: dict, element: str = "code") -> set[tuple[str, str]]:
    return {(c["system"], c["code"]) for c in document[element]["coding"]}


def current(resource_type: str, resource_id: str) -> dict:
    found = store.current(resource_type, resource_id)
    assert found is not None and found.text is not None
    return json.loads(found.text)
