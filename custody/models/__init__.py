"""Custody models (plain: no Flask imports)."""

from custody.models.facilities import (
    Bed,
    Facility,
    FacilityType,
    FieldOffice,
    HousingUnit,
    Sex,
    StandardsSet,
    UnitKind,
)
from custody.models.people import Detainee

__all__ = [
    "Bed",
    "Detainee",
    "Facility",
    "FacilityType",
    "FieldOffice",
    "HousingUnit",
    "Sex",
    "StandardsSet",
    "UnitKind",
]
