"""Forms for the reference-data pages (facilities, housing units, beds)."""

from __future__ import annotations

import re

from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length

from core.forms import choices
from custody.facilities.models import FacilityType, Sex, UnitKind

FACILITY_TYPES = {
    FacilityType.SPC: "Service processing center",
    FacilityType.CDF: "Contract detention facility",
    FacilityType.IGSA: "Intergovernmental service agreement",
    FacilityType.DIGSA: "Dedicated IGSA",
    FacilityType.USMS_IGA: "U.S. Marshals intergovernmental agreement",
    FacilityType.FAMILY: "Family residential center",
    FacilityType.HOLD: "Hold room / staging",
}
SEXES = {Sex.MALE: "Male", Sex.FEMALE: "Female", Sex.ANY: "Any (decided case by case)"}
KINDS = {
    UnitKind.GENERAL: "General population",
    UnitKind.RESTRICTIVE: "Restrictive housing",
    UnitKind.MEDICAL: "Medical",
    UnitKind.ISOLATION: "Isolation",
    UnitKind.INTAKE: "Intake holding",
}
LEVELS = {"1": "Level 1 (lowest risk)", "2": "Level 2", "3": "Level 3 (highest risk)"}
MAX_BEDS_AT_ONCE = 500
_RANGE = re.compile(r"^(?P<prefix>.*?)(?P<first>\d+)\s*\.\.\s*(?P=prefix)?(?P<last>\d+)$")


class FacilityForm(FlaskForm):
    code = StringField(
        "Code",
        validators=[DataRequired(), Length(max=16)],
        description="3–16 capital letters or digits; it cannot be changed later.",
    )
    name = StringField("Name", validators=[DataRequired(), Length(max=200)])
    address_line = StringField("Street address", validators=[DataRequired(), Length(max=200)])
    city = StringField("City", validators=[DataRequired(), Length(max=100)])
    state = StringField(
        "State", validators=[DataRequired(), Length(max=2)], description="Two letters, e.g. TX."
    )
    postal_code = StringField("ZIP code", validators=[DataRequired(), Length(max=10)])
    phone = StringField("Phone", validators=[DataRequired(), Length(max=20)])
    field_office = SelectField("Field office", validators=[DataRequired()])
    facility_type = SelectField(
        "Facility type", choices=choices(FACILITY_TYPES.items()), validators=[DataRequired()]
    )
    time_zone = StringField(
        "Time zone",
        validators=[DataRequired(), Length(max=64)],
        description="IANA name, e.g. America/Chicago; deadlines are shown in it.",
    )
    standards_set = SelectField("Detention standards", validators=[DataRequired()])
    is_active = BooleanField("In use")


class UnitForm(FlaskForm):
    name = StringField("Name", validators=[DataRequired(), Length(max=64)])
    kind = SelectField("Kind", choices=choices(KINDS.items()), validators=[DataRequired()])
    sex_housed = SelectField("Houses", choices=choices(SEXES.items()), validators=[DataRequired()])
    levels = SelectMultipleField(
        "Classification levels allowed",
        choices=choices(LEVELS.items()),
        validators=[DataRequired(message="Allow at least one classification level.")],
    )


class BedsForm(FlaskForm):
    labels = TextAreaField(
        "Bed labels",
        validators=[DataRequired(), Length(max=20_000)],
        description="One per line or separated by commas; a range like A-01..A-24 adds 24 beds.",
    )
    is_lower_bunk = BooleanField("Lower bunks")
    is_accessible = BooleanField("Accessible (ADA)")


class BedForm(FlaskForm):
    label = StringField("Label", validators=[DataRequired(), Length(max=32)])
    is_lower_bunk = BooleanField("Lower bunk")
    is_accessible = BooleanField("Accessible (ADA)")
    is_in_service = BooleanField("In service (may be assigned)")


def expand_labels(text: str) -> list[str]:
    """Labels from free text: items split on newlines and commas; `A-01..A-24` expands to
    A-01 … A-24 keeping the zero padding. Raises ValueError with a message to show."""
    labels: list[str] = []
    for item in re.split(r"[\n,]", text):
        item = item.strip()
        if not item:
            continue
        match = _RANGE.match(item)
        if match:
            first, last = int(match["first"]), int(match["last"])
            if last < first:
                raise ValueError(f"The range {item} runs backwards.")
            if last - first + 1 + len(labels) > MAX_BEDS_AT_ONCE:
                raise ValueError(f"Add at most {MAX_BEDS_AT_ONCE} beds at once.")
            width = len(match["first"])
            labels += [f"{match['prefix']}{n:0{width}d}" for n in range(first, last + 1)]
        else:
            labels.append(item)
    if len(labels) > MAX_BEDS_AT_ONCE:
        raise ValueError(f"Add at most {MAX_BEDS_AT_ONCE} beds at once.")
    return labels
