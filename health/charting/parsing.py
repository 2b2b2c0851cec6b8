"""From a submitted charting form to the service's input: local times made aware in the
facility's zone, lines of text split into medications and allergies, code lists split."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from health.charting import questionnaires
from health.charting.forms import DentalForm, EncounterForm, IntakeForm, VitalsForm
from health.charting.inputs import (
    AllergyIn,
    EncounterIn,
    InterpreterIn,
    MedicationIn,
    ToothFindingIn,
    VitalsIn,
)

VITAL_FIELDS = (
    "systolic",
    "diastolic",
    "pulse",
    "temperature_f",
    "respiratory_rate",
    "spo2",
    "weight_lb",
    "height_in",
)


def aware(value: dt.datetime | None, zone: dt.tzinfo) -> dt.datetime | None:
    """A time typed in the facility's local time, as an aware time."""
    return None if value is None else value.replace(tzinfo=zone)


def local_now(zone: dt.tzinfo, minutes_ago: int = 0) -> dt.datetime:
    now = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=minutes_ago)
    return now.astimezone(zone).replace(tzinfo=None, second=0, microsecond=0)


def prefill(form: EncounterForm, zone: dt.tzinfo) -> None:
    """A new form starts half an hour ago and ends now, in local time."""
    if form.start.data is None:
        form.start.data = local_now(zone, 30)
    if form.end.data is None:
        form.end.data = local_now(zone)


def encounter_in(form: EncounterForm, patient_id: str, zone: dt.tzinfo) -> EncounterIn:
    return EncounterIn(
        patient_id=patient_id,
        start=aware(form.start.data, zone),
        end=aware(form.end.data, zone),
        interpreter=InterpreterIn(
            language=(form.interpreter_language.data or "").strip(),
            mode=form.interpreter_mode.data or "none",
            interpreter_id=(form.interpreter_id.data or "").strip(),
        ),
        refer_mental_health=bool(form.refer_mental_health.data),
    )


def vitals_in(form: VitalsForm) -> VitalsIn:
    return VitalsIn(**{name: getattr(form, name).data for name in VITAL_FIELDS})


def code_list(text: str | None) -> tuple[str, ...]:
    """Codes typed one after another, separated by commas, semicolons or lines."""
    parts = [p.strip() for p in re.split(r"[,;\n]", text or "")]
    return tuple(p for p in parts if p)


def _lines(text: str | None) -> list[list[str]]:
    return [
        [part.strip() for part in line.split(";")]
        for line in (text or "").splitlines()
        if line.strip()
    ]


def medications(text: str | None) -> tuple[MedicationIn, ...]:
    return tuple(MedicationIn(p[0], "; ".join(p[1:])) for p in _lines(text))


def allergies(text: str | None) -> tuple[AllergyIn, ...]:
    return tuple(AllergyIn(p[0], "; ".join(p[1:])) for p in _lines(text))


def screener(form: IntakeForm) -> dict[str, bool]:
    """The questions answered (yes or no); an unanswered one is left out."""
    answers = {}
    for key in questionnaires.SCREENER_ITEMS:
        value = getattr(form, "screen_" + key.replace("-", "_")).data
        if value in ("yes", "no"):
            answers[key] = value == "yes"
    return answers


def tooth_findings(form: DentalForm) -> tuple[ToothFindingIn, ...]:
    rows: list[Any] = [entry.form for entry in form.findings]
    return tuple(
        ToothFindingIn(row.tooth.data or "", row.finding.data or "")
        for row in rows
        if row.tooth.data or row.finding.data
    )


def phq9_answers(form: Any) -> dict[str, str]:
    return {
        item["linkId"]: getattr(form, "phq9_" + item["linkId"]).data or ""
        for item in questionnaires.phq9_items()
    }


# service error names that differ from the form's field names
ALIASES = {
    **{f"phq9_{i['linkId']}": f"phq9_{i['linkId']}" for i in questionnaires.phq9_items()},
}
