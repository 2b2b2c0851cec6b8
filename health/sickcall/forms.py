"""Forms of the sick-call pages. Choices come from the vocabulary the services check
against; the services validate again (and their messages land next to the fields)."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import DateTimeLocalField, RadioField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from core.forms import choices
from health.sickcall import vocabulary as v

CHOOSE = ("", "Choose…")


def _languages() -> list:
    return choices([CHOOSE, *v.languages().items()])


def interpreter_fields() -> tuple[SelectField, RadioField, StringField]:
    """The interpreter used: the language of the conversation, how, and who."""
    return (
        SelectField(
            "Language of the conversation",
            validators=[DataRequired(message="Choose the language you spoke with the person.")],
        ),
        RadioField(
            "Interpreter",
            choices=choices(v.INTERPRETER_MODES.items()),
            validators=[DataRequired(message="Say whether and how an interpreter took part.")],
        ),
        StringField(
            "Interpreter id",
            validators=[Optional(), Length(max=100)],
            description="The interpreter's or language line's id; required with an interpreter.",
        ),
    )


class RequestForm(FlaskForm):
    a_number = StringField(
        "A-number",
        validators=[DataRequired(message="Enter the person's A-number."), Length(max=20)],
        description="For example A123456789 or 123-456-789.",
    )
    complaint = TextAreaField(
        "Complaint, in the person's own words",
        validators=[DataRequired(message="Write down the complaint."), Length(max=4000)],
        description="Write it as the person said or wrote it, in their language; do not translate.",
    )
    language = SelectField(
        "Language of the complaint",
        validators=[DataRequired(message="Choose the language the person used.")],
    )
    channel = RadioField(
        "How the request arrived",
        choices=choices(v.CHANNELS.items()),
        validators=[DataRequired(message="Choose how the request arrived.")],
    )
    received_local = DateTimeLocalField(
        "Received (facility time)",
        validators=[Optional()],
        description="Leave empty for now. Triage is due 24 hours after this.",
    )

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.language.choices = _languages()


class TriageForm(FlaskForm):
    priority = RadioField(
        "Priority",
        choices=choices(v.PRIORITIES.items()),
        validators=[DataRequired(message="Choose the priority.")],
    )
    disposition = RadioField(
        "Disposition",
        choices=choices(v.DISPOSITIONS.items()),
        validators=[DataRequired(message="Choose what happens next.")],
    )
    referred_to = StringField(
        "Referred to",
        validators=[Optional(), Length(max=200)],
        description="Required for a referral: mental health, dental, a specialist, emergency.",
    )
    interpreter_language, interpreter_mode, interpreter_id = interpreter_fields()
    note = TextAreaField(
        "Triage note", validators=[Optional(), Length(max=4000)], description="Optional."
    )
    triaged_local = DateTimeLocalField(
        "Triaged (facility time)", validators=[Optional()], description="Leave empty for now."
    )

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.interpreter_language.choices = _languages()


class VisitForm(FlaskForm):
    subjective = TextAreaField(
        "Subjective",
        validators=[DataRequired(message="Write what the person reports."), Length(max=4000)],
        description="What the person reports: symptoms, since when, what helps.",
    )
    objective = TextAreaField(
        "Objective",
        validators=[Optional(), Length(max=4000)],
        description="What you found: vital signs, examination.",
    )
    assessment = TextAreaField(
        "Assessment",
        validators=[DataRequired(message="Write your assessment."), Length(max=4000)],
    )
    plan = TextAreaField(
        "Plan",
        validators=[DataRequired(message="Write the plan."), Length(max=4000)],
        description="Treatment, medication, follow-up, education given.",
    )
    interpreter_language, interpreter_mode, interpreter_id = interpreter_fields()
    seen_local = DateTimeLocalField(
        "Seen (facility time)", validators=[Optional()], description="Leave empty for now."
    )

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.interpreter_language.choices = _languages()
