"""A horizontal bar chart as plain geometry, for a server-rendered SVG (no script, no
inline style: the page's CSP allows neither). The page adds a title, a description and
the same figures as a table, so the chart is never the only way to read them."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

LABEL_WIDTH = 330
BAR_HEIGHT = 22
GAP = 10
PLOT_WIDTH = 300
TOP = 8


@dataclass(frozen=True)
class Bar:
    label: str
    value: int
    x: int
    y: int
    width: int
    height: int
    text_y: int


@dataclass(frozen=True)
class BarChart:
    bars: tuple[Bar, ...]
    width: int
    height: int
    label_width: int


def bar_chart(figures: Sequence[tuple[str, int]]) -> BarChart:
    """Bars scaled to the largest figure, one row each, in the order given."""
    largest = max((value for _, value in figures), default=0) or 1
    bars = []
    for row, (label, value) in enumerate(figures):
        y = TOP + row * (BAR_HEIGHT + GAP)
        width = max(2, round(PLOT_WIDTH * value / largest)) if value else 0
        bars.append(Bar(label, value, LABEL_WIDTH, y, width, BAR_HEIGHT, y + BAR_HEIGHT - 6))
    height = TOP * 2 + len(bars) * (BAR_HEIGHT + GAP)
    return BarChart(tuple(bars), LABEL_WIDTH + PLOT_WIDTH + 60, height, LABEL_WIDTH)
