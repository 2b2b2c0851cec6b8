"""Countries and languages, named in English and Spanish (from Babel's CLDR data)."""

from __future__ import annotations

import functools
import re

from babel import Locale

LANGUAGE_CODE = re.compile(r"^[a-z]{2,3}$")
# ISO 639-3 languages often spoken in detention that CLDR does not name.
EXTRA_LANGUAGES = {
    "mam": "Mam",
    "kjb": "Q'anjob'al",
    "acr": "Achi",
    "cac": "Chuj",
    "ixl": "Ixil",
    "jac": "Popti'",
    "tzo": "Tzotzil",
}


@functools.cache
def countries(locale: str = "en") -> dict[str, str]:
    """ISO 3166-1 alpha-2 code → country name, sorted by name."""
    names = Locale.parse(locale).territories
    found = {code: name for code, name in names.items() if len(code) == 2 and code.isalpha()}
    found.pop("ZZ", None)  # "Unknown Region"
    return dict(sorted(found.items(), key=lambda item: item[1]))


def country_name(code: str | None, locale: str = "en") -> str:
    return countries(locale).get(code or "", code or "")


def is_country(code: str) -> bool:
    return code in countries()


@functools.cache
def languages() -> dict[str, str]:
    names = {c: n for c, n in Locale("en").languages.items() if LANGUAGE_CODE.match(c)}
    return dict(sorted({**names, **EXTRA_LANGUAGES}.items(), key=lambda item: item[1]))


def language_name(code: str) -> str:
    return languages().get(code, code)


def is_language(code: str) -> bool:
    return bool(LANGUAGE_CODE.match(code))
