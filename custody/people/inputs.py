"""What the people services take: typed inputs built by the API (from the loaded JSON),
the pages (from the forms), the seed and the tests. The services check the values."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from core.validation import UNSET, Unset


@dataclass(frozen=True)
class LanguageIn:
    code: str
    interpreter_needed: bool = False


@dataclass(frozen=True)
class AliasIn:
    family_name: str
    given_name: str


Language = LanguageIn | Mapping[str, Any] | str
Alias = AliasIn | Mapping[str, Any]


def languages(items: Iterable[Language] | None) -> tuple[LanguageIn, ...]:
    """Languages as given by a page (codes) or the API (objects)."""
    found = []
    for item in items or ():
        if isinstance(item, LanguageIn):
            found.append(item)
        elif isinstance(item, str):
            found.append(LanguageIn(item))
        else:
            found.append(
                LanguageIn(str(item.get("code") or ""), bool(item.get("interpreter_needed", False)))
            )
    return tuple(found)


def aliases(items: Iterable[Alias] | None) -> tuple[AliasIn, ...]:
    return tuple(
        item
        if isinstance(item, AliasIn)
        else AliasIn(str(item.get("family_name") or ""), str(item.get("given_name") or ""))
        for item in items or ()
    )


@dataclass(frozen=True)
class PersonIn:
    """A person to record (intake, the API)."""

    a_number: str | None = None
    family_name: str | None = None
    given_name: str | None = None
    middle_name: str | None = None
    date_of_birth: dt.date | None = None
    sex: str | None = None
    gender_identity: str | None = None
    country_of_birth: str | None = None
    country_of_citizenship: str | None = None
    # as the page (codes) or the API (objects) gives them; `languages()`/`aliases()` read them
    languages: Sequence[Language] = ()
    aliases: Sequence[Alias] = ()


@dataclass(frozen=True)
class PersonPatch:
    """A correction of a person (never the A-number): only the fields sent change."""

    family_name: str | Unset | None = UNSET
    given_name: str | Unset | None = UNSET
    middle_name: str | Unset | None = UNSET
    date_of_birth: dt.date | Unset | None = UNSET
    sex: str | Unset | None = UNSET
    gender_identity: str | Unset | None = UNSET
    country_of_birth: str | Unset | None = UNSET
    country_of_citizenship: str | Unset | None = UNSET
    languages: Sequence[Language] | Unset = UNSET
    aliases: Sequence[Alias] | Unset = UNSET
