"""The release form, filled in steps: reason → property → continuity of care →
notifications (when the reason requires them) → confirm. One form carries every step's
values (the other steps' as hidden inputs), so nothing is stored until the final submit;
only the notifications, which are real-world events, are recorded as they are made."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateTimeLocalField,
    Field,
    HiddenField,
    RadioField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import Length, Optional

from core.forms import choices
from custody.bookings.forms import property_text
from custody.bookings.models import PropertyItem
from custody.counsel.models import CHANNEL_LABELS as COUNSEL_CHANNEL_LABELS
from custody.releases.vocabulary import (
    CHANNEL_LABELS,
    NO_HAND_OVER,
    OUTCOME_LABELS,
    REASON_LABELS,
    RECIPIENT_LABELS,
    required_notifications,
)

STEPS = ("reason", "property", "care", "notifications", "confirm")
STEP_LABELS = {
    "reason": "Reason",
    "property": "Property",
    "care": "Continuity of care",
    "notifications": "Notifications",
    "confirm": "Confirm",
}
YES_NO = [("yes", "Yes"), ("no", "No")]
CARE_FIELDS = ("medications", "health_summary", "care_refused")
NOTIFICATION_FIELDS = ("recipient", "channel", "notified_at", "reference")


class ReleaseForm(FlaskForm):
    step = HiddenField(default="reason")
    reason = RadioField(
        "Reason for release",
        choices=choices(REASON_LABELS.items()),
        invalid_choice_message="Choose the reason for the release.",
    )
    released_at = DateTimeLocalField(
        "Release time",
        validators=[Optional()],
        description="Facility local time. Leave empty for now. Not before the booking's "
        "last recorded event.",
    )
    notes = TextAreaField("Notes", validators=[Optional(), Length(max=2000)])
    medications = RadioField(
        "Medications handed over to the person", choices=choices(YES_NO), validate_choice=False
    )
    health_summary = RadioField(
        "Health summary handed over to the person", choices=choices(YES_NO), validate_choice=False
    )
    care_refused = BooleanField("The person refused the medications and the health summary")
    # one notification the reason requires (death in custody), recorded on its own
    recipient = SelectField(
        "Who was notified", choices=choices([("", "Choose…"), *RECIPIENT_LABELS.items()])
    )
    channel = SelectField("How", choices=choices([("", "Choose…"), *CHANNEL_LABELS.items()]))
    notified_at = DateTimeLocalField(
        "When", validators=[Optional()], description="Facility local time. Leave empty for now."
    )
    reference = StringField(
        "Person reached or reference number",
        validators=[Optional(), Length(max=200)],
        description="Optional. No details of the death here.",
    )

    # the attorneys of record (active G-28s) told of the release: recorded with it
    counsel_channel = SelectField(
        "Attorneys of record told of the release by",
        choices=choices([("", "Not yet (record it later)"), *COUNSEL_CHANNEL_LABELS.items()]),
        validate_choice=False,  # absent without a G-28 on file; the service checks it
    )
    counsel_notified_at = DateTimeLocalField(
        "When they were told",
        validators=[Optional()],
        description="Facility local time. Leave empty for now; not before the release.",
    )

    lines: Sequence[tuple[PropertyItem, str, str]] = ()

    def steps(self) -> list[str]:
        """The steps of this release: notifications only when the reason requires them,
        continuity of care unless there is no one to hand over to (death in custody)."""
        skipped = set()
        if not required_notifications(self.reason.data):
            skipped.add("notifications")
        if self.reason.data in NO_HAND_OVER:
            skipped.add("care")
        return [s for s in STEPS if s not in skipped]

    def step_fields(self, step: str) -> list[Field]:
        if step == "reason":
            return [self.reason, self.released_at, self.notes]
        if step == "property":
            return [self[name] for _, outcome, note in self.lines for name in (outcome, note)]
        if step == "care":
            return [self[name] for name in CARE_FIELDS]
        if step == "confirm":
            return [self.counsel_channel, self.counsel_notified_at]
        return []

    def carried(self, step: str) -> list[Field]:
        """The fields of the other steps, kept as hidden inputs on this one."""
        shown = {f.name for f in self.step_fields(step)}
        return [
            f
            for s in STEPS
            for f in self.step_fields(s)
            if f.name not in shown and (f.data or f.raw_data)
        ]

    def validate_step(self, step: str) -> bool:
        """Check one step's fields (WTForms' own checks, then the step's rules)."""
        ok = all([field.validate(self) for field in self.step_fields(step)])
        if step == "property":
            for _, outcome, note in self.lines:
                if self[outcome].data and self[outcome].data != "returned" and not self[note].data:
                    self[note].errors = [*self[note].errors, "Say what happened to the item."]
                    ok = False
        if step == "care":
            ok = self._validate_care() and ok
        return ok

    def _validate_care(self) -> bool:
        if self.care_refused.data:
            if self.medications.data or self.health_summary.data:
                self.care_refused.errors = [
                    "A refusal hands nothing over: clear Yes/No above or untick the refusal."
                ]
                return False
            return True
        ok = True
        for f in (self.medications, self.health_summary):
            if f.data not in ("yes", "no"):
                f.errors = [*f.errors, "Choose Yes or No, or record the person's refusal."]
                ok = False
        return ok

    def first_invalid_step(self) -> str | None:
        for step in self.steps():
            if not self.validate_step(step):
                return step
        return None

    def continuity(self) -> dict[str, Any] | None:
        if "care" not in self.steps():
            return None
        if self.care_refused.data:
            return {"refused": True}
        return {
            "medications_handed_over": self.medications.data == "yes",
            "health_summary_handed_over": self.health_summary.data == "yes",
        }

    def property_returns(self) -> list[dict[str, Any]]:
        return [
            {
                "line_no": item.line_no,
                "outcome": self[outcome].data or "",
                "note": self[note].data or None,
            }
            for item, outcome, note in self.lines
        ]


