"""The dashboard's "work to do" panel for custody staff: per facility the actor sees,
today's arrivals, people not yet classified, screened or housed, overdue
restrictive-housing checks and reviews, and occupancy by unit — each a number that links
to the list behind it (the population list's filters, the restrictive-housing board,
the unit's page). Other areas add their own numbers with their own panel
(`registry.add_dashboard_panel`), as this one is added by `custody.init_app`."""

from __future__ import annotations

from dataclasses import dataclass, field

import sqlalchemy as sa
from flask import url_for

from core.actor import Actor
from core.dashboard import Dashboard
from core.db import db, utcnow
from core.features import DashboardPanel
from custody.bookings.models import Booking
from custody.bookings.services import NEEDS, still_needs
from custody.facilities.models import Facility
from custody.facilities.services import list_facilities
from custody.formats import local_midnight
from custody.housing.board import census
from custody.permissions import CustodyPermission
from custody.restrictive.vocabulary import CHECK_RULE, REVIEW_RULE
from custody.rules.models import ComplianceClock


@dataclass
class Figure:
    label: str
    value: int
    url: str
    urgent: bool = False  # overdue: shown as an alert when not zero


@dataclass
class FacilityWork:
    facility: Facility
    figures: list[Figure] = field(default_factory=list)
    units: list[dict[str, object]] = field(default_factory=list)


def _count(query: sa.Select[int]) -> int:
    return db.session.scalar(query) or 0


def _overdue(facility: Facility, rule: str) -> int:
    return _count(
        sa.select(sa.func.count())
        .select_from(ComplianceClock)
        .join(Booking, Booking.id == ComplianceClock.booking_id)
        .where(
            ComplianceClock.facility_id == facility.id,
            ComplianceClock.rule == rule,
            ComplianceClock.met_at.is_(None),
            ComplianceClock.due_at < utcnow(),
            Booking.is_active,
        )
    )


def facility_work(actor: Actor, facility: Facility) -> FacilityWork:
    code = facility.code
    bookings = sa.select(sa.func.count()).select_from(Booking)
    here = bookings.where(Booking.facility_id == facility.id)
    population = "housing.population"
    work = FacilityWork(facility)
    arrived = _count(here.where(Booking.is_active, Booking.booked_at >= local_midnight(facility)))
    work.figures.append(
        Figure("Arrived today", arrived, url_for(population, code=code, arrived="today"))
    )
    for step, label in NEEDS.items():
        count = _count(here.where(still_needs(step)))
        work.figures.append(Figure(label, count, url_for(population, code=code, needs=step)))
    board = url_for("restrictive.facility", code=code)
    for rule, label in ((CHECK_RULE, "Checks overdue"), (REVIEW_RULE, "Reviews overdue")):
        work.figures.append(Figure(label, _overdue(facility, rule), board, urgent=True))
    work.units = census(actor=actor, facility_code=code)["units"]  # type: ignore[assignment]
    return work


def _work(actor: Actor, board: Dashboard) -> None:
    board.sections["custody_work"] = [
        facility_work(actor, facility) for facility in list_facilities(actor=actor)
    ]


WORK_PANEL = DashboardPanel(
    "custody_work",
    _work,
    order=50,  # first: the work before the figures about the system
    permission=CustodyPermission.DETAINEE_WRITE,  # staff who book and house
    template="custody/_work_panel.html",
)
