"""Countries and languages, named in English and Spanish (from Babel's CLDR data)."""

from __future__ import annotations

import functools
import re
import unicodedata

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


# CLDR territories that are not countries of ISO 3166-1: groupings (EU, UN, Eurozone,
# Outlying Oceania), pseudo-locales, and parts of countries listed on their own for
# telephone or postal reasons (Ascension, Canary Islands, Ceuta and Melilla …).
NOT_COUNTRIES = frozenset(
    {"AC", "CP", "DG", "EA", "EU", "EZ", "IC", "QO", "TA", "UN", "XA", "XB", "ZZ"}
)
# Letters a language sorts after their base letter rather than with it (CLDR collation:
# Spanish ñ follows n). Other accents sort with their base letter.
_OWN_LETTERS = {"es": {"ñ": "n\uffff"}}


def sort_key(text: str, locale: str = "en") -> str:
    """A sort key close to the language's collation (CLDR's, without ICU): accents sort
    with their base letter, so México follows Marruecos and Mauritania in Spanish, not
    every other M; a language's own letters (Spanish ñ) after their base."""
    folded = text.casefold()
    for letter, key in _OWN_LETTERS.get(locale.split("_")[0], {}).items():
        folded = folded.replace(letter, key)
    decomposed = unicodedata.normalize("NFKD", folded)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


@functools.cache
def countries(locale: str = "en") -> dict[str, str]:
    """ISO 3166-1 alpha-2 code → country name in `locale`, in that language's order."""
    names = Locale.parse(locale).territories
    found = {
        code: name
        for code, name in names.items()
        if len(code) == 2 and code.isalpha() and code not in NOT_COUNTRIES
    }
    return dict(sorted(found.items(), key=lambda item: sort_key(item[1], locale)))


def country_name(code: str | None, locale: str = "en") -> str:
    return countries(locale).get(code or "", code or "")


def is_country(code: str) -> bool:
    return code in countries()


@functools.cache
def languages() -> dict[str, str]:
    names = {c: n for c, n in Locale("en").languages.items() if LANGUAGE_CODE.match(c)}
    merged = {**names, **EXTRA_LANGUAGES}
    return dict(sorted(merged.items(), key=lambda item: sort_key(item[1])))


def language_name(code: str) -> str:
    return languages().get(code, code)


def is_language(code: str) -> bool:
    return bool(LANGUAGE_CODE.match(code))
