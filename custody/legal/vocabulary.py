"""The legal-access log's vocabulary: kinds, outcomes, the controlled list of denial
reasons, consular contact types and the State Department's mandatory-notification
countries (the seed of the admin-editable list). Plain values that the services, forms,
schemas and pages share, so they agree on what is allowed."""

from __future__ import annotations

import datetime as dt

from custody.legal.models import EntryKind, Outcome

KINDS = {
    EntryKind.ATTORNEY_VISIT: "Attorney visit",
    EntryKind.LEGAL_CALL: "Legal call",
    EntryKind.LAW_LIBRARY: "Law library session",
    EntryKind.LEGAL_RIGHTS_PRESENTATION: "Legal rights presentation",
    EntryKind.CONSULAR_CONTACT: "Consular contact",
    EntryKind.LEGAL_MAIL: "Legal mail",
}
OUTCOMES = {
    Outcome.COMPLETED: "Completed",
    Outcome.DENIED: "Denied",
    Outcome.CUT_SHORT: "Cut short",
}
# Why access was denied: a controlled list the denials chart counts; free text adds detail.
DENIAL_REASONS = {
    "lockdown": "Facility lockdown or security incident",
    "outside_hours": "Requested outside legal-visiting or library hours",
    "no_room": "No visiting room or library seat available",
    "no_staff": "No staff available to escort",
    "equipment": "Telephone or library computer unavailable",
    "credentials": "Visitor's identification or credentials not accepted",
    "person_unavailable": "Person unavailable (court, medical, transport)",
    "declined": "Person declined",
    "other": "Other (explain)",
}
CONSULAR_TYPES = {
    "notification": "Notification of detention",
    "visit": "Consular visit",
    "call": "Telephone call",
    "correspondence": "Correspondence",
}
# Kinds whose length counts (law-library hours, visit hours): completed and cut-short
# sessions say how long they lasted; legal mail is a moment.
TIMED_KINDS = frozenset(
    {
        EntryKind.ATTORNEY_VISIT,
        EntryKind.LEGAL_CALL,
        EntryKind.LAW_LIBRARY,
        EntryKind.LEGAL_RIGHTS_PRESENTATION,
    }
)
COUNTED_OUTCOMES = (Outcome.COMPLETED, Outcome.CUT_SHORT)
MAX_MINUTES = 24 * 60
# Bilateral agreements and the Vienna Convention practice: notify without delay, and no
# later than 72 hours after the detention began.
NOTIFICATION_WITHIN = dt.timedelta(hours=72)
NO_CONTENT = (
    "Record who, when and how long only: never what was said, read or written "
    "(legal visits, calls and mail are confidential)."
)

# U.S. Department of State, Consular Notification and Access manual (5th ed., 2018),
# "Mandatory Notification Countries and Jurisdictions": ISO 3166-1 codes, with the
# territories the list names (China's Hong Kong and Macao; the United Kingdom's
# Anguilla, Bermuda, British Virgin Islands, Montserrat, Turks and Caicos). Poland
# applies to non-permanent residents only. The list changes: admins edit it.
MANDATORY_NOTIFICATION_COUNTRIES = {
    "AG": "",
    "AI": "United Kingdom territory",
    "AL": "",
    "AM": "",
    "AZ": "",
    "BB": "",
    "BG": "",
    "BM": "United Kingdom territory",
    "BN": "",
    "BS": "",
    "BY": "",
    "BZ": "",
    "CN": "",
    "CR": "",
    "CY": "",
    "CZ": "",
    "DM": "",
    "DZ": "",
    "FJ": "",
    "GB": "",
    "GD": "",
    "GE": "",
    "GH": "",
    "GM": "",
    "GY": "",
    "HK": "China, special administrative region",
    "HU": "",
    "JM": "",
    "KG": "",
    "KI": "",
    "KN": "",
    "KW": "",
    "KZ": "",
    "LC": "",
    "MD": "",
    "MN": "",
    "MO": "China, special administrative region",
    "MS": "United Kingdom territory",
    "MT": "",
    "MU": "",
    "MY": "",
    "NG": "",
    "PH": "",
    "PL": "Non-permanent residents only",
    "RO": "",
    "RU": "",
    "SC": "",
    "SG": "",
    "SK": "",
    "SL": "",
    "TC": "United Kingdom territory",
    "TJ": "",
    "TM": "",
    "TO": "",
    "TT": "",
    "TV": "",
    "TZ": "",
    "UA": "",
    "UZ": "",
    "VC": "",
    "VG": "United Kingdom territory",
    "ZM": "",
    "ZW": "",
}
# What the PBNDS 2011 (revised 2016) set asks (STANDARDS.md, "Minimums"): the migration
# stores these as the rows of the sets it knows; reports read the rows, not these.
PBNDS_2011_MINIMUMS = {
    "law_library_minutes": 5 * 60,
    "weekday_visiting_minutes": 8 * 60,
    "weekend_visiting_minutes": 4 * 60,
    "citation": "PBNDS 2011 (rev. 2016) 5.7, 6.3",
}
