"""Restrictive housing's vocabulary: the rules it keeps clocks for, the kinds, decisions,
observations and notification methods, and the audit tags. Plain values (no database)
that the services, forms, schemas and pages share so they agree on what is allowed."""

from __future__ import annotations

import datetime as dt

from custody.audit_tags import CustodySubject
from custody.restrictive.models import PlacementKind

CHECK_RULE = "restrictive-housing-check"
REVIEW_RULE = "restrictive-housing-review"
NOTIFY_RULE = "restrictive-housing-notification"
RULES = (CHECK_RULE, REVIEW_RULE, NOTIFY_RULE)
WHAT = {CHECK_RULE: "check", REVIEW_RULE: "review", NOTIFY_RULE: "notification"}
SUBJECT = CustodySubject.PLACEMENT
DEFAULT_CHECK_LIMIT = dt.timedelta(minutes=30)

KINDS = {
    PlacementKind.ADMINISTRATIVE: "Administrative",
    PlacementKind.DISCIPLINARY: "Disciplinary",
}
DECISIONS = {"continue": "Continue the placement", "release": "Release from restrictive housing"}
# What an officer saw, never why: free text could carry clinical content.
OBSERVATIONS = {
    "observed": "Observed, no concern",
    "asleep": "Asleep, breathing observed",
    "no_response": "No response (escalated)",
    "needs_attention": "Needs attention (escalated)",
    "refused": "Refused to be seen or to answer (escalated)",
}
METHODS = {
    "email": "Email",
    "phone": "Telephone",
    "fax": "Fax",
    "letter": "Letter",
    "in_person": "In person",
}
