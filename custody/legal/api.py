"""Legal-access JSON API: a person's log (entries and weekly law-library hours) and a new
entry, group presentations, the visiting hours offered, and the facility's reports.
Thin views over custody.legal's services."""

from __future__ import annotations

from typing import Any

from flask_smorest import Blueprint

from core.access import current_actor, requires
from custody.legal import inputs, reports, schemas, services
from custody.permissions import CustodyPermission

legal_bp = Blueprint(
    "legal_api",
    __name__,
    url_prefix="",
    description="Legal access: visits, calls, law library, presentations, consular contact, mail",
)
blueprints = (legal_bp,)
FACILITY = "/facilities/<code>"


@legal_bp.post("/bookings/<int:booking_id>/legal-access")
@requires(CustodyPermission.LEGAL_WRITE)
@legal_bp.arguments(schemas.EntryIn)
@legal_bp.response(201, schemas.EntryOut)
def record_entry(data: dict[str, Any], booking_id: int) -> Any:
    """Log a contact (who, when, how long — never content); 422 naming each field."""
    entry = inputs.EntryIn(**data)
    return services.record_entry(actor=current_actor(), booking_id=booking_id, entry=entry)


@legal_bp.get("/bookings/<int:booking_id>/legal-access")
@requires(CustodyPermission.LEGAL_READ)
@legal_bp.arguments(schemas.PeriodQuery, location="query")
@legal_bp.response(200, schemas.LogOut)
def booking_log(query: dict[str, Any], booking_id: int) -> Any:
    """Entries from `from` to `to` (facility-local dates; default the last four weeks)
    and law-library hours per week (Monday–Sunday, facility time)."""
    return reports.booking_log(actor=current_actor(), booking_id=booking_id, **query)


@legal_bp.post(FACILITY + "/legal-rights-presentations")
@requires(CustodyPermission.LEGAL_WRITE)
@legal_bp.arguments(schemas.PresentationIn)
@legal_bp.response(201, schemas.PresentationOut)
def record_presentation(data: dict[str, Any], code: str) -> Any:
    """A legal rights group presentation with its attendees (booking ids)."""
    data["attendees"] = tuple(data["attendees"])
    return services.record_presentation(
        actor=current_actor(), facility_code=code, presentation=inputs.PresentationIn(**data)
    )


@legal_bp.post(FACILITY + "/legal-visiting-hours")
@requires(CustodyPermission.LEGAL_CONFIGURE)
@legal_bp.arguments(schemas.VisitingDayIn)
@legal_bp.response(201, schemas.VisitingDayOut)
def set_visiting_day(data: dict[str, Any], code: str) -> Any:
    """The legal-visiting time offered on one facility-local day (replaces that day's)."""
    day = inputs.VisitingDayIn(**data)
    return services.set_visiting_day(actor=current_actor(), facility_code=code, day=day)


@legal_bp.get(FACILITY + "/legal-access")
@requires(CustodyPermission.LEGAL_READ)
@legal_bp.arguments(schemas.PeriodQuery, location="query")
@legal_bp.response(200, schemas.ReportOut)
def facility_report(query: dict[str, Any], code: str) -> Any:
    """Law library below the minimum last week and this week, visits by day against the
    visiting-hours minimums and denials by reason (`from`–`to`, default 14 days)."""
    return reports.facility_report(actor=current_actor(), facility_code=code, **query)
