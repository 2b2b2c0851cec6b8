"""What the custody exports read: the booking an actor may export (permission, then the
booking, then facility scope) and, for it, the custody record and the legal-access log.

Scope is `core.scope`'s read rule applied to the booking's stays: the facility that
holds it now and every facility a departed transfer moved it from or to, so a facility
may export the part of a person's custody it made even after the person has left. The
areas' own read services check the booking's *current* facility only, which would
refuse that past, so this module reads their models itself (ORM selects, the areas'
vocabularies) after its one check.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from core.access import authorize_found
from core.actor import Actor
from core.db import db
from core.scope import Access, Stay, reaches
from core.users import usernames
from custody.audit_tags import CustodySubject
from custody.bookings.models import Booking
from custody.counsel.models import AttorneyOfRecord
from custody.facilities.models import Bed, Facility, HousingUnit
from custody.housing.models import BedAssignment
from custody.legal.consular import tasks_of
from custody.legal.models import ConsularTask, LegalAccessEntry
from custody.people.alerts import ShownAlert, shown_alerts
from custody.people.models import Detainee
from custody.people.search import alerts_shown
from custody.permissions import CustodyPermission
from custody.restrictive.models import ObservationCheck, RestrictivePlacement
from custody.transfers.models import Transfer


def _load_booking(booking_id: int) -> Booking | None:
    return db.session.scalar(
        sa.select(Booking)
        .options(
            selectinload(Booking.detainee).selectinload(Detainee.aliases),
            selectinload(Booking.detainee).selectinload(Detainee.languages),
            selectinload(Booking.detainee).selectinload(Detainee.alerts),
            selectinload(Booking.facility),
            selectinload(Booking.classifications),
            selectinload(Booking.property_items),
            selectinload(Booking.release),
        )
        .where(Booking.id == booking_id)
    )


def transfers_of(booking_id: int) -> Sequence[Transfer]:
    """The booking's transfers, oldest first, with their movements and facilities."""
    return db.session.scalars(
        sa.select(Transfer)
        .options(
            selectinload(Transfer.movements),
            selectinload(Transfer.from_facility),
            selectinload(Transfer.to_facility),
        )
        .where(Transfer.booking_id == booking_id)
        .order_by(Transfer.requested_at, Transfer.id)
    ).all()


def stays_of(booking: Booking) -> list[Stay]:
    """Where the booking has been: its facility now, and both ends of every departed
    transfer (a requested or cancelled one never moved the person)."""
    stays = [Stay(booking.facility_id, booking.is_active)]
    for transfer in transfers_of(booking.id):
        if transfer.departed_at is not None:
            stays += [Stay(transfer.from_facility_id, False), Stay(transfer.to_facility_id, False)]
    return stays


def exportable_booking(actor: Actor, booking_id: int) -> Booking:
    """The booking `actor` may export: 403 without `custody:record:export` (whatever
    exists), 404 when missing, 403 (audited) for a user limited to a facility the
    booking never was at."""

    def facility_of(booking: Booking) -> int | None:
        # the actor's own facility when the booking was ever there, else where it is now
        reached = reaches(actor, stays_of(booking), Access.READ)
        return actor.limited_to if reached else booking.facility_id

    return authorize_found(
        actor,
        CustodyPermission.RECORD_EXPORT,
        _load_booking(booking_id),
        facility_of=facility_of,
        subject_type=CustodySubject.BOOKING,
        subject_id=booking_id,
        missing=f"No booking {booking_id}.",
    )


@dataclass(frozen=True)
class CustodyRecord:
    """Everything the custody record shows of one booking (no clinical content: the
    alerts are kinds by label, never their reasons)."""

    booking: Booking
    alerts: Sequence[ShownAlert]
    assignments: Sequence[BedAssignment]
    placements: Sequence[RestrictivePlacement]
    transfers: Sequence[Transfer]
    attorneys: Sequence[AttorneyOfRecord]
    staff: dict[int, str]
    checks: dict[int, tuple[int, dt.datetime | None]]  # placement → (count, last)

    @property
    def person(self) -> Detainee:
        return self.booking.detainee


