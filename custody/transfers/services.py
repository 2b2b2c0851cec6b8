"""Transfers: who may see and change one, the lists, and the first transitions
(request, approve, cancel). Departure and arrival are in `movement`, the medical
clearance in `clearance`.

State machine: requested (officer) → approved (supervisor) → in_transit (departed) →
arrived; cancelled from any state before arrival. Each transition locks the transfer
row, is idempotent (the same transition again answers the current state and writes
nothing), keeps a `TransferMovement` and one audit entry. The sending facility's staff
request, depart and cancel; the receiving facility's arrive and acknowledge; a user
limited to a third facility sees nothing.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from enum import StrEnum

import sqlalchemy as sa
from sqlalchemy.orm import Session, selectinload

from core import audit
from core.access import authorize
from core.actor import Actor
from core.db import db, lock_for_update, unit_of_work, utcnow
from core.errors import Conflict, NotFound
from core.validation import FieldErrors
from custody.audit_tags import CustodyAuditTag, CustodySubject
from custody.bookings.models import Booking, BookingStatus
from custody.bookings.services import writable_booking
from custody.facilities.models import Facility
from custody.permissions import CustodyPermission
from custody.transfers.models import OPEN_STATUSES, Transfer, TransferMovement, TransferStatus

SUBJECT = CustodySubject.TRANSFER
S = TransferStatus


def _load(transfer_id: int) -> Transfer | None:
    return db.session.scalar(
        sa.select(Transfer)
        .options(
            selectinload(Transfer.booking).selectinload(Booking.detainee),
            selectinload(Transfer.from_facility),
            selectinload(Transfer.to_facility),
            selectinload(Transfer.movements),
        )
        .where(Transfer.id == transfer_id)
    )


def get_transfer(*, actor: Actor, transfer_id: int) -> Transfer:
    """A transfer for a user of either facility (403 first without the permission, 404
    when unknown, 403 for a user limited to a third facility)."""
    authorize(actor, CustodyPermission.DETAINEE_READ, subject_type=SUBJECT, subject_id=transfer_id)
    transfer = _load(transfer_id)
    if transfer is None:
        raise NotFound(f"No transfer {transfer_id}.")
    side = transfer.from_facility_id
    if not actor.can_reach_facility(side):
        side = transfer.to_facility_id
    authorize(
        actor,
        CustodyPermission.DETAINEE_READ,
        facility_id=side,
        check_facility=True,
        subject_type=SUBJECT,
        subject_id=transfer_id,
    )
    return transfer


def writable_transfer(
    actor: Actor, transfer_id: int, permission: StrEnum, *, receiving: bool = False
) -> Transfer:
    """A transfer the actor may change: `permission` at the sending facility (at the
    receiving one with `receiving`)."""
    transfer = get_transfer(actor=actor, transfer_id=transfer_id)
    facility = transfer.to_facility_id if receiving else transfer.from_facility_id
    authorize(
        actor,
        permission,
        facility_id=facility,
        check_facility=True,
        subject_type=SUBJECT,
        subject_id=transfer_id,
    )
    return transfer


def lock(session: Session, transfer: Transfer) -> Transfer:
    """Serialise writers of this transfer and see the latest committed state."""
    lock_for_update(session, Transfer, [transfer.id])
    session.refresh(transfer)
    return transfer


def move(
    actor: Actor,
    transfer: Transfer,
    to_status: TransferStatus,
    at: dt.datetime,
    tag: CustodyAuditTag,
    fields: Sequence[str] = (),
    note: str | None = None,
) -> None:
    """One transition: the movement row, the new status, the audit entry (inside the
    caller's unit of work)."""
    db.session.add(
        TransferMovement(
            transfer=transfer,
            from_status=transfer.status,
            to_status=to_status,
            at=at,
            by_id=actor.user_id,
            by_name=actor.username,
            note=note,
        )
    )
    transfer.status = to_status
    audit.record(
        actor=actor,
        tag=tag,
        subject_type=SUBJECT,
        subject_id=transfer.id,
        changed_fields=["status", *fields],
        facility_id=transfer.from_facility_id,
    )


def refuse(transfer: Transfer, doing: str) -> Conflict:
    """The 409 of a transition the transfer's state does not allow."""
    words = {
        S.REQUESTED: "is waiting for approval",
        S.APPROVED: "is approved but has not departed",
        S.IN_TRANSIT: "is under way",
        S.ARRIVED: "is complete: the person arrived",
        S.CANCELLED: "was cancelled",
    }
    return Conflict(
        f"Cannot {doing}: transfer {transfer.id} {words[S(transfer.status)]}.",
        rule=f"transfer_{transfer.status}",
    )


def _receiving(code: object, errors: FieldErrors, booking: Booking) -> Facility | None:
    text = errors.text("to_facility_code", code, max_length=32)
    if not text:
        return None
    facility = db.session.scalar(sa.select(Facility).where(Facility.code == text.upper()))
    if facility is None or not facility.is_active:
        errors.add("to_facility_code", "Choose an active facility.")
        return None
    if facility.id == booking.facility_id:
        errors.add("to_facility_code", "The person is already held at this facility.")
        return None
    return facility


def request_transfer(
    *,
    actor: Actor,
    booking_id: int,
    to_facility_code: str,
    reason: str,
    scheduled_for: dt.datetime | None,
) -> Transfer:
    """An officer of the sending facility asks to move the person (→ `requested`): 422
    naming each bad field; 409 when the booking has an open transfer (`existing_id`) or
    is not in custody here."""
    booking = writable_booking(actor, booking_id)
    errors = FieldErrors()
    to = _receiving(to_facility_code, errors, booking)
    reason = errors.text("reason", reason, max_length=2000)
    when = errors.time("scheduled_for", scheduled_for, not_future=False)
    if when is not None and when < booking.booked_at:
        errors.add("scheduled_for", "This time is before arrival.")
    errors.raise_if_any()
    with unit_of_work() as session:
        lock_for_update(session, Booking, [booking.id])
        session.refresh(booking)
        if booking.status not in (BookingStatus.BOOKED, BookingStatus.HOUSED):
            raise Conflict(f"The booking is {booking.status}.", rule="booking_not_active")
        current = session.scalar(
            sa.select(Transfer).where(
                Transfer.booking_id == booking.id, Transfer.status.in_(OPEN_STATUSES)
            )
        )
        if current is not None:
            raise Conflict(
                f"Transfer {current.id} of this person is already open.",
                existing_id=str(current.id),
                rule="transfer_open",
            )
        now = utcnow()
        transfer = Transfer(
            booking=booking,
            from_facility_id=booking.facility_id,
            to_facility=to,
            status=S.REQUESTED,
            reason=reason,
            scheduled_for=when,
            requested_at=now,
            requested_by_id=actor.user_id,
        )
        session.add(transfer)
        try:
            session.flush()
        except sa.exc.IntegrityError as err:  # the partial unique index caught a race
            raise Conflict("A transfer of this person is already open.") from err
        session.add(
            TransferMovement(
                transfer=transfer,
                to_status=S.REQUESTED,
                at=now,
                by_id=actor.user_id,
                by_name=actor.username,
            )
        )
        audit.record(
            actor=actor,
            tag=CustodyAuditTag.TRANSFER_REQUEST,
            subject_type=SUBJECT,
            subject_id=transfer.id,
            changed_fields=["booking_id", "to_facility_id", "reason", "scheduled_for"],
            facility_id=booking.facility_id,
        )
        return transfer


def approve_transfer(*, actor: Actor, transfer_id: int) -> Transfer:
    """A supervisor of the sending facility approves (→ `approved`); again: no change."""
    transfer = writable_transfer(actor, transfer_id, CustodyPermission.CUSTODY_SUPERVISE)
    with unit_of_work() as session:
        transfer = lock(session, transfer)
        if transfer.status == S.APPROVED:
            return transfer
        if transfer.status != S.REQUESTED:
            raise refuse(transfer, "approve")
        transfer.approved_at, transfer.approved_by_id = utcnow(), actor.user_id
        move(
            actor,
            transfer,
            S.APPROVED,
            transfer.approved_at,
            CustodyAuditTag.TRANSFER_APPROVE,
            ["approved_at"],
        )
        return transfer


def list_transfers(
    *, actor: Actor, status: str | None = None, facility_id: int | None = None, limit: int = 200
) -> Sequence[Transfer]:
    """Transfers from or to the facilities the actor reaches (or `facility_id`), soonest
    first; open ones unless `status` names one."""
    authorize(actor, CustodyPermission.DETAINEE_READ, subject_type=SUBJECT)
    query = sa.select(Transfer).options(
        selectinload(Transfer.booking).selectinload(Booking.detainee),
        selectinload(Transfer.from_facility),
        selectinload(Transfer.to_facility),
    )
    query = query.where(Transfer.status == status if status else Transfer.status.in_(OPEN_STATUSES))
    scope = actor.facility_id if not actor.is_system and actor.facility_id else facility_id
    if scope is not None:
        query = query.where(
            sa.or_(Transfer.from_facility_id == scope, Transfer.to_facility_id == scope)
        )
    order = Transfer.scheduled_for.desc() if status in (S.ARRIVED, S.CANCELLED) else None
    query = query.order_by(order if order is not None else Transfer.scheduled_for, Transfer.id)
    return db.session.scalars(query.limit(limit)).all()


def transfer_counts(*, actor: Actor) -> dict[str, int]:
    """Pending approval, in transit and arriving (in transit to the actor's facility;
    every in-transit one for an unscoped user), for the dashboard."""
    authorize(actor, CustodyPermission.DETAINEE_READ, subject_type=SUBJECT)
    base = sa.select(sa.func.count()).select_from(Transfer)
    scope = None if actor.is_system else actor.facility_id
    mine = (
        sa.or_(Transfer.from_facility_id == scope, Transfer.to_facility_id == scope)
        if scope
        else sa.true()
    )
    arriving = Transfer.to_facility_id == scope if scope else sa.true()

    def count(*where: sa.ColumnElement[bool]) -> int:
        return db.session.scalar(base.where(*where)) or 0

    return {
        "pending_approval": count(mine, Transfer.status == S.REQUESTED),
        "in_transit": count(mine, Transfer.status == S.IN_TRANSIT),
        "arriving": count(arriving, Transfer.status == S.IN_TRANSIT),
    }


def open_transfer_of(*, actor: Actor, booking_id: int) -> Transfer | None:
    """The booking's open transfer, if any (for the booking page's Transfer action)."""
    authorize(actor, CustodyPermission.DETAINEE_READ, subject_type=CustodySubject.BOOKING)
    return db.session.scalar(
        sa.select(Transfer).where(
            Transfer.booking_id == booking_id, Transfer.status.in_(OPEN_STATUSES)
        )
    )


def receiving_facilities(*, actor: Actor, booking: Booking) -> Sequence[Facility]:
    """The active facilities a person may be sent to (all but where they are)."""
    authorize(actor, CustodyPermission.FACILITY_READ, subject_type=CustodySubject.FACILITY)
    return db.session.scalars(
        sa.select(Facility)
        .where(Facility.is_active, Facility.id != booking.facility_id)
        .order_by(Facility.name)
    ).all()
