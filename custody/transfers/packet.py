"""What the transfer packet and the medical summary export are made of (issue 15): the
transfer and its movements, the person, their alerts and interpreter needs, the property
receipt, the attorney of record and the record of their notification, read for an actor
of either facility; and what travels of the person's health, read through health's
interface (`health.transfer_reading`) with plain values.

No rendering here (`custody.transfers.exports` turns this into the PDF). The counsel and
property rows are read directly, not through the counsel services: those check the
facility holding the booking, and the receiving facility reads the packet before
arrival; the transfer's visibility (both facilities, `get_transfer`) is the check.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

import sqlalchemy as sa

from core.access import authorize
from core.actor import Actor
from core.db import db
from core.errors import NotFound
from core.i18n import zone_named
from custody.audit_tags import CustodySubject
from custody.bookings.models import PropertyItem
from custody.bookings.services import bookings_by_a_number
from custody.counsel.models import CHANNEL_LABELS, AttorneyOfRecord, CounselNotification
from custody.people.alerts import shown_alerts
from custody.people.models import Detainee
from custody.people.reference import language_name
from custody.people.search import alerts_shown
from custody.permissions import CustodyPermission
from custody.transfers.checklist import STATUS_LABELS
from custody.transfers.models import Transfer, TransferStatus
from custody.transfers.services import get_transfer
from health.transfer_reading import TravellingSummary, travelling_summary

SOON = dt.timedelta(hours=2)  # a dose due within this is "due soon" on the cover


@dataclass(frozen=True)
class DoseTiming:
    """How a next dose stands at the time of printing: overdue, due soon, or later."""

    state: str  # "overdue", "soon", "" (later or unknown)

    @property
    def label(self) -> str:
        return {"overdue": "OVERDUE", "soon": "Due soon"}.get(self.state, "")


@dataclass(frozen=True)
class CounselLine:
    """One attorney of record and the notifications of this transfer sent to them."""

    name: str
    organization: str
    bar: str
    contact: str
    notifications: tuple[tuple[str, dt.datetime], ...]  # (channel label, when)


@dataclass(frozen=True)
class TransferPacket:
    transfer: Transfer
    person: Detainee
    zone: dt.tzinfo  # the sending facility's
    alerts: tuple[str, ...]
    interpreter: tuple[str, ...]  # languages for which an interpreter is needed
    languages: tuple[str, ...]
    property_items: tuple[PropertyItem, ...]
    counsel: tuple[CounselLine, ...]
    movements: tuple[tuple[str, dt.datetime, str, str], ...]  # (state, when, by, note)
    health: TravellingSummary
    now: dt.datetime

    @property
    def status_label(self) -> str:
        return STATUS_LABELS.get(TransferStatus(self.transfer.status), self.transfer.status)

    @property
    def needs(self) -> tuple[str, ...]:
        """Custody alerts and the summary's accommodations, each once."""
        seen: dict[str, str] = {}
        for line in (*self.alerts, *self.health.accommodations):
            seen.setdefault(line.casefold(), line)
        return tuple(seen.values())

    def dose_timing(self, due: dt.datetime | None) -> DoseTiming:
        if due is None:
            return DoseTiming("")
        if due < self.now:
            return DoseTiming("overdue")
        return DoseTiming("soon" if due - self.now <= SOON else "")


def exportable_transfer(*, actor: Actor, transfer_id: int) -> Transfer:
    """The transfer for an actor who may export it: seen by either facility (403/404
    as `get_transfer`), and `custody:transfer:export`."""
    transfer = get_transfer(actor=actor, transfer_id=transfer_id)
    authorize(
        actor,
        CustodyPermission.TRANSFER_EXPORT,
        subject_type=CustodySubject.TRANSFER,
        subject_id=transfer_id,
    )
    return transfer


def latest_transfer(actor: Actor, typed: str) -> str:
    """The exports page's resolver: the id of the newest transfer of the person with
    this A-number, when the actor may export it (either side of it)."""
    authorize(actor, CustodyPermission.TRANSFER_EXPORT, subject_type=CustodySubject.TRANSFER)
    ids = [b.id for b in bookings_by_a_number(typed)]
    transfer = db.session.scalar(
        sa.select(Transfer)
        .where(Transfer.booking_id.in_(ids))
        .order_by(Transfer.requested_at.desc(), Transfer.id.desc())
        .limit(1)
    )
    if transfer is None:
        raise NotFound("This person has no transfer.")
    return str(exportable_transfer(actor=actor, transfer_id=transfer.id).id)


def _property(booking_id: int) -> tuple[PropertyItem, ...]:
    query = (
        sa.select(PropertyItem)
        .where(PropertyItem.booking_id == booking_id)
        .order_by(PropertyItem.line_no)
    )
    return tuple(db.session.scalars(query))


def _counsel(transfer: Transfer) -> tuple[CounselLine, ...]:
    attorneys: Sequence[AttorneyOfRecord] = db.session.scalars(
        sa.select(AttorneyOfRecord)
        .where(
            AttorneyOfRecord.booking_id == transfer.booking_id,
            AttorneyOfRecord.withdrawn_on.is_(None),
        )
        .order_by(AttorneyOfRecord.filed_on, AttorneyOfRecord.id)
    ).all()
    sent = db.session.scalars(
        sa.select(CounselNotification)
        .where(
            CounselNotification.booking_id == transfer.booking_id,
            CounselNotification.event_kind == "transfer",
            CounselNotification.event_id == transfer.id,
        )
        .order_by(CounselNotification.notified_at)
    ).all()
    labels = {str(k): v for k, v in CHANNEL_LABELS.items()}
    return tuple(
        CounselLine(
            name=a.attorney_name,
            organization=a.organization or "",
            bar=f"{a.bar_state} {a.bar_number}",
            contact=" · ".join(x for x in (a.phone, a.email) if x),
            notifications=tuple(
                (labels.get(n.channel, n.channel), n.notified_at)
                for n in sent
                if n.attorney_id == a.id
            ),
        )
        for a in attorneys
    )


def _movements(transfer: Transfer) -> tuple[tuple[str, dt.datetime, str, str], ...]:
    return tuple(
        (
            STATUS_LABELS.get(TransferStatus(m.to_status), m.to_status),
            m.at,
            m.by_name,
            m.note or "",
        )
        for m in transfer.movements
    )


def gather_packet(*, actor: Actor, transfer_id: int, now: dt.datetime) -> TransferPacket:
    """Everything the packet shows, for an actor of either facility."""
    transfer = exportable_transfer(actor=actor, transfer_id=transfer_id)
    person = transfer.booking.detainee
    health = travelling_summary(
        actor=actor,
        a_number=person.a_number,
        transfer_id=transfer.id,
        summary_id=transfer.summary_resource_id,
    )
    languages = sorted(person.languages, key=lambda lang: lang.position)
    alerts = shown_alerts(person)
    alerts_shown(actor, {person.id: [alert.kind for alert in alerts]})  # audited, as on pages
    return TransferPacket(
        transfer=transfer,
        person=person,
        zone=zone_named(transfer.from_facility.time_zone),
        alerts=tuple(alert.label for alert in alerts),
        interpreter=tuple(language_name(x.code) for x in languages if x.interpreter_needed),
        languages=tuple(language_name(x.code) for x in languages),
        property_items=_property(transfer.booking_id),
        counsel=_counsel(transfer),
        movements=_movements(transfer),
        health=health,
        now=now,
    )
