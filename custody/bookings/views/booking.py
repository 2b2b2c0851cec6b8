"""The booking page and its next steps: classify, screen (house: custody.housing;
release: custody.releases)."""

from __future__ import annotations

from typing import Any

from flask import flash, redirect, render_template, request, url_for

from core.access import current_actor, requires
from core.forms import call_service, render_form_page
from custody.bookings import classification, forms, worksheet
from custody.bookings import services as lookups
from custody.bookings.inputs import WorksheetIn
from custody.bookings.models import Booking
from custody.bookings.services import get_booking as find_booking
from custody.bookings.views.blueprint import bp
from custody.counsel import services as counsel
from custody.people.alerts import shown_alerts
from custody.permissions import CustodyPermission
from custody.rules import states


@bp.get("/bookings/<int:booking_id>")
@requires(CustodyPermission.DETAINEE_READ)
def booking(booking_id: int) -> Any:
    found = find_booking(actor=current_actor(), booking_id=booking_id)
    history = lookups.bed_history(actor=current_actor(), booking_id=booking_id)
    attorneys = counsel.attorneys_of_record(
        actor=current_actor(), booking_id=booking_id, include_withdrawn=True
    )
    return render_template(
        "custody/bookings/booking.html",
        booking=found,
        history=history,
        alerts=shown_alerts(found.detainee),
        attorneys=attorneys,
        clock_state=states.state,
        property_text=forms.property_text,
    )


def _worksheet(booking: Booking, data: Any = None) -> Any:
    supervisor = current_actor().can(CustodyPermission.CUSTODY_SUPERVISE)
    form_class = forms.worksheet_form(supervisor)
    if data is None and booking.classification is not None:
        return form_class(formdata=None, data=booking.classification.inputs)
    return form_class() if data is not None else form_class(formdata=None)


def _worksheet_in(form: Any) -> WorksheetIn:
    level = getattr(form, "level", None)
    override = getattr(form, "override_reason", None)
    return WorksheetIn(
        inputs={f.name: form[f.name].data for f in worksheet.WORKSHEET},
        reasons=form.reasons.data,
        level=int(level.data) if level is not None and level.data else None,
        override_reason=override.data if override is not None else None,
    )


def _next_step(booking_id: int) -> Any:
    """The guided booking's next step not done yet, else the booking page."""
    found = find_booking(actor=current_actor(), booking_id=booking_id)
    if found.screening is None:
        return redirect(url_for("bookings.screening", booking_id=booking_id))
    if found.assignment is None:
        return redirect(url_for("housing.house", booking_id=booking_id))
    return redirect(url_for("bookings.booking", booking_id=booking_id))


@bp.route("/bookings/<int:booking_id>/classification", methods=["GET", "POST"])
@requires(CustodyPermission.DETAINEE_WRITE)
def classify(booking_id: int) -> Any:
    found = find_booking(actor=current_actor(), booking_id=booking_id)
    form = _worksheet(found, request.form if request.method == "POST" else None)
    if request.method == "POST" and form.validate():
        sheet = _worksheet_in(form)
        record = call_service(
            form,
            lambda: classification.classify(
                actor=current_actor(), booking_id=booking_id, worksheet=sheet
            ),
        )
        if record is not None:
            flash(f"Classified Level {record.level} (score {record.score}).", "success")
            return _next_step(booking_id)
    return render_form_page(
        "custody/bookings/classification.html",
        form=form,
        booking=found,
        worksheet=worksheet.WORKSHEET,
        worksheet_version=worksheet.WORKSHEET_VERSION,
        bands=[list(band) for band in worksheet.LEVEL_BANDS],
        level_3=["current_offense:violent_felony", "escape_history:within_5_years"],
    )


@bp.route("/bookings/<int:booking_id>/screening", methods=["GET", "POST"])
@requires(CustodyPermission.DETAINEE_WRITE)
def screening(booking_id: int) -> Any:
    found = find_booking(actor=current_actor(), booking_id=booking_id)
    form = forms.ScreeningForm() if request.method == "POST" else forms.ScreeningForm(None)
    if form.validate_on_submit():
        done = call_service(
            form,
            lambda: classification.record_screening(
                actor=current_actor(),
                booking_id=booking_id,
                victimization_risk=form.victimization_risk.data == "yes",
                abusiveness_risk=form.abusiveness_risk.data == "yes",
            ),
        )
        if done is not None:
            flash("Sexual-abuse risk screening recorded.", "success")
            return _next_step(booking_id)
    return render_form_page("custody/bookings/screening.html", form=form, booking=found)


# --- facility views ------------------------------------------------------------------
