"""Calendar arithmetic in a facility's own time zone: the reports count days and weeks
(Monday to Sunday) as the facility's clock shows them, so a session at 23:30 on Sunday
belongs to that week even when it is already Monday in UTC, and a week that changes to
or from daylight saving time is 167 or 169 hours long."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError


def zone_of(name: str) -> dt.tzinfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return dt.UTC


def local_day(when: dt.datetime, zone: dt.tzinfo) -> dt.date:
    return when.astimezone(zone).date()


def midnight(day: dt.date, zone: dt.tzinfo) -> dt.datetime:
    """The UTC instant the local `day` begins."""
    return dt.datetime.combine(day, dt.time(0), tzinfo=zone).astimezone(dt.UTC)


def monday_of(day: dt.date) -> dt.date:
    return day - dt.timedelta(days=day.weekday())


@dataclass(frozen=True)
class Week:
    """Monday to Sunday of one facility's calendar, with the UTC instants it spans."""

    monday: dt.date
    starts_at: dt.datetime
    ends_at: dt.datetime  # exclusive: the next Monday's midnight

    @property
    def sunday(self) -> dt.date:
        return self.monday + dt.timedelta(days=6)

    @property
    def hours(self) -> float:
        return (self.ends_at - self.starts_at).total_seconds() / 3600

    def label(self) -> str:
        return f"{self.monday:%a %d %b} – {self.sunday:%a %d %b %Y}"


def week_of(day: dt.date, zone: dt.tzinfo) -> Week:
    monday = monday_of(day)
    return Week(monday, midnight(monday, zone), midnight(monday + dt.timedelta(days=7), zone))


def weeks_between(first: dt.date, last: dt.date, zone: dt.tzinfo) -> list[Week]:
    """Every week that holds a day from `first` to `last` (inclusive), oldest first."""
    weeks, monday = [], monday_of(first)
    while monday <= last:
        weeks.append(week_of(monday, zone))
        monday += dt.timedelta(days=7)
    return weeks


def days_between(first: dt.date, last: dt.date) -> list[dt.date]:
    return [first + dt.timedelta(days=n) for n in range((last - first).days + 1)]


def is_weekend(day: dt.date) -> bool:
    return day.weekday() >= 5
