"""Moving the person: departure (bed freed, in transit, health stay ended, counsel
notified), arrival (booking at the receiving facility, its intake clocks, health stay
opened), the receiving facility's acknowledgement, and cancellation."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from core import audit
from core.actor import Actor
from core.db import lock_for_update, unit_of_work, utcnow
from core.events import publish
from core.validation import FieldErrors
from custody.audit_tags import CustodyAuditTag
from custody.bookings.models import Booking, BookingStatus
from custody.counsel.models import CounselEvent, CounselNotification
from custody.counsel.services import attorneys_of_record, record_counsel_notification
from custody.events import TransferArrived, TransferDeparted
from custody.facilities.models import Facility
from custody.permissions import CustodyPermission
from custody.rules import clocks
from custody.rules.models import ClockStart
from custody.transfers.checklist import DepartureRefused, departure_blockers, steps
from custody.transfers.models import Transfer, TransferStatus
from custody.transfers.services import SUBJECT, lock, move, refuse, writable_transfer
from health.patients import FacilityRef, PatientDemographics, end_stay, ensure_patient
from health.transfers import medical_hold

S = TransferStatus
EARLY = (S.REQUESTED, S.APPROVED)


def _facility_ref(facility: Facility) -> FacilityRef:
    return FacilityRef(
        id=facility.id,
        code=facility.code,
        name=facility.name,
        is_active=facility.is_active,
        phone=facility.phone,
        address_line=facility.address_line,
        city=facility.city,
        state=facility.state,
        postal_code=facility.postal_code,
    )


def _hold_person(actor: Actor, booking: Booking, facility: Facility, since: dt.datetime) -> None:
    person = booking.detainee
    ensure_patient(
        actor=actor,
        person=PatientDemographics(
            a_number=person.a_number,
            family_name=person.family_name,
            given_name=person.given_name,
            birth_date=person.date_of_birth,
            gender=person.sex,
        ),
        facility=_facility_ref(facility),
        held_since=since,
    )


def hold_active(transfer: Transfer) -> bool:
    """Whether the person has an active medical hold (an alert, not clinical content)."""
    return medical_hold(transfer.booking.detainee.a_number) is not None


def depart(
    *,
    actor: Actor,
    transfer_id: int,
    departed_at: dt.datetime | None = None,
    counsel_channel: str | None = None,
    counsel_notified_at: dt.datetime | None = None,
) -> Transfer:
    """The person leaves the sending facility (→ `in_transit`). 409 naming every
    blocker (not approved, no medical summary, not fit to travel, an active medical
    hold). The bed is freed, the booking is in transit (on neither census), the health
    stay at the sending facility ends, `TransferDeparted` is published. With
    `counsel_channel`, each active attorney of record is recorded as notified then
    (`counsel_notified_at`, default the departure; never before it). Again: no change."""
    transfer = writable_transfer(actor, transfer_id, CustodyPermission.DETAINEE_WRITE)
    errors = FieldErrors()
    earliest = (transfer.approved_at or transfer.requested_at, "approval")
    when = errors.since("departed_at", departed_at, earliest)
    errors.raise_if_any()
    with unit_of_work() as session:
        transfer = lock(session, transfer)
        if transfer.status == S.IN_TRANSIT:
            return transfer
        if transfer.status not in (S.REQUESTED, S.APPROVED):
            raise refuse(transfer, "depart")
        booking = transfer.booking
        lock_for_update(session, Booking, [booking.id])
        session.refresh(booking)
        blockers = departure_blockers(transfer, hold_active(transfer))
        if blockers:
            raise DepartureRefused(blockers)
        if (bed := booking.assignment) is not None:
            bed.ended_at, bed.end_reason = when, "transferred"
        booking.status = BookingStatus.IN_TRANSIT
        transfer.departed_at = when
        end_stay(
            actor=actor,
            a_number=booking.detainee.a_number,
            facility_id=transfer.from_facility_id,
            ended_at=when,
        )
        move(actor, transfer, S.IN_TRANSIT, when, CustodyAuditTag.TRANSFER_DEPART, ["departed_at"])
        publish(
            TransferDeparted(
                actor=actor,
                booking_id=booking.id,
                facility_id=transfer.from_facility_id,
                occurred_at=when,
                transfer_id=transfer.id,
                to_facility_id=transfer.to_facility_id,
            )
        )
        if counsel_channel:
            notify_counsel(
                actor=actor,
                transfer_id=transfer.id,
                channel=counsel_channel,
                notified_at=counsel_notified_at,
            )
        return transfer


def notify_counsel(
    *,
    actor: Actor,
    transfer_id: int,
    channel: str,
    notified_at: dt.datetime | None = None,
    attorney_ids: Sequence[int] | None = None,
) -> list[CounselNotification]:
    """Record that the attorneys of record (all active ones, or `attorney_ids`) were told
    the person is en route: 409 before departure, 422 on `notified_at` before it."""
    transfer = writable_transfer(actor, transfer_id, CustodyPermission.DETAINEE_WRITE)
    with unit_of_work():
        if transfer.departed_at is None:
            raise refuse(transfer, "notify the attorney of record before departure")
        booking_id = transfer.booking_id
        attorneys = attorneys_of_record(actor=actor, booking_id=booking_id)
        chosen = [a for a in attorneys if attorney_ids is None or a.id in attorney_ids]
        return [
            record_counsel_notification(
                actor=actor,
                booking_id=booking_id,
                attorney_id=attorney.id,
                event_kind=CounselEvent.TRANSFER,
                event_id=transfer.id,
                channel=channel,
                notified_at=notified_at,
                not_before=transfer.departed_at,
            )
            for attorney in chosen
        ]


def arrive(*, actor: Actor, transfer_id: int, arrived_at: dt.datetime | None = None) -> Transfer:
    """The receiving facility takes the person in (→ `arrived`): the booking now belongs
    to it (status `booked`: to be housed there), the health stay opens there, its
    intake clocks start at the arrival, `TransferArrived` is published. Again: no change."""
    transfer = writable_transfer(
        actor, transfer_id, CustodyPermission.DETAINEE_WRITE, receiving=True
    )
    errors = FieldErrors()
    when = errors.since("arrived_at", arrived_at, (transfer.departed_at or utcnow(), "departure"))
    errors.raise_if_any()
    with unit_of_work() as session:
        transfer = lock(session, transfer)
        if transfer.status == S.ARRIVED:
            return transfer
        if transfer.status != S.IN_TRANSIT:
            raise refuse(transfer, "record the arrival")
        booking = transfer.booking
        lock_for_update(session, Booking, [booking.id])
        session.refresh(booking)
        booking.facility = transfer.to_facility
        booking.status = BookingStatus.BOOKED
        transfer.arrived_at = when
        session.flush()
        _hold_person(actor, booking, transfer.to_facility, when)
        clocks.open_clocks(booking, ClockStart.BOOKING, when)
        move(actor, transfer, S.ARRIVED, when, CustodyAuditTag.TRANSFER_ARRIVE, ["arrived_at"])
        publish(
            TransferArrived(
                actor=actor,
                booking_id=booking.id,
                facility_id=transfer.to_facility_id,
                occurred_at=when,
                transfer_id=transfer.id,
                from_facility_id=transfer.from_facility_id,
            )
        )
        return transfer


def acknowledge_summary(*, actor: Actor, transfer_id: int) -> Transfer:
    """The receiving facility acknowledges it received the medical transfer summary
    (after arrival); again: no change."""
    transfer = writable_transfer(
        actor, transfer_id, CustodyPermission.DETAINEE_WRITE, receiving=True
    )
    with unit_of_work() as session:
        transfer = lock(session, transfer)
        if transfer.acknowledged_at is not None:
            return transfer
        if transfer.status != S.ARRIVED:
            raise refuse(transfer, "acknowledge the summary before arrival")
        transfer.acknowledged_at, transfer.acknowledged_by_id = utcnow(), actor.user_id
        audit.record(
            actor=actor,
            tag=CustodyAuditTag.TRANSFER_ACKNOWLEDGE,
            subject_type=SUBJECT,
            subject_id=transfer.id,
            changed_fields=["acknowledged_at"],
            facility_id=transfer.to_facility_id,
        )
        return transfer


def cancel_transfer(*, actor: Actor, transfer_id: int, reason: str | None = None) -> Transfer:
    """The sending facility calls the transfer off before arrival (→ `cancelled`). A
    person already en route is back in the sending facility's custody (status `booked`,
    to be housed again; health stay reopened there). Again: no change."""
    transfer = writable_transfer(actor, transfer_id, CustodyPermission.DETAINEE_WRITE)
    errors = FieldErrors()
    reason = errors.text("reason", reason, max_length=500, required=False) or None
    errors.raise_if_any()
    with unit_of_work() as session:
        transfer = lock(session, transfer)
        if transfer.status == S.CANCELLED:
            return transfer
        if transfer.status == S.ARRIVED:
            raise refuse(transfer, "cancel")
        now = utcnow()
        if transfer.status == S.IN_TRANSIT:
            booking = transfer.booking
            lock_for_update(session, Booking, [booking.id])
            session.refresh(booking)
            booking.status = BookingStatus.BOOKED
            _hold_person(actor, booking, transfer.from_facility, now)
        transfer.cancelled_at, transfer.cancel_reason = now, reason
        move(
            actor,
            transfer,
            S.CANCELLED,
            now,
            CustodyAuditTag.TRANSFER_CANCEL,
            ["cancelled_at", "cancel_reason"],
            note=reason,
        )
        return transfer


def describe(transfer: Transfer) -> dict[str, object]:
    """What the API and pages show of a transfer: its fields, what still blocks the
    departure, its steps and movements (ids, states, times; no clinical content)."""
    hold = hold_active(transfer) if transfer.is_open else False
    blockers = departure_blockers(transfer, hold) if transfer.status in EARLY else []
    return {
        "transfer": transfer,
        "medical_hold": hold,
        "blockers": blockers,
        "steps": steps(transfer, hold),
        "movements": list(transfer.movements),
    }
