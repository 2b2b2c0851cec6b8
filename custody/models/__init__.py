"""Custody models (plain: no Flask imports)."""

from custody.models.bookings import (
    Booking,
    BookingStatus,
    Classification,
    PropertyItem,
    RiskScreening,
)
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
from custody.models.housing import (
    BedAssignment,
    FieldOfficeNotification,
    ObservationCheck,
    PlacementKind,
    PlacementReview,
    RestrictivePlacement,
)
from custody.models.people import (
    ALERT_LABELS,
    Alert,
    AlertKind,
    Detainee,
    DetaineeAlias,
    DetaineeLanguage,
    DetaineeSex,
    GenderIdentity,
)
from custody.models.rules import ClockStart, ComplianceClock, ComplianceRule, RepeatAnchor

__all__ = [
    "ALERT_LABELS",
    "Alert",
    "AlertKind",
    "Bed",
    "BedAssignment",
    "Booking",
    "BookingStatus",
    "Classification",
    "ClockStart",
    "ComplianceClock",
    "ComplianceRule",
    "Detainee",
    "DetaineeAlias",
    "DetaineeLanguage",
    "DetaineeSex",
    "Facility",
    "FacilityType",
    "FieldOffice",
    "FieldOfficeNotification",
    "GenderIdentity",
    "HousingUnit",
    "ObservationCheck",
    "PlacementKind",
    "PlacementReview",
    "PropertyItem",
    "RepeatAnchor",
    "RestrictivePlacement",
    "RiskScreening",
    "Sex",
    "StandardsSet",
    "UnitKind",
]
