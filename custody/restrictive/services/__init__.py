"""Restrictive housing (PBNDS 2.12, ICE Directive 11065.1): a supervisor places a person,
officers record observation checks, supervisors review the placement and notify the
field office, and a supervisor releases.

The deadlines are compliance clocks opened from the facility's rule set when the
placement starts (`starts_on = placement`): a check every 30 minutes counted from the
previous one, a review at 72 hours then every 7 days after the previous review, a
field-office notification at 14 days, then 30, 60, 90 … days after placement. Each
record closes the open clock of its rule (which opens the next); a release ends every
series. Nothing here hard-codes those numbers except a fallback for the check gap.
"""

from __future__ import annotations

from custody.restrictive.display import Interval, PlacementStatus, PlacementView
from custody.restrictive.services.reading import (
    check_gaps,
    check_intervals,
    check_limit,
    facility_overview,
    get_placement,
    open_placements,
    placement_candidates,
    placement_clocks,
    placement_view,
    restrictive_beds,
    show_placement,
    staff_names,
)
from custody.restrictive.services.writing import (
    end_placement,
    place_in_restrictive_housing,
    record_check,
    record_notification,
    record_review,
    release_from_restrictive_housing,
)
from custody.restrictive.vocabulary import (
    CHECK_RULE,
    DECISIONS,
    DEFAULT_CHECK_LIMIT,
    KINDS,
    METHODS,
    NOTIFY_RULE,
    OBSERVATIONS,
    REVIEW_RULE,
    RULES,
    SUBJECT,
    WHAT,
)

__all__ = [
    "CHECK_RULE",
    "DECISIONS",
    "DEFAULT_CHECK_LIMIT",
    "KINDS",
    "METHODS",
    "NOTIFY_RULE",
    "OBSERVATIONS",
    "REVIEW_RULE",
    "RULES",
    "SUBJECT",
    "WHAT",
    "Interval",
    "PlacementStatus",
    "PlacementView",
    "check_gaps",
    "check_intervals",
    "check_limit",
    "end_placement",
    "facility_overview",
    "get_placement",
    "open_placements",
    "place_in_restrictive_housing",
    "placement_candidates",
    "placement_clocks",
    "placement_view",
    "record_check",
    "record_notification",
    "record_review",
    "release_from_restrictive_housing",
    "restrictive_beds",
    "show_placement",
    "staff_names",
]
