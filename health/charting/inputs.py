"""What the charting services take: frozen dataclasses of plain values (the pages, the
seed and the tests build them). Times are aware; codes are codes of `health.charting.codes`."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal


@dataclass(frozen=True)
class InterpreterIn:
    """The interpreter used: BCP-47 language, mode (`codes.INTERPRETER_MODES`), id."""

    language: str = ""
    mode: str = "none"
    interpreter_id: str = ""


@dataclass(frozen=True)
class EncounterIn:
    patient_id: str
    start: dt.datetime | None
    end: dt.datetime | None
    interpreter: InterpreterIn = InterpreterIn()
    refer_mental_health: bool = False  # also write a mental-health referral (ServiceRequest)


@dataclass(frozen=True)
class VitalsIn:
    systolic: int | None = None
    diastolic: int | None = None
    pulse: int | None = None
    temperature_f: Decimal | None = None
    respiratory_rate: int | None = None
    spo2: int | None = None
    weight_lb: Decimal | None = None
    height_in: Decimal | None = None


@dataclass(frozen=True)
class MedicationIn:
    name: str
    dosage: str = ""


@dataclass(frozen=True)
class AllergyIn:
    substance: str
    reaction: str = ""
    criticality: str = "unable-to-assess"  # low, high, unable-to-assess


@dataclass(frozen=True)
class IntakeScreeningIn:
    encounter: EncounterIn
    vitals: VitalsIn
    tb_symptoms: tuple[str, ...] = ()
    medications: tuple[MedicationIn, ...] = ()
    allergies: tuple[AllergyIn, ...] = ()
    no_known_allergies: bool = False
    conditions: tuple[str, ...] = ()  # ICD-10-CM codes
    pregnancy: str = ""  # SNOMED code of codes.PREGNANCY, "" when not asked
    disabilities: tuple[str, ...] = ()
    accommodations: tuple[str, ...] = ()
    withdrawal_risk: str = "none"
    withdrawal_substances: tuple[str, ...] = ()
    suicide_screen: dict[str, bool] = field(default_factory=dict)


@dataclass(frozen=True)
class AssessmentIn:
    encounter: EncounterIn
    vitals: VitalsIn
    history: str
    exam: str
    assessment: str
    plan: str
    conditions: tuple[str, ...] = ()


@dataclass(frozen=True)
class ToothFindingIn:
    tooth: str  # universal numbering: 1 to 32, A to T
    finding: str  # ICD-10-CM code of codes.DENTAL_FINDINGS


@dataclass(frozen=True)
class DentalIn:
    encounter: EncounterIn
    screening: bool  # True: the initial dental screening; False: a dental encounter
    findings: tuple[ToothFindingIn, ...]
    urgency: str  # codes.DENTAL_URGENCY
    note: str = ""


@dataclass(frozen=True)
class MentalHealthIn:
    encounter: EncounterIn
    phq9: dict[str, str]  # linkId → LOINC answer code
    difficulty: str = ""
    note: str = ""
    conditions: tuple[str, ...] = ()


@dataclass(frozen=True)
class SoapIn:
    encounter: EncounterIn
    subjective: str
    objective: str
    assessment: str
    plan: str


@dataclass(frozen=True)
class ProblemIn:
    patient_id: str
    code: str  # ICD-10-CM
    onset: dt.date | None = None


@dataclass(frozen=True)
class ImmunizationIn:
    patient_id: str
    cvx: str
    occurred: dt.datetime | None
    lot: str = ""
