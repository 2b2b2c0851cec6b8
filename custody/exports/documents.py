"""The custody exports as documents: `custody_record_document` and `legal_access_document`
turn what `custody.exports.records` read into a `core.pdf.PdfDocument` — its running
header and its parts, each rendered from `templates/exports/<kind>/…` with Jinja's
autoescaping (user text is never marked safe).

Parts are small and self-contained (a section, at most `ROWS` rows of a table, one month
of the legal log), oldest first, with nothing about the whole inside them, so large
records paginate and the engine can chunk and cache them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator, Sequence
from itertools import groupby
from typing import Any, TypeVar

from flask import render_template

from core.actor import Actor
from core.db import utcnow
from core.i18n import a_number, local_time
from core.pdf import PdfDocument, RunningHeader
from core.pdf.header import person_header
from custody.bookings.models import Booking
from custody.exports import labels
from custody.exports.records import (
    CustodyRecord,
    LegalLog,
    booking_days,
    custody_record,
    legal_log,
)
from custody.formats import zone_of
from custody.legal.minimums import Minimums, minimums_for
from custody.legal.reports import WeekHours, week_hours
from custody.legal.weeks import local_day, week_of, weeks_between

ROWS = 40  # rows per table: WeasyPrint lays out small tables fast, large ones slowly
T = TypeVar("T")


def chunks(rows: Sequence[T], size: int = ROWS) -> Iterator[tuple[int, Sequence[T]]]:
    """(index, rows) of at most `size` rows; one empty chunk for no rows (the part
    still says "None recorded")."""
    if not rows:
        yield 0, rows
    for index, start in enumerate(range(0, len(rows), size)):
        yield index, rows[start : start + size]


def when(value: dt.datetime | None, place: Any) -> str:
    """A time in the local time of `place` (a facility) with its zone: as pages write it."""
    return local_time(value, zone_of(place))


def _part(kind: str, name: str, **context: Any) -> str:
    return render_template(
        f"exports/{kind}/{name}.html", when=when, labels=labels, a_number=a_number, **context
    )


def header(actor: Actor, booking: Booking, title: str) -> RunningHeader:
    """The running header: the person, their A-number and date of birth, the facility
    that holds the booking (or last held it), who generated the export and when (in
    that facility's local time)."""
    person, facility = booking.detainee, booking.facility
    return person_header(
        title=title,
        family_name=person.family_name,
        given_name=person.given_name,
        a_number_value=person.a_number,
        date_of_birth=person.date_of_birth,
        facility=facility.name,
        actor=actor,
        generated_at=when(utcnow(), facility),
    )


def _title(kind: str, booking: Booking) -> str:
    person = booking.detainee
    return f"{kind}: {person.full_name} ({a_number(person.a_number)}), booking {booking.id}"


# --- the custody record --------------------------------------------------------------


def _table(kind: str, name: str, rows: Sequence[Any], **context: Any) -> Iterator[str]:
    """A table's parts: at most ROWS rows each, "(continued)" after the first."""
    for index, chunk in chunks(rows):
        yield _part(kind, name, rows=chunk, index=index, **context)


def _sections(record: CustodyRecord) -> Iterator[str]:
    kind, booking, staff = "custody_record", record.booking, record.staff
    yield _part(kind, "identity", record=record, person=record.person)
    yield _part(kind, "booking", record=record, booking=booking, staff=staff)
    yield from _table(kind, "classification", booking.classifications, booking=booking, staff=staff)
    yield from _table(kind, "housing", record.assignments, staff=staff)
    yield _part(
        kind,
        "restrictive",
        booking=booking,
        placements=record.placements,
        checks=record.checks,
        staff=staff,
    )
    yield _part(kind, "transfers", booking=booking, transfers=record.transfers)
    moves = [(t, m) for t in record.transfers for m in t.movements]
    yield from _table(kind, "movements", moves)
    yield _part(kind, "counsel", booking=booking, attorneys=record.attorneys)
    yield from _table(kind, "property", booking.property_items, booking=booking)


def custody_record_document(*, actor: Actor, booking_id: int) -> PdfDocument:
    """The custody record of a booking: identity, booking and release, classification,
    housing, restrictive housing, transfers and movements, attorneys of record,
    property. 403/404 as `records.exportable_booking` decides."""
    record = custody_record(actor, booking_id)
    return PdfDocument(
        title=_title("Custody record", record.booking),
        header=header(actor, record.booking, "Custody record"),
        parts=list(_sections(record)),
    )


# --- the legal-access log ------------------------------------------------------------


def weekly_hours(booking: Booking, minimums: Minimums | None) -> list[WeekHours]:
    """Law-library minutes per facility week of the stay against the minimum (the
    facility's own minimums, else its standards set's), counted as the facility reports
    count them (`library_minutes_by_week`: one query for the whole stay)."""
    zone = zone_of(booking.facility)
    today = local_day(utcnow(), zone)
    first, last = booking_days(booking, zone, today)
    minimum = minimums.law_library_minutes if minimums else None
    return week_hours(booking.id, weeks_between(first, last, zone), minimum, week_of(today, zone))


def _month_of(log: LegalLog) -> Callable[[Any], str]:
    def month(entry: Any) -> str:
        zone = zone_of(log.facilities[entry.facility_id])
        return entry.started_at.astimezone(zone).strftime("%B %Y")

    return month


def _log_parts(log: LegalLog) -> Iterator[str]:
    kind, booking = "legal_access", log.booking
    minimums = minimums_for(booking.facility)
    weeks = weekly_hours(booking, minimums)
    yield _part(kind, "summary", booking=booking, tasks=log.tasks)
    yield from _table(kind, "weeks", weeks, booking=booking, minimums=minimums)
    if not log.entries:
        yield _part(kind, "month", month=None, rows=[], index=0, log=log)
    for month, entries in groupby(log.entries, key=_month_of(log)):
        yield from _table(kind, "month", list(entries), month=month, log=log)


def legal_access_document(*, actor: Actor, booking_id: int) -> PdfDocument:
    """The legal-access log of a booking: every entry of the six kinds with outcome and
    reasons (no content), one part per month, after the weekly law-library hours."""
    log = legal_log(actor, booking_id)
    return PdfDocument(
        title=_title("Legal-access log", log.booking),
        header=header(actor, log.booking, "Legal-access log"),
        parts=list(_log_parts(log)),
    )
