"""Forms of the transfer pages. Times are typed in the sending facility's local time."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import (
    DateTimeLocalField,
    FieldList,
    Form,
    FormField,
    RadioField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, Optional

from core.forms import choices
from custody.counsel.models import CHANNEL_LABELS

NO_CLINICAL = "State the custody reason only: no diagnoses or clinical details."
ONE_PER_LINE = "One per line."


class RequestForm(FlaskForm):
    to_facility_code = SelectField(
        "Receiving facility", validators=[DataRequired(message="Choose the receiving facility.")]
    )
    reason = TextAreaField(
        "Reason for the transfer",
        validators=[DataRequired(message="Give the reason for the transfer."), Length(max=2000)],
        description=NO_CLINICAL,
    )
    scheduled_for = DateTimeLocalField(
        "Scheduled departure (facility time)",
        validators=[DataRequired(message="Give the scheduled date and time.")],
        description="Date and time in this facility's local time.",
    )


class CancelForm(FlaskForm):
    reason = TextAreaField("Reason for cancelling", validators=[Optional(), Length(max=500)])


def channel_choices() -> list:
    return choices([("", "Choose…"), *((str(k), v) for k, v in CHANNEL_LABELS.items())])


class CounselForm(FlaskForm):
    channel = SelectField(
        "How the attorney of record was notified",
        validators=[DataRequired(message="Choose how the attorney was notified.")],
    )
    notified_at = DateTimeLocalField(
        "When (facility time)",
        validators=[Optional()],
        description="Leave empty for now. Not before the departure.",
    )


class MedicationRow(Form):
    drug = StringField("Drug", validators=[Optional(), Length(max=200)])
    dose = StringField("Dose", validators=[Optional(), Length(max=100)])
    directions = StringField("Directions", validators=[Optional(), Length(max=500)])
    last_given_at = DateTimeLocalField("Last given (facility time)", validators=[Optional()])
    next_due_at = DateTimeLocalField("Next due (facility time)", validators=[Optional()])


class SummaryForm(FlaskForm):
    fit_to_travel = RadioField(
        "Fit to travel",
        choices=choices([("yes", "Yes, fit to travel"), ("no", "No, not fit to travel")]),
        validators=[DataRequired(message="Say whether the person is fit to travel.")],
    )
    active_problems = TextAreaField(
        "Active problems", validators=[Optional(), Length(max=8000)], description=ONE_PER_LINE
    )
    allergies = TextAreaField(
        "Allergies", validators=[Optional(), Length(max=8000)], description=ONE_PER_LINE
    )
    medications = FieldList(FormField(MedicationRow), min_entries=3, max_entries=30)
    tb_status = StringField(
        "Tuberculosis status",
        validators=[Optional(), Length(max=200)],
        description="For example: chest X-ray negative on 2026-11-01.",
    )
    pending_appointments = TextAreaField(
        "Pending appointments", validators=[Optional(), Length(max=8000)], description=ONE_PER_LINE
    )
    accommodations = TextAreaField(
        "Accommodations",
        validators=[Optional(), Length(max=8000)],
        description="For example lower bunk, wheelchair. " + ONE_PER_LINE,
    )
    notes = TextAreaField("Notes", validators=[Optional(), Length(max=4000)])


class HoldForm(FlaskForm):
    reason = TextAreaField(
        "Reason for the medical hold",
        validators=[DataRequired(message="Give the reason for the hold."), Length(max=500)],
    )
