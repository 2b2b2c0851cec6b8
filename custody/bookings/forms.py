"""Forms for intake, classification, screening and housing pages.

Intake is built for a booking officer at the keyboard: property is typed one item per
line (`2 x T-shirt`, `Cash $42.50`), aliases one per line (`Family, Given`), and every
time is entered in the facility's local time.
"""

from __future__ import annotations

import datetime as dt
import re
import zoneinfo
from typing import Any

from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    HiddenField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, Optional, ValidationError

from core.formfields import LocalDateTimeField, MemorableDateField
from core.forms import choices
from custody.bookings.worksheet import WORKSHEET
from custody.people import reference
from custody.people.models import ALERT_LABELS, GenderIdentity

SEX_CHOICES = [("", "Choose…"), ("male", "Male"), ("female", "Female"), ("unknown", "Unknown")]
GENDER_LABELS = {
    GenderIdentity.MAN: "Man",
    GenderIdentity.WOMAN: "Woman",
    GenderIdentity.TRANSGENDER_MAN: "Transgender man",
    GenderIdentity.TRANSGENDER_WOMAN: "Transgender woman",
    GenderIdentity.NONBINARY: "Nonbinary",
    GenderIdentity.INTERSEX: "Intersex",
    GenderIdentity.UNDISCLOSED: "Prefers not to say",
}
_PROPERTY = re.compile(
    r"^(?:(?P<qty>\d{1,4})\s*[x×]\s+)?(?P<what>.+?)(?:\s+\$(?P<amount>\d{1,7}(?:\.\d{2})?))?$",
    re.IGNORECASE,
)


def parse_property(text: str) -> list[dict[str, Any]]:
    """One item per line: `Wallet, brown`, `2 x T-shirt`, `Cash $42.50`."""
    items = []
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line:
            continue
        match = _PROPERTY.match(line)
        if match is None:  # pragma: no cover - the pattern accepts any non-empty text
            raise ValueError(f"Line {number}: write it like “2 x T-shirt” or “Cash $42.50”.")
        amount = match.group("amount")
        items.append(
            {
                "description": match.group("what").strip(),
                "quantity": int(match.group("qty") or 1),
                "value_cents": None if amount is None else round(float(amount) * 100),
                "is_valuable": amount is not None,
            }
        )
    return items


def property_text(items: list[Any]) -> str:
    lines = []
    for item in items:
        qty = f"{item.quantity} x " if item.quantity != 1 else ""
        cash = f" ${item.value_cents / 100:.2f}" if item.value_cents is not None else ""
        lines.append(f"{qty}{item.description}{cash}")
    return "\n".join(lines)


def parse_aliases(text: str) -> list[dict[str, str]]:
    aliases = []
    for number, raw in enumerate(text.splitlines(), start=1):
        if not raw.strip():
            continue
        family, sep, given = raw.partition(",")
        if not sep or not family.strip() or not given.strip():
            raise ValueError(f"Line {number}: write each alias as “Family, Given”.")
        aliases.append({"family_name": family.strip(), "given_name": given.strip()})
    return aliases


def parse_languages(primary: str, others: str, interpreter: bool) -> list[dict[str, Any]]:
    """The preferred language (a code from the select) and the others, typed by name or
    code and separated by commas ("Spanish, K'iche'" or "es, quc")."""
    by_name = {name.casefold(): code for code, name in reference.languages().items()}
    codes = [primary] if primary else []
    for typed in (part.strip() for part in (others or "").split(",")):
        if typed:
            codes.append(by_name.get(typed.casefold(), typed.lower()))
    return [
        {"code": code, "interpreter_needed": interpreter and index == 0}
        for index, code in enumerate(codes)
    ]


def language_names(codes: list[str]) -> str:
    return ", ".join(reference.language_name(code) for code in codes)


def local_to_utc(value: dt.datetime | None, time_zone: str) -> dt.datetime | None:
    if value is None:
        return None
    return value.replace(tzinfo=zoneinfo.ZoneInfo(time_zone)).astimezone(dt.UTC)


