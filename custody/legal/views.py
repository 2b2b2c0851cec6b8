"""Legal-access pages: a person's log with the form to add an entry, the facility's
reports, the group-presentation form (attendees found by search), the legal-visiting
hours offered, and the admin's mandatory consular-notification list. Thin: each POST
validates its form and calls one service."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from flask import Blueprint, flash, redirect, request, url_for

from core.access import current_actor, requires
from core.forms import call_service, choices, render_form_page
from core.i18n import local_time
from custody.bookings.forms import local_to_utc
from custody.facilities.models import Facility
from custody.facilities.services import list_facilities
from custody.legal import (
    attendees,
    consular,
    forms,
    inputs,
    minimums,
    reports,
    services,
    vocabulary,
)
from custody.legal.weeks import zone_of
from custody.people.reference import countries, country_name
from custody.permissions import CustodyPermission as P

bp = Blueprint("legal", __name__)
BOOKING = "/bookings/<int:booking_id>/legal-access"
FACILITY = "/facilities/<code>/legal-access"


@bp.app_template_filter("country_label")
def country_label(code: str | None) -> str:
    """A country's name for a code (the booking page's consular tasks)."""
    return country_name(code)


def clock(time_zone: str) -> Callable[[dt.datetime | None], str]:
    """Format times in the facility's own zone, with the zone."""
    zone = zone_of(time_zone)

    def local(value: dt.datetime | None) -> str:
        return local_time(value, zone)

    return local


def _day_arg(name: str) -> dt.date | None:
    try:
        return dt.date.fromisoformat(request.args.get(name, ""))
    except ValueError:
        return None


def _vocabulary(**extra: Any) -> dict[str, Any]:
    return {
        "kinds": {str(k): v for k, v in vocabulary.KINDS.items()},
        "outcomes": {str(k): v for k, v in vocabulary.OUTCOMES.items()},
        "denial_reasons": vocabulary.DENIAL_REASONS,
        "consular_types": vocabulary.CONSULAR_TYPES,
        "country_name": country_name,
        "is_overdue": consular.is_overdue,
        "no_content": vocabulary.NO_CONTENT,
        **extra,
    }


@bp.get("/legal-access")
@requires(P.LEGAL_READ)
def index() -> Any:
    found = list_facilities(actor=current_actor())
    if len(found) == 1:
        return redirect(url_for("legal.facility", code=found[0].code))
    return render_form_page("custody/legal/index.html", facilities=found)


# --- one person's log ------------------------------------------------------------------


def _booking_page(booking_id: int, form: forms.EntryForm) -> Any:
    log = reports.booking_log(
        actor=current_actor(), booking_id=booking_id, first=_day_arg("from"), last=_day_arg("to")
    )
    return render_form_page(
        "custody/legal/booking.html",
        **_vocabulary(
            log=log,
            booking=log.booking,
            person=log.booking.detainee,
            facility=log.booking.facility,
            local=clock(log.booking.facility.time_zone),
            form=form,
        ),
    )


def _entry_form() -> forms.EntryForm:
    form = forms.EntryForm()
    form.country.choices = choices([("", "Choose…"), *countries().items()])
    return form


@bp.get(BOOKING)
@requires(P.LEGAL_READ)
def booking(booking_id: int) -> Any:
    return _booking_page(booking_id, _entry_form())


def _entry_in(form: forms.EntryForm, time_zone: str) -> inputs.EntryIn:
    return inputs.EntryIn(
        kind=form.kind.data,
        started_at=local_to_utc(form.started_at.data, time_zone),
        ended_at=local_to_utc(form.ended_at.data, time_zone),
        minutes=form.minutes.data,
        counsel_name=form.counsel_name.data,
        outcome=form.outcome.data,
        denial_reason=form.denial_reason.data or None,
        reason=form.reason.data,
        is_pro_bono=forms.yes_no(form.is_pro_bono.data),
        opened_in_presence=forms.yes_no(form.opened_in_presence.data),
        country=form.country.data or None,
        consulate=form.consulate.data or None,
        consular_type=form.consular_type.data or None,
    )


