"""Typed inputs of the facility services: built by the API from the loaded body, by the
pages from their forms, and by the seed and the tests directly. A patch's fields default
to `UNSET` (not sent: left as it is)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from core.validation import UNSET, Unset


@dataclass(frozen=True, kw_only=True)
class FacilityIn:
    code: str
    name: str
    address_line: str
    city: str
    state: str
    postal_code: str
    phone: str
    field_office: str  # a field office code
    facility_type: str
    time_zone: str
    standards_set: str  # a standards set code
    is_active: bool | Unset = UNSET  # a new facility is in use unless told otherwise


@dataclass(frozen=True, kw_only=True)
class FacilityPatch:
    name: str | Unset = UNSET
    address_line: str | Unset = UNSET
    city: str | Unset = UNSET
    state: str | Unset = UNSET
    postal_code: str | Unset = UNSET
    phone: str | Unset = UNSET
    field_office: str | Unset = UNSET
    facility_type: str | Unset = UNSET
    time_zone: str | Unset = UNSET
    standards_set: str | Unset = UNSET
    is_active: bool | Unset = UNSET


@dataclass(frozen=True, kw_only=True)
class UnitIn:
    name: str
    sex_housed: str
    kind: str
    levels: Sequence[int]  # classification levels housed: 1, 2 and/or 3


@dataclass(frozen=True, kw_only=True)
class UnitPatch:
    name: str | Unset = UNSET
    sex_housed: str | Unset = UNSET
    kind: str | Unset = UNSET
    levels: Sequence[int] | Unset = UNSET


@dataclass(frozen=True, kw_only=True)
class BedsIn:
    labels: Sequence[str]
    is_lower_bunk: bool = False
    is_accessible: bool = False


@dataclass(frozen=True, kw_only=True)
class BedPatch:
    label: str | Unset = UNSET
    is_lower_bunk: bool | Unset = UNSET
    is_accessible: bool | Unset = UNSET
    is_in_service: bool | Unset = UNSET
