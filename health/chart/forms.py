"""The chart's forms: patient search and the timeline filter (both GET, no CSRF)."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import DateField, SelectField, SelectMultipleField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional, ValidationError

from core.forms import choices
from health.chart.alerts import CHOICES
from health.chart.codes import KIND_LABELS


class PatientSearchForm(FlaskForm):
    class Meta:
        csrf = False

    q = StringField(
        "Name, A-number or date of birth",
        validators=[Optional(), Length(max=100)],
        description="Part of a name, A123456789 or 123-456-789, or a date of birth as YYYY-MM-DD.",
    )


class TimelineForm(FlaskForm):
    class Meta:
        csrf = False

    kind = SelectMultipleField(
        "Kinds of encounter",
        choices=choices([(kind.value, label) for kind, label in KIND_LABELS.items()]),
        validators=[Optional()],
        description="None ticked shows every kind.",
    )
    start = DateField("From", validators=[Optional()])
    end = DateField("To", validators=[Optional()])

    def validate_end(self, field: DateField) -> None:
        if field.data and self.start.data and field.data < self.start.data:
            raise ValidationError("The end date is before the start date.")


class AlertForm(FlaskForm):
    """Set an alert: custody staff see the kind (never the reason) unless it is
    clinical only."""

    code = SelectField(
        "Alert",
        choices=choices([("", "- Select -"), *CHOICES]),
        validators=[DataRequired(message="Choose an alert.")],
    )
    reason = TextAreaField(
        "Clinical reason",
        validators=[DataRequired(message="Give the clinical reason."), Length(max=500)],
        description="Kept in the health record: custody staff never see it.",
    )


class EndAlertForm(FlaskForm):
    """Only the CSRF token: the alert is named by the URL."""