@bp.post(BOOKING)
@requires(P.LEGAL_WRITE)
def add_entry(booking_id: int) -> Any:
    actor = current_actor()
    form = _entry_form()
    if form.validate_on_submit():
        found = services.readable_booking(actor, booking_id)
        data = _entry_in(form, found.facility.time_zone)
        created = call_service(
            form, lambda: services.record_entry(actor=actor, booking_id=booking_id, entry=data)
        )
        if created is not None:
            flash(f"{vocabulary.KINDS[created.kind]} recorded.", "success")  # type: ignore[index]
            return redirect(url_for("legal.booking", booking_id=booking_id))
    return _booking_page(booking_id, form)


# --- the facility -----------------------------------------------------------------------


@bp.get(FACILITY)
@requires(P.LEGAL_READ)
def facility(code: str) -> Any:
    report = reports.facility_report(
        actor=current_actor(), facility_code=code, first=_day_arg("from"), last=_day_arg("to")
    )
    return render_form_page(
        "custody/legal/facility.html",
        **_vocabulary(
            report=report, facility=report.facility, local=clock(report.facility.time_zone)
        ),
    )


@bp.route(FACILITY + "/presentation", methods=["GET", "POST"])
@requires(P.LEGAL_WRITE)
def presentation(code: str) -> Any:
    """Attendees are found by search: the search button posts the whole form back (what
    was typed and ticked is kept) and adds the people found to the choices."""
    actor = current_actor()
    found = services.facility_for(actor, code, P.LEGAL_WRITE)
    form = forms.PresentationForm()
    searching = request.method == "POST" and request.form.get("action") == "search"
    options = attendees.chosen_attendees(
        actor=actor, facility_code=code, booking_ids=form.attendees.data or ()
    )
    if searching:
        seen = {number for number, _ in options}
        hits = attendees.search_attendees(actor=actor, facility_code=code, query=form.query.data)
        options += [hit for hit in hits if hit[0] not in seen]
        if not hits:
            form.query.errors = ["Nobody held here matches."]
    form.attendees.choices = choices([(str(n), label) for n, label in options])
    if not searching and form.validate_on_submit():
        data = inputs.PresentationIn(
            attendees=tuple(form.attendees.data or ()),
            started_at=local_to_utc(form.started_at.data, found.time_zone),
            ended_at=local_to_utc(form.ended_at.data, found.time_zone),
            minutes=form.minutes.data,
            counsel_name=form.counsel_name.data,
            outcome=form.outcome.data,
            denial_reason=form.denial_reason.data or None,
            reason=form.reason.data,
        )
        created = call_service(
            form,
            lambda: services.record_presentation(
                actor=actor, facility_code=code, presentation=data
            ),
        )
        if created is not None:
            flash(f"Presentation recorded for {len(created.attendees)} people.", "success")
            return redirect(url_for("legal.facility", code=found.code))
    return render_form_page(
        "custody/legal/presentation.html",
        **_vocabulary(facility=found, form=form, searching=searching),
    )


@bp.route(FACILITY + "/visiting-hours", methods=["GET", "POST"])
@requires(P.LEGAL_CONFIGURE)
def visiting_hours(code: str) -> Any:
    actor = current_actor()
    found = services.facility_for(actor, code, P.LEGAL_CONFIGURE)
    form = forms.VisitingDayForm()
    if form.validate_on_submit():
        day = inputs.VisitingDayIn(
            day=form.day.data,
            minutes_offered=round(float(form.hours.data or 0) * 60),
            is_holiday=bool(form.is_holiday.data),
        )
        saved = call_service(
            form,
            lambda: services.set_visiting_day(actor=actor, facility_code=code, day=day),
            aliases={"minutes_offered": "hours"},
        )
        if saved is not None:
            flash(f"Legal-visiting hours for {saved.day:%a %d %b %Y} saved.", "success")
            return redirect(url_for("legal.visiting_hours", code=found.code))
    return _hours_page(found, form, forms.MinimumsForm(formdata=None))


