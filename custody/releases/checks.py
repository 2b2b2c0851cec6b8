"""The release's two checklists, checked before anything is written: every line of the
intake property receipt accounted for, and the continuity-of-care hand-over."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from core.actor import Actor
from core.validation import FieldErrors
from custody.bookings.models import Booking, PropertyItem
from custody.releases.inputs import ContinuityIn, PropertyReturnIn
from custody.releases.models import PropertyReturn
from custody.releases.vocabulary import (
    DISCREPANCIES,
    HANDED_BACK,
    NO_HAND_OVER,
    ContinuityOutcome,
    PropertyOutcome,
)


@dataclass(frozen=True)
class Returned:
    item: PropertyItem
    outcome: PropertyOutcome
    note: str | None

    def apply(self, when: dt.datetime) -> PropertyReturn:
        """The return row; an item handed back (even damaged) gets `returned_at`."""
        if self.outcome in HANDED_BACK:
            self.item.returned_at = self.item.returned_at or when
        return PropertyReturn(item=self.item, outcome=self.outcome.value, note=self.note)


def _line(item: PropertyItem) -> str:
    return f"line {item.line_no} ({item.description})"


def property_returns(
    booking: Booking, given: Sequence[PropertyReturnIn], errors: FieldErrors
) -> list[Returned]:
    """One outcome per receipt line, a note with each discrepancy. Field errors go to
    `property` (the list) and `property.<line>` / `property.<line>.note`."""
    items = {item.line_no: item for item in booking.property_items}
    seen: dict[int, Returned] = {}
    for row in given:
        item = items.get(row.line_no)
        if item is None:
            errors.add("property", f"Line {row.line_no} is not on this booking's receipt.")
            continue
        if row.line_no in seen:
            errors.add("property", f"{_line(item).capitalize()} is given twice.")
            continue
        field = f"property.{item.line_no}"
        outcome = errors.choice(field, row.outcome, tuple(PropertyOutcome))
        note = errors.text(f"{field}.note", row.note, max_length=500, required=False) or None
        if outcome in DISCREPANCIES and note is None:
            errors.add(f"{field}.note", "Say what happened to the item.")
        if outcome:
            seen[item.line_no] = Returned(item, PropertyOutcome(outcome), note)
    given_lines = {row.line_no for row in given}
    missing = [item for line, item in items.items() if line not in given_lines]
    if missing:
        names = ", ".join(_line(item) for item in missing)
        errors.add("property", f"Say what happened to each item of the receipt: {names}.")
    return list(seen.values())


@dataclass(frozen=True)
class Care:
    outcome: ContinuityOutcome
    medications: bool | None = None
    health_summary: bool | None = None
    refused: bool = False

    def columns(self, actor: Actor, when: dt.datetime) -> dict[str, object]:
        recorded = self.outcome not in (
            ContinuityOutcome.NOT_RECORDED,
            ContinuityOutcome.NOT_APPLICABLE,
        )
        return {
            "medications_handed_over": self.medications,
            "health_summary_handed_over": self.health_summary,
            "is_care_refused": self.refused,
            "continuity_outcome": self.outcome.value,
            "continuity_recorded_at": when if recorded else None,
            "continuity_recorded_by_id": actor.user_id if recorded else None,
        }


def continuity_of(care: ContinuityIn | None, reason: str, errors: FieldErrors) -> Care:
    """Medications and health summary handed over (yes/no each), or the refusal; an API
    release that says nothing is recorded as "not recorded"; after a death in custody
    there is no hand-over ("not applicable")."""
    if reason in NO_HAND_OVER:
        if care is not None and care != ContinuityIn():
            errors.add("continuity", "There is no hand-over after a death in custody.")
        return Care(ContinuityOutcome.NOT_APPLICABLE)
    if care is None:
        return Care(ContinuityOutcome.NOT_RECORDED)
    refused = errors.boolean("continuity.refused", care.refused)
    if refused:
        if care.medications_handed_over is not None or care.health_summary_handed_over is not None:
            errors.add("continuity", "A refusal hands nothing over: leave the hand-over empty.")
        return Care(ContinuityOutcome.REFUSED, refused=True)
    meds = errors.boolean("continuity.medications_handed_over", care.medications_handed_over)
    summary = errors.boolean(
        "continuity.health_summary_handed_over", care.health_summary_handed_over
    )
    if meds is None or summary is None:
        return Care(ContinuityOutcome.NOT_RECORDED)
    outcome = (
        ContinuityOutcome.HANDED_OVER
        if meds and summary
        else ContinuityOutcome.PARTLY_HANDED_OVER
        if meds or summary
        else ContinuityOutcome.NOT_HANDED_OVER
    )
    return Care(outcome, medications=meds, health_summary=summary)
