"""The releases' controlled vocabularies, in one place: reasons, property outcomes,
continuity-of-care outcomes, and the notifications a reason requires (as data).

Stored values are the StrEnum codes (the API takes them); pages show the labels.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum


class ReleaseReason(StrEnum):
    BOND = "bond"
    PAROLE = "parole"
    RECOGNIZANCE = "order_of_recognizance"
    SUPERVISION = "order_of_supervision"
    REMOVAL = "removal"
    AGENCY_TRANSFER = "transfer_to_another_agency"
    COURT_ORDER = "court_order"
    DEATH = "death_in_custody"


REASON_LABELS: Mapping[str, str] = {
    ReleaseReason.BOND: "Bond",
    ReleaseReason.PAROLE: "Parole",
    ReleaseReason.RECOGNIZANCE: "Order of recognizance",
    ReleaseReason.SUPERVISION: "Order of supervision",
    ReleaseReason.REMOVAL: "Removal",
    ReleaseReason.AGENCY_TRANSFER: "Transfer to another agency",
    ReleaseReason.COURT_ORDER: "Court order",
    ReleaseReason.DEATH: "Death in custody",
}


def reason_code(value: object) -> object:
    """The code a caller meant: the code itself, or its label in any case and spacing
    ("Order of supervision", "order-of-supervision"); anything else unchanged (refused
    by the caller's check, which lists the codes)."""
    if not isinstance(value, str):
        return value
    key = "_".join(value.strip().lower().replace("-", " ").split())
    for code, label in REASON_LABELS.items():
        if key in (code, "_".join(label.lower().split())):
            return code
    return value


class PropertyOutcome(StrEnum):
    """What happened to one line of the intake property receipt at release."""

    RETURNED = "returned"
    MISSING = "missing"
    DAMAGED = "damaged"  # handed back, damaged
    RETAINED = "retained"  # kept by the facility or another agency (evidence, contraband)


OUTCOME_LABELS: Mapping[str, str] = {
    PropertyOutcome.RETURNED: "Returned",
    PropertyOutcome.MISSING: "Missing",
    PropertyOutcome.DAMAGED: "Returned damaged",
    PropertyOutcome.RETAINED: "Retained",
}
# every outcome but a plain return is a discrepancy, recorded with a note
DISCREPANCIES = frozenset(
    {PropertyOutcome.MISSING, PropertyOutcome.DAMAGED, PropertyOutcome.RETAINED}
)
# the item left with the person (its `returned_at` is the release time)
HANDED_BACK = frozenset({PropertyOutcome.RETURNED, PropertyOutcome.DAMAGED})


class ContinuityOutcome(StrEnum):
    """The continuity-of-care step: only the fact of the hand-over, never its content."""

    HANDED_OVER = "handed_over"  # medications and health summary
    PARTLY_HANDED_OVER = "partly_handed_over"
    NOT_HANDED_OVER = "not_handed_over"
    REFUSED = "refused"  # the person refused the hand-over
    NOT_RECORDED = "not_recorded"  # an API release that did not say
    NOT_APPLICABLE = "not_applicable"  # no hand-over: death in custody


CONTINUITY_LABELS: Mapping[str, str] = {
    ContinuityOutcome.HANDED_OVER: "Medications and health summary handed over",
    ContinuityOutcome.PARTLY_HANDED_OVER: "Partly handed over",
    ContinuityOutcome.NOT_HANDED_OVER: "Nothing handed over",
    ContinuityOutcome.REFUSED: "The person refused the hand-over",
    ContinuityOutcome.NOT_RECORDED: "Not recorded",
    ContinuityOutcome.NOT_APPLICABLE: "Not applicable",
}
# reasons after which there is no one to hand medications and a health summary to
NO_HAND_OVER = frozenset({ReleaseReason.DEATH})


class Recipient(StrEnum):
    """Who must be told (see REQUIRED_NOTIFICATIONS)."""

    FIELD_OFFICE_DIRECTOR = "ero_field_office_director"
    IHSC = "ice_health_service_corps"
    OPR = "ice_office_of_professional_responsibility"
    DHS_OIG = "dhs_office_of_inspector_general"
    CONSULATE = "consulate"
    NEXT_OF_KIN = "next_of_kin"


RECIPIENT_LABELS: Mapping[str, str] = {
    Recipient.FIELD_OFFICE_DIRECTOR: "ERO Field Office Director",
    Recipient.IHSC: "ICE Health Service Corps (IHSC)",
    Recipient.OPR: "ICE Office of Professional Responsibility (OPR)",
    Recipient.DHS_OIG: "DHS Office of Inspector General (OIG)",
    Recipient.CONSULATE: "Consulate of the person's country",
    Recipient.NEXT_OF_KIN: "Next of kin",
}


class Channel(StrEnum):
    PHONE = "phone"
    EMAIL = "email"
    FAX = "fax"
    IN_PERSON = "in_person"
    LETTER = "letter"
    SECURE_MESSAGE = "secure_message"


CHANNEL_LABELS: Mapping[str, str] = {
    Channel.PHONE: "Telephone",
    Channel.EMAIL: "Email",
    Channel.FAX: "Fax",
    Channel.IN_PERSON: "In person",
    Channel.LETTER: "Letter",
    Channel.SECURE_MESSAGE: "Secure message",
}

# The notifications a release reason requires before the release can be completed.
# Death in custody: the ICE directive on notification and reporting of detainee deaths
# has the facility tell the ERO Field Office Director, who informs ICE Health Service
# Corps, ICE OPR and DHS OIG; the consulate of the person's country and the next of kin
# are notified too. Each is recorded with recipient, channel, time and who recorded it.
# The deadlines the directive sets (hours after the death) are not computed here.
REQUIRED_NOTIFICATIONS: Mapping[str, tuple[Recipient, ...]] = {
    ReleaseReason.DEATH: (
        Recipient.FIELD_OFFICE_DIRECTOR,
        Recipient.IHSC,
        Recipient.OPR,
        Recipient.DHS_OIG,
        Recipient.CONSULATE,
        Recipient.NEXT_OF_KIN,
    ),
}


def required_notifications(reason: str | None) -> tuple[Recipient, ...]:
    return REQUIRED_NOTIFICATIONS.get(reason or "", ())


def allowed(values: type[StrEnum]) -> str:
    """`bond, parole, …`: the allowed codes, for messages."""
    return ", ".join(v.value for v in values)
