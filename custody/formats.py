"""How custody pages write what they show, once: A-numbers, times in the facility's own
zone, languages and countries by name. Registered as template filters by
`custody.init_app`, so every page (and every new area's) uses the same forms:

    {{ person.a_number|a_number }}                 → A123-456-789
    {{ booking.booked_at|facility_time(facility) }} → 12/01/2026 09:05 CST
    {{ lang.code|language_name }}                   → Spanish
    {{ person.country_of_birth|country_name }}      → Mexico
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask import Flask

from core.i18n import local_time, time_formats, zone_named
from custody.people import reference


def zone_of(place: Any) -> dt.tzinfo:
    """A facility's (or a zone name's) time zone; UTC when it names none we know."""
    name = place if isinstance(place, str) else getattr(place, "time_zone", None)
    return zone_named(name)


def facility_time(value: dt.datetime | None, place: Any, fmt: str | None = None) -> str:
    """An aware time in the facility's local time with its zone abbreviation (CST)."""
    if fmt is None:
        return local_time(value, zone_of(place))
    if value is None:
        return "—"
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.UTC)
    return value.astimezone(zone_of(place)).strftime(fmt)


def zone_abbreviation(place: Any, when: dt.datetime | None = None) -> str:
    """The zone's abbreviation now (CST, or CDT in summer)."""
    return (when or dt.datetime.now(dt.UTC)).astimezone(zone_of(place)).strftime("%Z")


def local_midnight(place: Any, now: dt.datetime | None = None) -> dt.datetime:
    """The start of today in the facility's zone, as an aware UTC time."""
    zone = zone_of(place)
    local = (now or dt.datetime.now(dt.UTC)).astimezone(zone)
    midnight = dt.datetime.combine(local.date(), dt.time(), tzinfo=zone)
    return midnight.astimezone(dt.UTC)


def local_date(value: dt.date | None) -> str:
    return "—" if value is None else value.strftime(time_formats()[1])


def register(app: Flask) -> None:
    app.add_template_filter(facility_time, "facility_time")
    app.add_template_filter(zone_abbreviation, "zone_abbreviation")
    app.add_template_filter(local_date, "local_date")
    app.add_template_filter(reference.language_name, "language_name")
    app.add_template_filter(reference.country_name, "country_name")
