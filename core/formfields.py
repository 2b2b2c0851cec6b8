"""The two date patterns of every page (USWDS), as WTForms fields.

- `MemorableDateField`: a date people know by heart (date of birth, a date of a
  document) as the USWDS *memorable date*: a month select and day and year boxes, the
  same on every page and in every browser (no `type=date` control whose format
  depends on the browser). Posted as `<name>_month`, `<name>_day`, `<name>_year`; its
  data is a `date`, None when empty, or the typed text when it is no date (for the
  service's date check to refuse with its wording, beside the form's other problems).
- `LocalDateTimeField`: a moment in the facility's local time as the USWDS *date
  picker* (typed `mm/dd/yyyy`, or chosen on its calendar) beside a time input
  (`HH:MM`, 24 hours). Posted as `<name>` (the date) and `<name>_time`. Its data is a
  naive local datetime: the view turns it into UTC with the facility's time zone.

Both render with the macros `memorable_date` and `date_time` of
templates/macros/forms.html; an unreadable entry is a field error in the form's one
wording, a missing one is left to the service (which knows whether it is required).
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from babel.dates import get_month_names
from flask_babel import get_locale, lazy_gettext
from wtforms import Field
from wtforms.utils import unset_value

DATE_PARTS = ("month", "day", "year")
_US_DATE = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})$")
_ISO_DATE = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$")
_TIME = re.compile(r"^(\d{1,2}):(\d{2})(?::\d{2})?\s*([AaPp][Mm])?$")

NOT_A_PICKED_DATE = lazy_gettext("Enter the date as mm/dd/yyyy, for example 04/28/2026.")
NOT_A_TIME = lazy_gettext("Enter the time as hours and minutes, for example 14:30.")
NO_DATE = lazy_gettext("Enter the date of this time.")


def month_names() -> list[tuple[str, str]]:
    """(number, name) of the twelve months in the page's language."""
    locale = get_locale()
    names = get_month_names("wide", locale=str(locale) if locale else "en")
    return [(str(number), name.capitalize()) for number, name in names.items()]


def parse_date_text(text: str) -> dt.date | None:
    """`mm/dd/yyyy` (what the date picker shows and people type) or `yyyy-mm-dd` (what
    it posts when enhanced); None when it is neither or no such day."""
    us, iso = _US_DATE.match(text), _ISO_DATE.match(text)
    try:
        if us:
            return dt.date(int(us[3]), int(us[1]), int(us[2]))
        if iso:
            return dt.date(int(iso[1]), int(iso[2]), int(iso[3]))
    except ValueError:
        return None
    return None


def parse_time_text(text: str) -> dt.time | None:
    match = _TIME.match(text)
    if match is None:
        return None
    hour, minute, half = int(match[1]), int(match[2]), (match[3] or "").lower()
    if half:
        if not 1 <= hour <= 12:
            return None
        hour = hour % 12 + (12 if half == "pm" else 0)
    if hour > 23 or minute > 59:
        return None
    return dt.time(hour, minute)


class MemorableDateField(Field):
    """A date as month, day and year (USWDS memorable date); data is a `date` or None."""

    def process(self, formdata: Any, data: Any = unset_value, extra_filters: Any = None) -> None:
        self.process_errors: list[str] = []
        if data is unset_value:
            data = self.default() if callable(self.default) else self.default
        self.object_data = data
        self.data = data
        self.parts = {"month": "", "day": "", "year": ""}
        if isinstance(data, dt.date):
            self.parts = {"month": str(data.month), "day": str(data.day), "year": str(data.year)}
        if formdata is None or not any(f"{self.name}_{p}" in formdata for p in DATE_PARTS):
            return
        self.parts = {p: (formdata.get(f"{self.name}_{p}") or "").strip() for p in DATE_PARTS}
        self.raw_data = [" ".join(self.parts.values()).strip()]
        self.data = None
        if not any(self.parts.values()):
            return
        month, day, year = (self.parts[p] for p in DATE_PARTS)
        try:
            if not (month.isdigit() and day.isdigit() and year.isdigit() and len(year) == 4):
                raise ValueError(year)
            self.data = dt.date(int(year), int(month), int(day))
        except ValueError:
            # Not a date: the text goes on to the service, whose check of the date says
            # so in the one wording, together with every other problem of the form.
            self.data = self.raw_data[0]

    def months(self) -> list[tuple[str, str]]:
        return month_names()

    def _value(self) -> str:
        return self.data.isoformat() if isinstance(self.data, dt.date) else ""


class LocalDateTimeField(Field):
    """A local date and time (USWDS date picker + time input); data is a naive
    `datetime` in the facility's time zone, or None when both are empty."""

    def process(self, formdata: Any, data: Any = unset_value, extra_filters: Any = None) -> None:
        self.process_errors: list[str] = []
        if data is unset_value:
            data = self.default() if callable(self.default) else self.default
        self.object_data = data
        self.data = data
        self.date_text = self.time_text = ""
        if isinstance(data, dt.datetime):
            self.date_text = data.strftime("%m/%d/%Y")
            self.time_text = data.strftime("%H:%M")
        if formdata is None or not (self.name in formdata or f"{self.name}_time" in formdata):
            return
        self.date_text = (formdata.get(self.name) or "").strip()
        self.time_text = (formdata.get(f"{self.name}_time") or "").strip()
        self.raw_data = [f"{self.date_text} {self.time_text}".strip()]
        self.data = None
        if not (self.date_text or self.time_text):
            return
        day = parse_date_text(self.date_text) if self.date_text else None
        time = parse_time_text(self.time_text) if self.time_text else None
        if not self.date_text:
            self.process_errors.append(str(NO_DATE))
        elif day is None:
            self.process_errors.append(str(NOT_A_PICKED_DATE))
        elif time is None:
            self.process_errors.append(str(NOT_A_TIME))
        else:
            self.data = dt.datetime.combine(day, time)

    def iso_date(self) -> str:
        """The date as the date picker's `data-default-value` wants it (yyyy-mm-dd)."""
        day = parse_date_text(self.date_text)
        return day.isoformat() if day else ""

    def _value(self) -> str:
        return self.date_text
