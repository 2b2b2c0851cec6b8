"""The chart's forms: patient search and the timeline filter (both GET, no CSRF)."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import DateField, SelectMultipleField, StringField
from wtforms.validators import Length, Optional, ValidationError

from core.forms import choices
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