def custody_record(actor: Actor, booking_id: int) -> CustodyRecord:
    """The custody record of a booking the actor may export. Showing the alerts is an
    audited read (`custody:alert:read`), as on the booking page."""
    booking = exportable_booking(actor, booking_id)
    alerts = shown_alerts(booking.detainee)
    alerts_shown(actor, {booking.detainee_id: [alert.kind for alert in alerts]})
    assignments = db.session.scalars(
        sa.select(BedAssignment)
        .options(
            selectinload(BedAssignment.bed)
            .selectinload(Bed.unit)
            .selectinload(HousingUnit.facility)
        )
        .where(BedAssignment.booking_id == booking.id)
        .order_by(BedAssignment.started_at, BedAssignment.id)
    ).all()
    placements = db.session.scalars(
        sa.select(RestrictivePlacement)
        .options(
            selectinload(RestrictivePlacement.reviews),
            selectinload(RestrictivePlacement.notifications),
        )
        .where(RestrictivePlacement.booking_id == booking.id)
        .order_by(RestrictivePlacement.placed_at, RestrictivePlacement.id)
    ).all()
    attorneys = db.session.scalars(
        sa.select(AttorneyOfRecord)
        .options(selectinload(AttorneyOfRecord.notifications))
        .where(AttorneyOfRecord.booking_id == booking.id)
        .order_by(AttorneyOfRecord.filed_on, AttorneyOfRecord.id)
    ).all()
    transfers = transfers_of(booking.id)
    people: list[int | None] = [booking.booked_by_id]
    people += [c.classified_by_id for c in booking.classifications]
    people += [c.approved_by_id for c in booking.classifications]
    people += [a.assigned_by_id for a in assignments]
    people += [booking.release.released_by_id if booking.release else None]
    for placement in placements:
        people += [placement.placed_by_id, placement.released_by_id]
        people += [review.reviewer_id for review in placement.reviews]
    return CustodyRecord(
        booking,
        alerts,
        assignments,
        placements,
        transfers,
        attorneys,
        usernames(people),
        check_counts([p.id for p in placements]),
    )


def check_counts(placement_ids: Sequence[int]) -> dict[int, tuple[int, dt.datetime | None]]:
    """Observation checks per placement: how many and the last (counted in SQL: a
    placement checked every 30 minutes has thousands)."""
    if not placement_ids:
        return {}
    rows = db.session.execute(
        sa.select(
            ObservationCheck.placement_id,
            sa.func.count(),
            sa.func.max(ObservationCheck.checked_at),
        )
        .where(ObservationCheck.placement_id.in_(placement_ids))
        .group_by(ObservationCheck.placement_id)
    )
    return {placement_id: (int(count), last) for placement_id, count, last in rows}


@dataclass(frozen=True)
class LegalLog:
    """The whole legal-access log of a booking, oldest first, and where each entry
    was recorded (for its local time)."""

    booking: Booking
    entries: Sequence[LegalAccessEntry]
    facilities: dict[int, Facility]
    tasks: Sequence[ConsularTask]
    staff: dict[int, str]


def legal_log(actor: Actor, booking_id: int) -> LegalLog:
    """Every entry of the booking's legal-access log (all six kinds, outcomes and
    reasons; the log holds no content) and its consular-notification tasks."""
    booking = exportable_booking(actor, booking_id)
    entries = db.session.scalars(
        sa.select(LegalAccessEntry)
        .options(selectinload(LegalAccessEntry.presentation))
        .where(LegalAccessEntry.booking_id == booking.id)
        .order_by(LegalAccessEntry.started_at, LegalAccessEntry.id)
    ).all()
    wanted = {entry.facility_id for entry in entries} | {booking.facility_id}
    facilities = {
        f.id: f for f in db.session.scalars(sa.select(Facility).where(Facility.id.in_(wanted)))
    }
    staff = usernames(entry.recorded_by_id for entry in entries)
    return LegalLog(booking, entries, facilities, tasks_of(booking.id), staff)


def booking_days(booking: Booking, zone: dt.tzinfo, today: dt.date) -> tuple[dt.date, dt.date]:
    """The facility-local days the booking spans: arrival to release (or today)."""
    first = booking.booked_at.astimezone(zone).date()
    last = booking.released_at.astimezone(zone).date() if booking.released_at else today
    return first, max(first, last)
