"""The G-28 form of the booking page."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import DateField, EmailField, SelectField, StringField
from wtforms.validators import DataRequired, Length, Optional

from core.forms import choices
from custody.counsel.models import US_STATES


class G28Form(FlaskForm):
    attorney_name = StringField(
        "Attorney's name",
        validators=[DataRequired(message="Give the attorney's name."), Length(max=200)],
    )
    bar_number = StringField(
        "Bar number", validators=[DataRequired(message="Give the bar number."), Length(max=32)]
    )
    bar_state = SelectField(
        "State of the bar",
        choices=choices([("", "Choose…"), *((s, s) for s in US_STATES)]),
        validators=[DataRequired(message="Choose the state of the bar.")],
    )
    organization = StringField("Organization", validators=[Optional(), Length(max=200)])
    phone = StringField("Phone", validators=[Optional(), Length(max=32)])
    email = EmailField("Email", validators=[Optional(), Length(max=254)])
    filed_on = DateField(
        "Date the G-28 was filed", validators=[Optional()], description="Leave empty for today."
    )


class WithdrawForm(FlaskForm):
    """One button: the G-28 is withdrawn today."""