def utc_to_local(value: dt.datetime | None, time_zone: str) -> dt.datetime | None:
    if value is None:
        return None
    return value.astimezone(zoneinfo.ZoneInfo(time_zone)).replace(
        tzinfo=None, second=0, microsecond=0
    )


def country_choices(blank: str = "Choose…") -> list[Any]:
    return choices([("", blank), *reference.countries().items()])


def language_choices(blank: str = "Choose…") -> list[Any]:
    common = ["en", "es", "pt", "fr", "ht", "zh", "hi", "pa", "ar", "ru", "mam", "quc", "kjb"]
    names = reference.languages()
    first = [(code, names.get(code, code)) for code in common]
    rest = [(c, n) for c, n in names.items() if c not in common]
    return choices([("", blank), *first, *rest])


class IntakeForm(FlaskForm):
    """A new person and their booking, on one page. The fields are checked by the
    services (so every mistake is reported at once), the form only parses them."""

    # the person
    a_number = StringField(
        "A-number",
        validators=[Optional(), Length(max=20)],
        description="8 or 9 digits; A123456789 and 123-456-789 are both fine.",
    )
    family_name = StringField("Family name(s)", validators=[Optional(), Length(max=100)])
    given_name = StringField("Given name(s)", validators=[Optional(), Length(max=100)])
    middle_name = StringField("Middle name", validators=[Optional(), Length(max=100)])
    date_of_birth = MemorableDateField("Date of birth", description="For example: April 28 1986")
    sex = SelectField("Sex", choices=choices(SEX_CHOICES), validators=[Optional()])
    gender_identity = SelectField(
        "Gender identity",
        choices=choices([("", "Not asked yet"), *GENDER_LABELS.items()]),
        validators=[Optional()],
        description="As the person states it; used for housing and screening decisions.",
    )
    country_of_birth = SelectField("Country of birth", validators=[Optional()])
    country_of_citizenship = SelectField("Country of citizenship", validators=[Optional()])
    primary_language = SelectField("Preferred language", validators=[Optional()])
    interpreter_needed = BooleanField("Needs an interpreter in the preferred language")
    other_languages = StringField(
        "Other languages",
        validators=[Optional(), Length(max=300)],
        description="Names separated by commas, for example Spanish, K'iche'.",
    )
    aliases = TextAreaField(
        "Aliases",
        validators=[Optional(), Length(max=2000)],
        description="One per line: Family, Given.",
    )
    # the booking
    facility = SelectField("Facility", validators=[Optional()])
    booked_at = LocalDateTimeField(
        "Arrival",
        description="In the facility's local time; leave empty for now. Every deadline "
        "counts from arrival.",
    )
    arresting_agency = StringField(
        "Arresting agency or program",
        validators=[Optional(), Length(max=100)],
        description="For example ERO Dallas, 287(g), CBP.",
    )
    property = TextAreaField(
        "Property (itemised receipt)",
        validators=[Optional(), Length(max=10000)],
        description="One item per line: “Wallet, brown”, “2 x T-shirt”, “Cash $42.50”.",
    )
    orientation_given = BooleanField("Orientation given at intake")
    handbook_language = SelectField("Handbook given in", validators=[Optional()])
    confirm_new = BooleanField("I checked: this is not the person already recorded")
    detainee_id = HiddenField()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.country_of_birth.choices = country_choices()
        self.country_of_citizenship.choices = country_choices("Same as birth / unknown")
        self.primary_language.choices = language_choices()
        self.handbook_language.choices = language_choices("Not given yet")

    def validate_property(self, field: TextAreaField) -> None:
        try:
            parse_property(field.data or "")
        except ValueError as err:
            raise ValidationError(str(err)) from err

    def validate_aliases(self, field: TextAreaField) -> None:
        try:
            parse_aliases(field.data or "")
        except ValueError as err:
            raise ValidationError(str(err)) from err


class _PartOfIntake(IntakeForm):
    """The intake form without the fields in `LEFT_OUT`."""

    LEFT_OUT: tuple[str, ...] = ()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name in self.LEFT_OUT:
            del self[name]


