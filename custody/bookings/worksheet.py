"""The custody classification worksheet: factors, answers and points, level bands and
the scoring. Plain definitions (no database), shared by the classification service and
the worksheet form so the page and the scoring never disagree."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from core.validation import FieldErrors

WORKSHEET_VERSION = "CCW-2026.1"


@dataclass(frozen=True)
class Factor:
    name: str
    label: str
    points: dict[str, int]  # answer → points


# Custody classification worksheet, version CCW-2026.1 (a synthetic, documented scale).
WORKSHEET: tuple[Factor, ...] = (
    Factor(
        "current_offense",
        "Most serious current charge or conviction",
        {"none": 0, "minor": 1, "moderate": 3, "serious": 5, "violent_felony": 8},
    ),
    Factor(
        "prior_convictions",
        "Prior convictions",
        {"none": 0, "one_or_two": 1, "three_or_more": 3},
    ),
    Factor(
        "violence_history",
        "History of violence",
        {"none": 0, "over_5_years": 2, "within_5_years": 4},
    ),
    Factor("escape_history", "Escape history", {"none": 0, "over_5_years": 2, "within_5_years": 5}),
    Factor(
        "institutional_conduct",
        "Disciplinary history in custody",
        {"none": 0, "minor": 1, "serious": 4},
    ),
    Factor("security_threat_group", "Security threat group", {"no": 0, "yes": 3}),
)
LEVEL_BANDS = ((3, 1), (8, 2))  # score ≤ 3 → level 1, ≤ 8 → level 2, else 3


def score_worksheet(inputs: Mapping[str, Any]) -> tuple[int, int, dict[str, list[str]]]:
    """(score, level, errors): every factor must be answered with a known answer. A
    violent felony or a recent escape is Level 3 whatever the total."""
    errors = FieldErrors()
    score = 0
    for factor in WORKSHEET:
        answer = errors.choice(factor.name, inputs.get(factor.name), factor.points)
        score += factor.points.get(answer, 0)
    errors.unknown_fields(inputs, [f.name for f in WORKSHEET])
    level = next((lvl for top, lvl in LEVEL_BANDS if score <= top), 3)
    if inputs.get("current_offense") == "violent_felony" or (
        inputs.get("escape_history") == "within_5_years"
    ):
        level = 3
    return score, level, errors.as_dict()
