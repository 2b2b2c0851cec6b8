"""Forms for the restrictive-housing pages. Choices come from the vocabulary the services
check against, so the pages, the API and the services agree on the allowed values."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import HiddenField, RadioField, SelectField, StringField, TextAreaField
from wtforms.validators import AnyOf, DataRequired, Length, Optional

from core.formfields import LocalDateTimeField
from core.forms import choices
from custody.restrictive.vocabulary import DECISIONS, KINDS, METHODS, OBSERVATIONS

NO_CLINICAL = "State the custody reason only: no diagnoses or clinical details."


class PlacementForm(FlaskForm):
    """The person is chosen by search (`PersonSearchForm`), then carried as an id."""

    booking = HiddenField("Person", validators=[DataRequired(message="Choose the person.")])
    kind = SelectField(
        "Kind of placement",
        choices=choices([("", "Choose…"), *((str(k), v) for k, v in KINDS.items())]),
        validators=[DataRequired(message="Choose administrative or disciplinary.")],
    )
    reason = TextAreaField(
        "Reason",
        validators=[DataRequired(message="Give the reason for the placement."), Length(max=2000)],
        description=NO_CLINICAL,
    )
    bed = SelectField(
        "Bed in a restrictive-housing unit",
        validators=[Optional()],
        description="Optional: the person is moved to this bed now.",
    )
    override_reason = TextAreaField(
        "Reason to override a housing rule (supervisor)",
        validators=[Optional(), Length(max=1000)],
        description="Only when the bed breaks a rule a supervisor may override.",
    )


class PersonSearchForm(FlaskForm):
    class Meta:
        csrf = False

    q = StringField(
        "Find the person",
        validators=[Optional(), Length(max=200)],
        description="A-number or part of the name; people held at this facility now.",
    )


class CheckForm(FlaskForm):
    """A check: what was observed and when (a check done a few minutes ago; empty is
    now). The one-tap button posts only `observation=observed`; `back` says which page
    to return to."""

    observation = RadioField(
        "What you observed",
        choices=choices(OBSERVATIONS.items()),
        default="observed",
        validators=[AnyOf(list(OBSERVATIONS), message="Choose what you observed.")],
    )
    checked_at = LocalDateTimeField(
        "When you checked",
        description="Facility time. Not in the future, not before the placement.",
    )
    back = HiddenField(default="placement", validators=[AnyOf(["placement", "facility"])])


class ReviewForm(FlaskForm):
    decision = SelectField(
        "Decision",
        choices=choices([("", "Choose…"), *DECISIONS.items()]),
        validators=[DataRequired(message="Choose continue or release.")],
    )
    note = TextAreaField(
        "Reasons",
        validators=[DataRequired(message="Give the review's reasons."), Length(max=2000)],
        description=NO_CLINICAL,
    )


class NotificationForm(FlaskForm):
    recipient = StringField(
        "Who was notified",
        validators=[DataRequired(message="Say who was notified."), Length(max=200)],
        description="Name and office, e.g. Field Office Director, San Antonio.",
    )
    method = SelectField(
        "How",
        choices=choices([("", "Choose…"), *METHODS.items()]),
        validators=[DataRequired(message="Choose how the field office was notified.")],
    )


class ReleaseForm(FlaskForm):
    note = TextAreaField(
        "Reason for release",
        validators=[DataRequired(message="Give the reason for release."), Length(max=2000)],
        description=NO_CLINICAL,
    )