def _hours_page(found: Facility, form: Any, minimums_form: Any) -> Any:
    current = minimums.minimums_for(found)
    if current is not None and not minimums_form.is_submitted():
        minimums_form.law_library_hours.data = current.law_library_minutes / 60
        minimums_form.weekday_hours.data = current.weekday_visiting_minutes / 60
        minimums_form.weekend_hours.data = current.weekend_visiting_minutes / 60
        minimums_form.citation.data = current.citation if current.source == "facility" else ""
    return render_form_page(
        "custody/legal/visiting_hours.html",
        **_vocabulary(
            facility=found,
            form=form,
            minimums_form=minimums_form,
            days=reports.recent_visiting_days(found),
            minimums=current,
        ),
    )


def _minutes(value: Any) -> int | None:
    return None if value is None else round(float(value) * 60)


@bp.post(FACILITY + "/minimums")
@requires(P.LEGAL_CONFIGURE)
def set_minimums(code: str) -> Any:
    actor = current_actor()
    found = services.facility_for(actor, code, P.LEGAL_CONFIGURE)
    form = forms.MinimumsForm()
    if form.validate_on_submit():
        saved = call_service(
            form,
            lambda: minimums.set_facility_minimums(
                actor=actor,
                facility_code=code,
                law_library_minutes=_minutes(form.law_library_hours.data),
                weekday_visiting_minutes=_minutes(form.weekday_hours.data),
                weekend_visiting_minutes=_minutes(form.weekend_hours.data),
                citation=form.citation.data or "",
            ),
            aliases={
                "law_library_minutes": "law_library_hours",
                "weekday_visiting_minutes": "weekday_hours",
                "weekend_visiting_minutes": "weekend_hours",
            },
        )
        if saved is not None:
            flash(f"{found.code}'s own legal-access minimums saved.", "success")
            return redirect(url_for("legal.visiting_hours", code=found.code))
    return _hours_page(found, forms.VisitingDayForm(formdata=None), form)


# --- the mandatory-notification countries (admin) ---------------------------------------


def _countries_page(form: forms.CountryForm) -> Any:
    listed = consular.list_countries(actor=current_actor())
    taken = {row.country for row in listed}
    form.country.choices = choices(
        [("", "Choose…"), *((c, n) for c, n in countries().items() if c not in taken)]
    )
    return render_form_page(
        "custody/legal/consular_countries.html",
        listed=listed,
        form=form,
        remove=forms.RemoveCountryForm(formdata=None),
        country_name=country_name,
    )


@bp.route("/admin/consular-countries", methods=["GET", "POST"])
@requires(P.CONSULAR_MANAGE)
def consular_countries() -> Any:
    form = forms.CountryForm()
    form.country.choices = choices([("", "Choose…"), *countries().items()])
    if form.validate_on_submit():
        added = call_service(
            form,
            lambda: consular.add_country(
                actor=current_actor(), country=form.country.data, note=form.note.data or ""
            ),
        )
        if added is not None:
            flash(f"{country_name(added.country)} added to the list.", "success")
            return redirect(url_for("legal.consular_countries"))
    return _countries_page(form)


@bp.post("/admin/consular-countries/remove")
@requires(P.CONSULAR_MANAGE)
def remove_consular_country() -> Any:
    form = forms.RemoveCountryForm()
    if form.validate_on_submit():
        consular.remove_country(actor=current_actor(), country=form.country.data)
        flash(f"{country_name(form.country.data)} taken off the list.", "success")
    else:
        flash("Choose a country to take off the list.", "error")
    return redirect(url_for("legal.consular_countries"))
