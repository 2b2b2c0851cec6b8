"""Vital signs on the chart: the latest value of each LOINC vital, and the trend of
blood pressure, pulse and weight as plot geometry for a server-rendered SVG (the
template draws it; its data table lists the same values)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from health.chart.codes import LOINC, VITAL_NAMES, Vital, codings

# plot area (SVG user units; the SVG scales to its container)
WIDTH, HEIGHT = 640, 220
LEFT, RIGHT, TOP, BOTTOM = 48, 16, 16, 36


@dataclass(frozen=True)
class Reading:
    at: dt.datetime
    value: float
    unit: str


@dataclass(frozen=True)
class Line:
    name: str
    css: str  # the series' class (colour and dash in the stylesheet)
    points: str  # "x,y x,y …" for <polyline>
    dots: list[tuple[float, float, str]]  # (x, y, title)


@dataclass
class Plot:
    """One SVG: its title, description, axis ticks, lines, and the data table rows."""

    key: str
    title: str
    description: str
    unit: str
    lines: list[Line] = field(default_factory=list)
    y_ticks: list[tuple[float, str]] = field(default_factory=list)
    x_ticks: list[tuple[float, str]] = field(default_factory=list)
    rows: list[tuple[str, list[str]]] = field(default_factory=list)  # (when, values)
    columns: list[str] = field(default_factory=list)


@dataclass
class Trend:
    series: dict[str, list[Reading]] = field(default_factory=dict)
    plots: list[Plot] = field(default_factory=list)


def _code(observation: dict[str, Any]) -> str | None:
    for coding in codings(observation.get("code")):
        if coding.get("system") == LOINC and coding.get("code") in set(Vital):
            return str(coding["code"])
    return None


def _quantity(holder: dict[str, Any]) -> tuple[float, str] | None:
    quantity = holder.get("valueQuantity")
    if not isinstance(quantity, dict):
        return None
    value = quantity.get("value")
    if isinstance(value, bool) or not isinstance(value, int | float | Decimal):
        return None
    return float(value), str(quantity.get("unit") or quantity.get("code") or "")


def _when(observation: dict[str, Any]) -> dt.datetime | None:
    value = observation.get("effectiveDateTime") or (observation.get("effectivePeriod") or {}).get(
        "start"
    )
    if not isinstance(value, str):
        return None
    try:
        parsed = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.UTC)


def readings(observations: list[dict[str, Any]]) -> dict[str, list[Reading]]:
    """LOINC vital code → readings, oldest first (a blood-pressure panel gives its
    systolic and diastolic components)."""
    found: dict[str, list[Reading]] = {}
    for observation in observations:
        if observation.get("status") in {"entered-in-error", "cancelled"}:
            continue
        code, at = _code(observation), _when(observation)
        if code is None or at is None:
            continue
        parts = [(code, observation)]
        if code == Vital.BLOOD_PRESSURE:
            parts = [(_code(c) or "", c) for c in observation.get("component") or ()]
        for part_code, holder in parts:
            value = _quantity(holder) if part_code else None
            if value is not None:
                found.setdefault(part_code, []).append(Reading(at, *value))
    for series in found.values():
        series.sort(key=lambda reading: reading.at)
    return found


def format_value(value: float) -> str:
    return f"{value:.0f}" if value == int(value) else f"{value:.1f}"


def summarise(
    observations: list[dict[str, Any]], local: Callable[[dt.datetime], str]
) -> tuple[list[dict[str, str]], Trend]:
    """The latest value of each vital (blood pressure as systolic/diastolic), and the
    trend plots."""
    series = readings(observations)
    latest: list[dict[str, str]] = []
    systolic, diastolic = series.get(Vital.SYSTOLIC), series.get(Vital.DIASTOLIC)
    if systolic and diastolic:
        s, d = systolic[-1], diastolic[-1]
        value = f"{format_value(s.value)}/{format_value(d.value)} {s.unit}"
        latest.append({"name": "Blood pressure", "value": value, "when": local(s.at)})
    for code, items in series.items():
        if code in {Vital.SYSTOLIC, Vital.DIASTOLIC} and systolic and diastolic:
            continue
        last = items[-1]
        latest.append(
            {
                "name": VITAL_NAMES[Vital(code)],
                "value": f"{format_value(last.value)} {last.unit}".strip(),
                "when": local(last.at),
            }
        )
    trend = Trend(series=series)
    bp_and_pulse = [
        ("Systolic", "systolic", Vital.SYSTOLIC),
        ("Diastolic", "diastolic", Vital.DIASTOLIC),
        ("Pulse", "pulse", Vital.PULSE),
    ]
    plot = _plot("bp", "Blood pressure and pulse", "mmHg, beats/min", series, bp_and_pulse, local)
    if plot is not None:
        trend.plots.append(plot)
    weight = _plot("weight", "Weight", "kg", series, [("Weight", "weight", Vital.WEIGHT)], local)
    if weight is not None:
        trend.plots.append(weight)
    return latest, trend


def _plot(
    key: str,
    title: str,
    unit: str,
    series: dict[str, list[Reading]],
    wanted: list[tuple[str, str, Vital]],
    local: Callable[[dt.datetime], str],
) -> Plot | None:
    present = [(name, css, series[code]) for name, css, code in wanted if series.get(code)]
    if not present:
        return None
    times = sorted({r.at for _, _, items in present for r in items})
    values = [r.value for _, _, items in present for r in items]
    low, high = _range(min(values), max(values))
    start, end = times[0], times[-1]
    span = (end - start).total_seconds() or 1.0

    def x(at: dt.datetime) -> float:
        if len(times) == 1:
            return LEFT + (WIDTH - LEFT - RIGHT) / 2
        return round(LEFT + (at - start).total_seconds() / span * (WIDTH - LEFT - RIGHT), 1)

    def y(value: float) -> float:
        return round(TOP + (high - value) / (high - low) * (HEIGHT - TOP - BOTTOM), 1)

    names = ", ".join(name.lower() for name, _, _ in present)
    plot = Plot(
        key=key,
        title=f"{title}, {local(start)} to {local(end)}",
        description=f"Line chart of {names} ({unit}); {len(times)} dates. The table below "
        "lists every value.",
        unit=unit,
        columns=[name for name, _, _ in present],
    )
    for name, css, items in present:
        dots = [(x(r.at), y(r.value), f"{name} {format_value(r.value)} {r.unit}") for r in items]
        points = " ".join(f"{dx},{dy}" for dx, dy, _ in dots)
        plot.lines.append(Line(name=name, css=css, points=points, dots=dots))
    step = _step(high - low)
    plot.y_ticks = [
        (y(low + step * i), format_value(low + step * i))
        for i in range(int((high - low) / step) + 1)
    ]
    shown = times if len(times) <= 6 else [times[i * (len(times) - 1) // 5] for i in range(6)]
    plot.x_ticks = [(x(at), local(at)[:10]) for at in shown]
    by_time = {name: {r.at: r for r in items} for name, _, items in present}
    for at in times:
        cells = [
            f"{format_value(by_time[name][at].value)} {by_time[name][at].unit}"
            if at in by_time[name]
            else "—"
            for name, _, _ in present
        ]
        plot.rows.append((local(at), cells))
    return plot


def _step(span: float) -> float:
    """A round tick step giving 3 to 6 ticks over `span`."""
    for step in (1.0, 2.0, 5.0, 10.0, 20.0, 25.0, 50.0, 100.0):
        if span / step <= 5:
            return step
    return float(int(span / 5 // 100 + 1) * 100)


def _range(low: float, high: float) -> tuple[float, float]:
    """A padded axis range whose ends are multiples of its tick step (never empty)."""
    pad = max((high - low) * 0.1, 2.0)
    step = _step(high - low + 2 * pad)
    return (low - pad) // step * step, -(-(high + pad) // step) * step
