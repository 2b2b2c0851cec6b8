"""Languages and how pages write what they show, once for custody and health.

The public locator speaks English and Spanish; staff pages stay English. The visitor
chooses with `?lang=es` (kept in the locator's links and form), otherwise the browser's
Accept-Language decides. No cookie and no session: an anonymous visitor leaves nothing
behind.

One way to write an A-number (`a_number`: A123-456-789) and a time (`local_time`: in
the facility's zone with its abbreviation, 12/01/2026 09:05 CST, day first where the
page speaks Spanish) on every page.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo

from flask import Flask, has_request_context, request
from flask_babel import Babel, get_locale

LANGUAGES = ("en", "es")
LANGUAGE_NAMES = {"en": "English", "es": "Español"}
PUBLIC_BLUEPRINTS = frozenset({"locator"})

babel = Babel()


def visitor_language() -> str:
    """`?lang=` when it names a language we have, else the best Accept-Language match."""
    chosen = request.args.get("lang", "")
    if chosen in LANGUAGES:
        return chosen
    return request.accept_languages.best_match(LANGUAGES) or LANGUAGES[0]


def select_locale() -> str:
    if has_request_context() and request.blueprint in PUBLIC_BLUEPRINTS:
        return visitor_language()
    return "en"


TIME_FORMAT = "%m/%d/%Y %H:%M %Z"
DATE_FORMAT = "%m/%d/%Y"
# Where a page speaks another language (the receipt printed for the person), the day
# comes first, as its readers write it.
DAY_FIRST = {"es": ("%d/%m/%Y %H:%M %Z", "%d/%m/%Y")}


def time_formats() -> tuple[str, str]:
    """(time, date) formats for the page's language."""
    locale = get_locale()  # None outside a request or app context
    return DAY_FIRST.get(locale.language if locale else "en", (TIME_FORMAT, DATE_FORMAT))


def zone_named(name: str | None) -> dt.tzinfo:
    """The time zone of that IANA name; UTC when it names none we know."""
    try:
        return zoneinfo.ZoneInfo(name or "UTC")
    except (KeyError, ValueError):
        return dt.UTC


def local_time(value: dt.datetime | None, zone: dt.tzinfo | str | None) -> str:
    """A time in a facility's zone (a tzinfo or its IANA name) with the zone's
    abbreviation: "12/01/2026 09:05 CST"; "—" for none. A naive time is taken as UTC."""
    if value is None:
        return "—"
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.UTC)
    where = zone if isinstance(zone, dt.tzinfo) else zone_named(zone)
    return value.astimezone(where).strftime(time_formats()[0])


def local_day(value: dt.datetime | None, zone: dt.tzinfo | str | None) -> str:
    """The facility-local date of a time: "12/01/2026"; "—" for none."""
    if value is None:
        return "—"
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.UTC)
    where = zone if isinstance(zone, dt.tzinfo) else zone_named(zone)
    return value.astimezone(where).strftime(time_formats()[1])


def a_number(value: str | None) -> str:
    """One way to write an A-number on every page, custody's and health's: A123-456-789
    (the `a_number` template filter)."""
    digits = "".join(ch for ch in (value or "") if ch.isdigit())
    if len(digits) != 9:
        return value or "—"
    return f"A{digits[:3]}-{digits[3:6]}-{digits[6:]}"


def init_app(app: Flask) -> None:
    babel.init_app(app, locale_selector=select_locale)
    app.add_template_filter(a_number, "a_number")
    app.add_template_filter(local_time, "local_time")
