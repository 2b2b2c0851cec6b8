"""The alerts custody staff see: the person's custody alerts (`detainee_alerts`, set
from the person's page) together with the custody-visible Flags clinicians set in the
health record (`health.patients.custody_alerts`: codes and labels, never the clinical
reason, never a clinical-only Flag). One line per kind."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from custody.people.models import ALERT_LABELS, AlertKind, Detainee
from health import patients


@dataclass(frozen=True)
class ShownAlert:
    kind: str  # custody's kind (`lower_bunk`…; `diet` comes from health only)
    label: str
    started_at: dt.datetime | None
    source: str  # "custody" or "health"


def shown_alerts(
    person: Detainee, health_flags: Sequence[patients.CustodyFlag] | None = None
) -> list[ShownAlert]:
    """The person's active alerts for custody pages and the booking API, by label.
    `health_flags`: their custody-visible Flags when the caller read them already (a
    list's batch, `active_kinds_of`); otherwise one health query here."""
    if health_flags is None:
        health_flags = patients.custody_alerts(person.a_number)
    shown = {
        alert.kind: ShownAlert(
            alert.kind, ALERT_LABELS[AlertKind(alert.kind)], alert.started_at, "custody"
        )
        for alert in person.active_alerts()
    }
    for flag in health_flags:
        kind = flag.code.replace("-", "_")
        if kind not in shown:
            shown[kind] = ShownAlert(kind, flag.label, flag.since, "health")
    return sorted(shown.values(), key=lambda alert: alert.label)


def active_kinds(person: Detainee) -> set[str]:
    """The kinds of the person's active alerts, wherever they were set (housing rules)."""
    return {alert.kind for alert in shown_alerts(person)}


def active_kinds_of(people: Iterable[Detainee]) -> dict[int, set[str]]:
    """`active_kinds` of many people (person id → kinds) in two health queries, not one
    per person: for lists and overviews."""
    people = list(people)
    flags = patients.custody_alerts_of([p.a_number for p in people])
    return {p.id: {a.kind for a in shown_alerts(p, flags.get(p.a_number, []))} for p in people}
