"""Intake: a new person and their booking on one page, and the property receipt."""

from __future__ import annotations

import dataclasses
from typing import Any

from flask import flash, redirect, render_template, request, url_for
from flask_babel import force_locale

from core.access import current_actor, requires
from core.db import utcnow
from core.errors import Conflict, ValidationFailed
from core.forms import attach_errors, call_service, choices, render_form_page
from core.i18n import LANGUAGES
from custody.bookings import forms, intake
from custody.bookings import services as lookups
from custody.bookings.inputs import BookingIn, property_lines
from custody.bookings.models import Booking
from custody.bookings.views.blueprint import bp
from custody.bookings.views.people import INTAKE_FIELDS, person_data
from custody.facilities import services as facilities
from custody.people import search as people_search
from custody.people.inputs import PersonIn
from custody.permissions import CustodyPermission


def _facility_choices(form: forms.IntakeForm) -> dict[str, str]:
    """Fill the facility select, which starts unselected (no silent default books into
    the wrong place); returns each facility's time zone by code."""
    found = facilities.list_facilities(actor=current_actor())
    form.facility.choices = choices(
        [("", "Choose the facility…"), *((f.code, f"{f.name} ({f.code})") for f in found)]
    )
    return {f.code: f.time_zone for f in found}


# --- people --------------------------------------------------------------------------


def _booking_data(form: forms.IntakeForm, time_zone: str) -> BookingIn:
    booked_at = forms.local_to_utc(form.booked_at.data, time_zone) or utcnow()
    return BookingIn(
        facility_code=form.facility.data or "",
        booked_at=booked_at,
        arresting_agency=form.arresting_agency.data,
        property=property_lines(forms.parse_property(form.property.data or "")),
        handbook_language=form.handbook_language.data,
        orientation_at=booked_at if form.orientation_given.data else None,
    )


@bp.route("/intake", methods=["GET", "POST"])
@requires(CustodyPermission.DETAINEE_WRITE)
def intake_page() -> Any:
    existing_id = request.values.get("detainee_id", type=int)
    person = (
        people_search.get_detainee(actor=current_actor(), detainee_id=existing_id)
        if existing_id
        else None
    )
    form = forms.BookExistingForm() if person else forms.IntakeForm()
    zones = _facility_choices(form)
    duplicates: list[Any] = []
    if form.validate_on_submit():
        zone = zones.get(form.facility.data, "UTC")
        booked = _submit_intake(form, person, duplicates, zone)
        if booked is not None:
            flash(
                f"Booked {booked.detainee.full_name} into {booked.facility.code}: receipt "
                f"{booked.receipt_number}. Next: classification.",
                "success",
            )
            return redirect(url_for("bookings.classify", booking_id=booked.id))
    return render_form_page(
        "custody/bookings/intake.html", form=form, person=person, duplicates=duplicates
    )


def _submit_intake(
    form: forms.IntakeForm, person: Any, duplicates: list[Any], zone: str
) -> Booking | None:
    data = _booking_data(form, zone)
    actor = current_actor()
    if person is not None:
        booking = dataclasses.replace(data, detainee_id=person.id)
        return call_service(form, lambda: intake.book_detainee(actor=actor, booking=booking))
    try:
        return intake.intake_new_person(
            actor=actor,
            person=PersonIn(**person_data(form)),
            booking=data,
            confirm_new=form.confirm_new.data,
        )
    except intake.PossibleDuplicates as err:
        duplicates.extend(err.found)
        attach_errors(form, {"confirm_new": [err.message]})
    except Conflict as err:
        attach_errors(form, {err.details.get("field") or "__form__": [err.message]})
    except ValidationFailed as err:
        attach_errors(form, err.errors, INTAKE_FIELDS)
    if not form.facility.data and not form.facility.errors:  # checked after the person
        attach_errors(form, {"facility": ["Choose the facility."]})
    return None


# Service field names → the intake and person forms' (ALIASES covers facility_code).


# --- the booking ---------------------------------------------------------------------


@bp.get("/bookings/<int:booking_id>/receipt")
@requires(CustodyPermission.DETAINEE_READ)
def receipt(booking_id: int) -> Any:
    """The itemised property receipt (PBNDS 2.5), to print and sign."""
    found = lookups.get_booking(actor=current_actor(), booking_id=booking_id)
    spoken = [lang.code for lang in found.detainee.languages]
    language = next((code for code in spoken if code in LANGUAGES), "en")
    with force_locale(language):  # printed in the person's language where we have it
        return render_template("custody/bookings/receipt.html", booking=found, lang=language)
