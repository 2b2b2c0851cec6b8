"""Languages: the public locator speaks English and Spanish; staff pages stay English.

The visitor chooses with `?lang=es` (kept in the locator's links and form), otherwise
the browser's Accept-Language decides. No cookie and no session: an anonymous visitor
leaves nothing behind.
"""

from __future__ import annotations

from flask import Flask, has_request_context, request
from flask_babel import Babel

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