class PersonForm(_PartOfIntake):
    """Correcting a person's identity, languages and aliases (never the A-number)."""

    LEFT_OUT = (
        "a_number",
        "facility",
        "booked_at",
        "arresting_agency",
        "property",
        "orientation_given",
        "handbook_language",
        "confirm_new",
        "detainee_id",
    )


class AlertsForm(FlaskForm):
    kinds = SelectMultipleField(
        "Alerts custody staff must act on",
        choices=choices([(k.value, label) for k, label in ALERT_LABELS.items()]),
        validators=[Optional()],
        description="Set by a clinician; the clinical reason stays in the health record.",
    )


class BookExistingForm(_PartOfIntake):
    """Booking someone already recorded: only the booking part."""

    LEFT_OUT = (
        "a_number",
        "family_name",
        "given_name",
        "middle_name",
        "date_of_birth",
        "sex",
        "gender_identity",
        "country_of_birth",
        "country_of_citizenship",
        "primary_language",
        "interpreter_needed",
        "other_languages",
        "aliases",
        "confirm_new",
    )


def worksheet_form(supervisor: bool) -> type[FlaskForm]:
    """The classification worksheet as radio groups (one per factor), built from the
    versioned worksheet so the page and the scoring never disagree."""

    class WorksheetForm(FlaskForm):
        reasons = TextAreaField(
            "Notes",
            validators=[Optional(), Length(max=2000)],
            description="What the answers rest on (records checked, interview).",
        )

    for factor in WORKSHEET:
        labels = [
            (answer, f"{answer.replace('_', ' ').capitalize()} ({points})")
            for answer, points in factor.points.items()
        ]
        setattr(
            WorksheetForm,
            factor.name,
            RadioField(
                factor.label, choices=choices(labels), validators=[DataRequired("Choose one.")]
            ),
        )
    if supervisor:
        WorksheetForm.level = SelectField(
            "Level (supervisor override)",
            choices=choices(
                [("", "As scored"), ("1", "Level 1"), ("2", "Level 2"), ("3", "Level 3")]
            ),
            validators=[Optional()],
        )
        WorksheetForm.override_reason = TextAreaField(
            "Reason for the override",
            validators=[Optional(), Length(max=2000)],
        )
    return WorksheetForm


class ScreeningForm(FlaskForm):
    victimization_risk = RadioField(
        "At risk of sexual victimization?",
        choices=choices([("yes", "Yes"), ("no", "No")]),
        validators=[DataRequired("Answer yes or no.")],
    )
    abusiveness_risk = RadioField(
        "At risk of sexual abusiveness?",
        choices=choices([("yes", "Yes"), ("no", "No")]),
        validators=[DataRequired("Answer yes or no.")],
    )


class HousingForm(FlaskForm):
    bed_id = SelectField(
        "Bed", validators=[DataRequired("Choose a bed.")], validate_choice=False, choices=[]
    )
    from_bed_id = HiddenField()
    override_reason = TextAreaField(
        "Override reason (supervisor)",
        validators=[Optional(), Length(max=1000)],
        description="Only to place someone against a rule that allows an override.",
    )


class BoardFilterForm(FlaskForm):
    class Meta:
        csrf = False

    free_only = BooleanField("Free beds only")
    needs_lower_bunk = BooleanField("Lower bunk")
    needs_accessible = BooleanField("Accessible")
    level = SelectField(
        "Classification",
        choices=choices([("", "Any"), ("1", "Level 1"), ("2", "Level 2"), ("3", "Level 3")]),
        validators=[Optional()],
    )
    sex = SelectField(
        "Unit houses",
        choices=choices([("", "Any"), ("male", "Male"), ("female", "Female")]),
        validators=[Optional()],
    )


class SearchForm(FlaskForm):
    class Meta:
        csrf = False

    q = StringField(
        "A-number or name",
        validators=[Optional(), Length(max=200)],
        description="A123456789, 123-456-789, or part of a name (accents do not matter).",
    )
