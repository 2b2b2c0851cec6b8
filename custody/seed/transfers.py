"""Demo transfers and attorneys of record (`custodia seed-demo`): deterministic — the
housed bookings in id order get, in turn, a G-28 (every other one), and the first five
a transfer left in each state (requested, approved with its medical summary, in
transit, arrived, cancelled). Skipped when any transfer exists (idempotent)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import sqlalchemy as sa

from core.actor import Actor
from core.db import db, utcnow
from custody.bookings.models import Booking, BookingStatus
from custody.counsel import services as counsel
from custody.facilities.models import Facility
from custody.transfers import clearance, movement
from custody.transfers import services as transfers
from custody.transfers.models import Transfer

ATTORNEYS = (
    ("Marisol Vega", "24080011", "TX", "Synthetic Border Legal Aid", "(956) 555-0142"),
    ("Daniel Okoro", "6290017", "IL", "Synthetic Immigrant Defense", "(312) 555-0177"),
    ("Hannah Lindqvist", "301188", "WA", None, "(206) 555-0190"),
)
STAGES = ("requested", "approved", "in_transit", "arrived", "cancelled")
REASONS = (
    "Bed space at the receiving facility",
    "Closer to the immigration court hearing the case",
    "Closer to family and counsel",
    "Medical unit better suited to the person's needs",
    "Court order",
)
SUMMARY: dict[str, Any] = {
    "fit_to_travel": True,
    "active_problems": ["Seasonal allergies"],
    "allergies": [],
    "medications": [{"drug": "Loratadine", "dose": "10 mg", "directions": "by mouth once daily"}],
    "tb_status": "Chest X-ray negative at intake",
    "accommodations": [],
}


def _housed() -> list[Booking]:
    return list(
        db.session.scalars(
            sa.select(Booking).where(Booking.status == BookingStatus.HOUSED).order_by(Booking.id)
        )
    )


def _receiving(booking: Booking, index: int) -> Facility | None:
    others = db.session.scalars(
        sa.select(Facility)
        .where(Facility.is_active, Facility.id != booking.facility_id)
        .order_by(Facility.code)
    ).all()
    return others[index % len(others)] if others else None


def seed_transfers(actor: Actor) -> int:
    """G-28s and transfers for the demo (see the module's docstring); how many transfers."""
    if db.session.scalar(sa.select(sa.func.count()).select_from(Transfer)):
        return 0
    housed = _housed()
    for index, booking in enumerate(housed[: 2 * len(ATTORNEYS) : 2]):
        name, bar, state, organization, phone = ATTORNEYS[index]
        counsel.file_g28(
            actor=actor,
            booking_id=booking.id,
            attorney_name=name,
            bar_number=bar,
            bar_state=state,
            organization=organization,
            phone=phone,
            filed_on=booking.booked_at.date(),
        )
    made = 0
    for index, (booking, stage) in enumerate(zip(housed, STAGES, strict=False)):
        to = _receiving(booking, index)
        if to is None:
            break
        transfer = transfers.request_transfer(
            actor=actor,
            booking_id=booking.id,
            to_facility_code=to.code,
            reason=REASONS[index],
            scheduled_for=utcnow() + dt.timedelta(days=index + 1),
        )
        _advance(actor, transfer.id, stage)
        made += 1
    return made


def _advance(actor: Actor, transfer_id: int, stage: str) -> None:
    if stage == "cancelled":
        movement.cancel_transfer(actor=actor, transfer_id=transfer_id, reason="Hearing moved")
        return
    if stage == "requested":
        return
    transfers.approve_transfer(actor=actor, transfer_id=transfer_id)
    clearance.record_medical_summary(actor=actor, transfer_id=transfer_id, **SUMMARY)
    if stage in ("in_transit", "arrived"):
        movement.depart(actor=actor, transfer_id=transfer_id, counsel_channel="phone")
    if stage == "arrived":
        movement.arrive(actor=actor, transfer_id=transfer_id)
        movement.acknowledge_summary(actor=actor, transfer_id=transfer_id)
