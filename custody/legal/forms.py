"""Forms of the legal-access pages. Choices come from the vocabulary the services check
against; times are typed in the facility's local time (the view converts them)."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    DateTimeLocalField,
    DecimalField,
    HiddenField,
    IntegerField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from core.forms import choices
from custody.legal.vocabulary import CONSULAR_TYPES, DENIAL_REASONS, KINDS, NO_CONTENT, OUTCOMES

YES_NO = choices([("yes", "Yes"), ("no", "No")])
WHEN = "%Y-%m-%dT%H:%M"


def yes_no(value: str | None) -> bool | None:
    return {"yes": True, "no": False}.get(value or "")


class _Session(FlaskForm):
    """Start, end or length, counsel, outcome and reason: shared by entries and
    presentations."""

    started_at = DateTimeLocalField(
        "Started (facility time)",
        format=WHEN,
        validators=[InputRequired(message="Give the start time.")],
    )
    ended_at = DateTimeLocalField(
        "Ended (facility time)",
        format=WHEN,
        validators=[Optional()],
        description="Or give the minutes below. Not needed for legal mail or a denial.",
    )
    minutes = IntegerField("Minutes", validators=[Optional(), NumberRange(min=1, max=1440)])
    outcome = RadioField(
        "Outcome",
        choices=choices([(str(k), v) for k, v in OUTCOMES.items()]),
        default="completed",
        validators=[DataRequired(message="Choose the outcome.")],
    )
    denial_reason = SelectField(
        "Why it was denied",
        choices=choices([("", "Choose…"), *DENIAL_REASONS.items()]),
        validators=[Optional()],
        description="Only when the outcome is denied.",
    )
    reason = TextAreaField(
        "Reason",
        validators=[Optional(), Length(max=2000)],
        description="Required unless completed, and for mail opened outside the person's "
        "presence. " + NO_CONTENT,
    )


class EntryForm(_Session):
    kind = SelectField(
        "Kind of contact",
        choices=choices([("", "Choose…"), *((str(k), v) for k, v in KINDS.items())]),
        validators=[DataRequired(message="Choose the kind of contact.")],
    )
    counsel_name = StringField(
        "Counsel, representative or organisation",
        validators=[Optional(), Length(max=200)],
        description="Required for an attorney visit.",
    )
    is_pro_bono = RadioField(
        "Free call on the pro bono platform?", choices=YES_NO, validators=[Optional()]
    )
    opened_in_presence = RadioField(
        "Opened in the person's presence?", choices=YES_NO, validators=[Optional()]
    )
    country = SelectField("Country of the consulate", validators=[Optional()])
    consulate = StringField(
        "Consulate", validators=[Optional(), Length(max=200)], description="e.g. Houston"
    )
    consular_type = SelectField(
        "Kind of consular contact",
        choices=choices([("", "Choose…"), *CONSULAR_TYPES.items()]),
        validators=[Optional()],
    )


class PresentationForm(_Session):
    counsel_name = StringField(
        "Presenter or organisation", validators=[Optional(), Length(max=200)]
    )
    attendees = SelectMultipleField("Who attended", validators=[Optional()], validate_choice=False)
    query = StringField(
        "Find people held here",
        validators=[Optional(), Length(max=100)],
        description="Family or given name, or A-number; then tick who attended.",
    )


class VisitingDayForm(FlaskForm):
    day = DateField("Day (facility calendar)", validators=[InputRequired(message="Give the day.")])
    hours = DecimalField(
        "Legal-visiting hours offered",
        places=2,
        validators=[InputRequired(message="Give the hours offered."), NumberRange(min=0, max=24)],
        description="e.g. 8 or 7.5",
    )
    is_holiday = BooleanField("A public holiday (the weekend minimum applies)")


class CountryForm(FlaskForm):
    country = SelectField("Country", validators=[DataRequired(message="Choose a country.")])
    note = StringField("Note", validators=[Optional(), Length(max=200)])


class RemoveCountryForm(FlaskForm):
    country = HiddenField(validators=[DataRequired()])


def _hours(label: str, maximum: int) -> DecimalField:
    return DecimalField(
        label,
        places=2,
        validators=[InputRequired(message="Give the hours."), NumberRange(min=0, max=maximum)],
    )


class MinimumsForm(FlaskForm):
    """This facility's own minimums (else its standards set's apply)."""

    law_library_hours = _hours("Law library, hours a week per person", 168)
    weekday_hours = _hours("Legal visiting on weekdays, hours a day", 24)
    weekend_hours = _hours("Legal visiting on weekends and holidays, hours a day", 24)
    citation = StringField(
        "Source", validators=[Optional(), Length(max=200)], description="e.g. the contract clause"
    )
