"""Names, not codes, in the custody exports: each stored code as the pages name it,
from the areas' own vocabularies (an unknown code is shown as stored, never dropped)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from custody.bookings.models import BookingStatus
from custody.counsel.models import CHANNEL_LABELS
from custody.facilities.models import UnitKind
from custody.legal import vocabulary as legal
from custody.people import reference
from custody.releases.vocabulary import REASON_LABELS
from custody.restrictive import vocabulary as restrictive
from custody.transfers.checklist import STATUS_LABELS

_BOOKING_STATUS = {
    BookingStatus.BOOKED: "Booked, not housed",
    BookingStatus.HOUSED: "Housed",
    BookingStatus.IN_TRANSIT: "In transit",
    BookingStatus.RELEASED: "Released",
}
_BED_END = {"moved": "Moved", "transferred": "Transferred", "released": "Released"}
_UNIT_KIND = {
    UnitKind.GENERAL: "General population",
    UnitKind.RESTRICTIVE: "Restrictive housing",
    UnitKind.MEDICAL: "Medical",
    UnitKind.ISOLATION: "Isolation",
    UnitKind.INTAKE: "Intake holding",
}
_SEX = {"male": "Male", "female": "Female", "unknown": "Unknown"}
_COUNSEL_EVENT = {"transfer": "Transfer", "release": "Release"}


def _named(table: Mapping[Any, str], code: str | None) -> str:
    if not code:
        return "—"
    return table.get(code, code)


def booking_status(code: str | None) -> str:
    return _named(_BOOKING_STATUS, code)


def bed_end(code: str | None) -> str:
    return _named(_BED_END, code)


def unit_kind(code: str | None) -> str:
    return _named(_UNIT_KIND, code)


def housing_rule(code: str | None) -> str:
    """An overridden housing rule (`lower_bunk_needed` → "Lower bunk needed")."""
    return "—" if not code else code.replace("_", " ").capitalize()


def sex(code: str | None) -> str:
    return _named(_SEX, code)


def gender(code: str | None) -> str:
    return "Not recorded" if not code else code.replace("_", " ").capitalize()


def release_reason(code: str | None) -> str:
    return _named(REASON_LABELS, code)


def transfer_status(code: str | None) -> str:
    return "—" if not code else _named(STATUS_LABELS, code)


def placement_kind(code: str | None) -> str:
    return _named(restrictive.KINDS, code)


def decision(code: str | None) -> str:
    return _named(restrictive.DECISIONS, code)


def notification_method(code: str | None) -> str:
    return _named(restrictive.METHODS, code)


def channel(code: str | None) -> str:
    return _named(CHANNEL_LABELS, code)


def counsel_event(code: str | None) -> str:
    return _named(_COUNSEL_EVENT, code)


def entry_kind(code: str | None) -> str:
    return _named(legal.KINDS, code)


def outcome(code: str | None) -> str:
    return _named(legal.OUTCOMES, code)


def denial_reason(code: str | None) -> str:
    return _named(legal.DENIAL_REASONS, code)


def consular_type(code: str | None) -> str:
    return _named(legal.CONSULAR_TYPES, code)


def country(code: str | None) -> str:
    return "—" if not code else reference.country_name(code)


def language(code: str | None) -> str:
    return "—" if not code else reference.language_name(code)


def yes_no(value: bool | None) -> str:
    return "—" if value is None else ("Yes" if value else "No")
