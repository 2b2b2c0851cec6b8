"""The charting forms (Flask-WTF). Fields parse what was typed; the services judge it
(plausible vitals, known codes), so the pages, the seed and the tests share one set of
checks. Field names are the services' error names."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    DateTimeLocalField,
    DecimalField,
    FieldList,
    FormField,
    IntegerField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import InputRequired, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from core.forms import choices
from health.charting import codes, questionnaires

LOCAL = "%Y-%m-%dT%H:%M"
YES_NO = choices([("yes", "Yes"), ("no", "No")])
CODES_HINT = "ICD-10-CM codes, separated by commas (e.g. I10, E11.9). Type to search."


def _pairs(vocabulary: dict[str, str]) -> list:
    return choices(vocabulary.items())


class MultiCheckbox(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()

    def pre_validate(self, form: object) -> None:
        """The service says which values it takes."""


def _number(label: str, unit: str, decimal: bool = False) -> IntegerField | DecimalField:
    field = DecimalField if decimal else IntegerField
    return field(label, validators=[Optional()], description=unit)


class EncounterForm(FlaskForm):
    """The fields every encounter form has: when, the interpreter, a referral."""

    start = DateTimeLocalField("Started", format=LOCAL, validators=[InputRequired()])
    end = DateTimeLocalField("Ended", format=LOCAL, validators=[InputRequired()])
    interpreter_mode = RadioField(
        "Interpreter used", choices=_pairs(codes.INTERPRETER_MODES), default="none"
    )
    interpreter_language = StringField(
        "Language interpreted",
        validators=[Optional()],
        description="A language tag: es (Spanish), ht (Haitian Creole), quc (K'iche'), mam.",
    )
    interpreter_id = StringField(
        "Interpreter id", validators=[Optional()], description="Badge or operator number."
    )
    refer_mental_health = BooleanField("Refer for a mental-health evaluation (72-hour clock)")


class VitalsForm(EncounterForm):
    systolic = _number("Systolic blood pressure", "mmHg")
    diastolic = _number("Diastolic blood pressure", "mmHg")
    pulse = _number("Pulse", "beats per minute")
    temperature_f = _number("Temperature", "°F, e.g. 98.6", decimal=True)
    respiratory_rate = _number("Respiratory rate", "breaths per minute")
    spo2 = _number("Oxygen saturation", "% by pulse oximetry")
    weight_lb = _number("Weight", "pounds", decimal=True)
    height_in = _number("Height", "inches", decimal=True)


class IntakeForm(VitalsForm):
    tb_symptoms = MultiCheckbox("Tuberculosis symptoms", choices=_pairs(codes.TB_SYMPTOMS))
    medications = TextAreaField(
        "Current medications",
        description="One per line: name and strength; then a semicolon and how it is taken.",
    )
    no_known_allergies = BooleanField("No known allergies")
    allergies = TextAreaField(
        "Allergies", description="One per line: substance; reaction (e.g. Penicillin; hives)."
    )
    conditions = StringField("Chronic conditions", description=CODES_HINT)
    pregnancy = SelectField(
        "Pregnancy",
        choices=choices([("", "Not applicable or not asked"), *codes.PREGNANCY.items()]),
        validate_choice=False,
    )
    disabilities = MultiCheckbox("Disabilities", choices=_pairs(codes.DISABILITIES))
    accommodations = MultiCheckbox("Accommodations needed", choices=_pairs(codes.ACCOMMODATIONS))
    withdrawal_risk = RadioField(
        "Withdrawal risk", choices=_pairs(codes.WITHDRAWAL_RISKS), default="none"
    )
    withdrawal_substances = MultiCheckbox("Substances", choices=_pairs(codes.SUBSTANCES))


for _key, _text in questionnaires.SCREENER_ITEMS.items():
    setattr(
        IntakeForm,
        "screen_" + _key.replace("-", "_"),
        RadioField(_text, choices=YES_NO, validators=[Optional()]),
    )


class AssessmentForm(VitalsForm):
    history = TextAreaField("History", validators=[Optional()])
    exam = TextAreaField("Physical examination", validators=[Optional()])
    assessment = TextAreaField("Assessment", validators=[Optional()])
    plan = TextAreaField("Plan", validators=[Optional()])
    conditions = StringField("Diagnoses", description=CODES_HINT)


class ToothRow(FlaskForm):
    class Meta:
        csrf = False

    tooth = SelectField(
        "Tooth", choices=choices([("", "—"), *codes.TEETH.items()]), validate_choice=False
    )
    finding = SelectField(
        "Finding",
        choices=choices([("", "—"), *codes.DENTAL_FINDINGS.items()]),
        validate_choice=False,
    )


class DentalForm(EncounterForm):
    findings = FieldList(FormField(ToothRow), min_entries=6, max_entries=32)
    urgency = RadioField(
        "Treatment urgency", choices=_pairs(codes.DENTAL_URGENCY), default="routine"
    )
    note = TextAreaField("Note", validators=[Optional()])


class MentalHealthForm(EncounterForm):
    difficulty = SelectField(
        "How difficult have these problems made it to work, take care of things or get "
        "along with others?",
        choices=choices([("", "Not asked"), *questionnaires.DIFFICULTY.items()]),
        validate_choice=False,
    )
    note = TextAreaField("Evaluation note", validators=[Optional()])
    conditions = StringField("Diagnoses", description=CODES_HINT)


PHQ9_CHOICES = choices((code, label) for code, (label, _) in questionnaires.PHQ9_ANSWERS.items())
for _item in questionnaires.phq9_items():
    setattr(
        MentalHealthForm,
        "phq9_" + _item["linkId"],
        RadioField(_item["text"], choices=PHQ9_CHOICES, validators=[Optional()]),
    )


class SoapForm(EncounterForm):
    type_code = SelectField(
        "Kind of encounter", choices=_pairs(codes.ENCOUNTER_TYPES), validate_choice=False
    )
    subjective = TextAreaField("Subjective", validators=[Optional()])
    objective = TextAreaField("Objective", validators=[Optional()])
    assessment = TextAreaField("Assessment", validators=[Optional()])
    plan = TextAreaField("Plan", validators=[Optional()])


class ProblemForm(FlaskForm):
    code = StringField("Problem (ICD-10-CM code)", description="Type a code or words to search.")
    onset = DateField("Onset", validators=[Optional()], description="Optional.")


class AllergyForm(FlaskForm):
    substance = StringField("Substance")
    reaction = StringField("Reaction", validators=[Optional()])
    criticality = SelectField(
        "Criticality",
        choices=choices(
            [("unable-to-assess", "Unable to assess"), ("low", "Low"), ("high", "High")]
        ),
        validate_choice=False,
    )


class ImmunizationForm(FlaskForm):
    cvx = StringField("Vaccine (CVX code)", description="Type a code or a vaccine name to search.")
    occurred = DateTimeLocalField("Given", format=LOCAL, validators=[InputRequired()])
    lot = StringField("Lot number", validators=[Optional()])
