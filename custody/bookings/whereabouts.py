"""Custody keeps the bookings, so it tells other features where a person is held now
(`core.whereabouts.Whereabouts`): the facility of their active booking, and the unit
and bed when housed. Custody facts only; reads, never commits."""

from __future__ import annotations

import sqlalchemy as sa

from core.db import db
from core.whereabouts import Placement
from custody.bookings.models import Booking
from custody.people.models import Detainee


class CustodyWhereabouts:
    """Reads only: the caller owns the transaction."""

    def held(self, a_number: str) -> Placement | None:
        booking = db.session.scalars(
            sa.select(Booking)
            .join(Detainee, Detainee.id == Booking.detainee_id)
            .where(Detainee.a_number == a_number, Booking.is_active)
            .order_by(Booking.booked_at.desc())
            .limit(1)
        ).first()
        if booking is None:
            return None
        facility = booking.facility
        assignment = booking.assignment
        return Placement(
            facility_code=facility.code,
            facility_name=facility.name,
            time_zone=facility.time_zone,
            unit=assignment.bed.unit.name if assignment else None,
            bed=assignment.bed.label if assignment else None,
        )