def release_form(items: Sequence[PropertyItem]) -> type[ReleaseForm]:
    """The form for a booking's receipt: one outcome and one note per line."""

    class BookingReleaseForm(ReleaseForm):
        pass

    lines = []
    for item in items:
        outcome, note = f"item_{item.line_no}", f"item_{item.line_no}_note"
        setattr(
            BookingReleaseForm,
            outcome,
            RadioField(
                f"Line {item.line_no}: {property_text([item])}",
                choices=choices(OUTCOME_LABELS.items()),
                invalid_choice_message="Say what happened to this item.",
            ),
        )
        setattr(
            BookingReleaseForm,
            note,
            TextAreaField(
                f"Note on line {item.line_no}",
                validators=[Optional(), Length(max=500)],
                description="Required unless returned: what is missing, damaged or why kept.",
            ),
        )
        lines.append((item, outcome, note))
    BookingReleaseForm.lines = tuple(lines)
    return BookingReleaseForm


def service_aliases(items: Sequence[PropertyItem]) -> dict[str, str]:
    """The services' field names → this form's (errors shown next to the right field)."""
    names = {
        "continuity.medications_handed_over": "medications",
        "continuity.health_summary_handed_over": "health_summary",
        "continuity.refused": "care_refused",
        "continuity": "care_refused",
    }
    for item in items:
        names[f"property.{item.line_no}"] = f"item_{item.line_no}"
        names[f"property.{item.line_no}.note"] = f"item_{item.line_no}_note"
    return names


def step_of(field_name: str) -> str:
    """The step on which a field is filled in."""
    if field_name.startswith("item_") or field_name == "property":
        return "property"
    if field_name in CARE_FIELDS:
        return "care"
    if field_name in NOTIFICATION_FIELDS or field_name == "notifications":
        return "notifications"
    return "reason"
