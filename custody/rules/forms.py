"""Forms and wording for the rule-set pages: a limit is typed as a number and a unit,
and shown as people say it ("12 hours", "every 7 days after the last")."""

from __future__ import annotations

from typing import Any

from flask_wtf import FlaskForm
from wtforms import BooleanField, IntegerField, SelectField, StringField
from wtforms.validators import DataRequired, Length, Optional

from core.forms import choices
from custody.rules.inputs import RuleIn, RulePatch
from custody.rules.models import ClockStart, RepeatAnchor

UNITS = {"minutes": 1, "hours": 60, "days": 24 * 60}
UNIT_CHOICES = choices((unit, unit) for unit in UNITS)
ANCHORS = {
    "": "Does not repeat",
    RepeatAnchor.PREVIOUS.value: "after the previous one was met",
    RepeatAnchor.START.value: "counted from the start",
}
STARTS = {
    ClockStart.BOOKING: "Arrival (booking)",
    ClockStart.CLASSIFICATION: "Classification",
    ClockStart.REFERRAL: "Referral",
    ClockStart.SICK_CALL_REQUEST: "Sick-call request",
    ClockStart.TRIAGE: "Triage",
    ClockStart.DISCLOSURE: "Sexual-abuse disclosure",
    ClockStart.PLACEMENT: "Restrictive-housing placement",
    ClockStart.WATCH: "Suicide watch starts",
    ClockStart.LAST_MEAL: "Last meal eaten",
}


def _plural(number: int, word: str) -> str:
    return f"{number} {word}{'' if number == 1 else 's'}"


def split_minutes(minutes: int | None) -> tuple[int | None, str]:
    """(number, unit) in the largest unit that divides `minutes` exactly."""
    if minutes is None:
        return None, "hours"
    for unit in ("days", "hours"):
        if minutes % UNITS[unit] == 0:
            return minutes // UNITS[unit], unit
    return minutes, "minutes"


def duration_text(minutes: int | None) -> str:
    if minutes is None:
        return "no time limit"
    number, unit = split_minutes(minutes)
    return _plural(number or 0, unit.removesuffix("s"))


def repeat_text(minutes: int | None, anchor: str) -> str:
    if minutes is None:
        return "does not repeat"
    after = "after the last" if anchor == RepeatAnchor.PREVIOUS else "from the start"
    return f"every {duration_text(minutes)} {after}"


class RuleSetForm(FlaskForm):
    code = StringField(
        "Code",
        validators=[DataRequired(), Length(max=32)],
        description="Capital letters, digits and hyphens, e.g. NDS-2025-LOCAL.",
    )
    name = StringField("Name", validators=[DataRequired(), Length(max=200)])
    copy_from = SelectField(
        "Start from", description="Copy every rule of this set.", validate_choice=False
    )


class RuleForm(FlaskForm):
    title = StringField("Title", validators=[DataRequired(), Length(max=200)])
    limit_value = IntegerField(
        "Limit", validators=[Optional()], description="Time allowed from the start event."
    )
    limit_unit = SelectField("Limit unit", choices=UNIT_CHOICES)
    repeat_value = IntegerField(
        "Repeats every",
        validators=[Optional()],
        description="Leave empty for a rule that is met once.",
    )
    repeat_unit = SelectField("Repeat unit", choices=UNIT_CHOICES)
    repeat_anchor = SelectField("Repeat counted", choices=choices(ANCHORS.items()))
    citation = StringField("Citation", validators=[Length(max=200)])
    to_confirm = BooleanField("Default, to confirm (the number is not yet confirmed)")
    is_active = BooleanField("In use (opens clocks)")

    def set_from(self, minutes: int | None, repeat: int | None, anchor: str) -> None:
        self.limit_value.data, self.limit_unit.data = split_minutes(minutes)
        self.repeat_value.data, self.repeat_unit.data = split_minutes(repeat)
        self.repeat_anchor.data = anchor if repeat is not None else ""

    def rule_fields(self) -> dict[str, Any]:
        """The changeable fields (minutes; no repeat means no anchor)."""
        repeat = _minutes(self.repeat_value.data, self.repeat_unit.data)
        return {
            "title": self.title.data or "",
            "limit_minutes": _minutes(self.limit_value.data, self.limit_unit.data),
            "repeat_minutes": repeat,
            "repeat_anchor": (self.repeat_anchor.data or None) if repeat is not None else None,
            "citation": self.citation.data or "",
            "to_confirm": bool(self.to_confirm.data),
            "is_active": bool(self.is_active.data),
        }

    def patch(self) -> RulePatch:
        """The form as the change of a rule."""
        return RulePatch(**self.rule_fields())


class NewRuleForm(RuleForm):
    rule = StringField(
        "Rule id",
        validators=[DataRequired(), Length(max=48)],
        description="Lower-case words joined by hyphens, e.g. dental-screening.",
    )
    starts_on = SelectField("Clock starts at", choices=choices(STARTS.items()))
    stops_on = StringField("Clock stops when", validators=[DataRequired(), Length(max=200)])

    def new_rule(self) -> RuleIn:
        """The form as a new rule."""
        return RuleIn(
            rule=self.rule.data or "",
            starts_on=self.starts_on.data or "",
            stops_on=self.stops_on.data or "",
            **self.rule_fields(),
        )


# Service field names → the form fields that show their errors.
FIELD_FOR = {"limit_minutes": "limit_value", "repeat_minutes": "repeat_value"}


def _minutes(value: int | None, unit: str | None) -> int | None:
    return None if value is None else value * UNITS.get(unit or "minutes", 1)
