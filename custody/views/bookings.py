"""Custody pages: people, intake, booking, classification, screening, housing, release.

Views are thin: each POST validates its form and calls one service; refused input comes
back on the form, next to the field, with what was typed."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for

from core.access import current_actor, requires
from core.db import utcnow
from core.errors import Conflict, ValidationFailed
from core.forms import attach_errors, call_service, choices, render_form_page
from custody import forms_intake as forms
from custody.models import ALERT_LABELS, Booking
from custody.permissions import CustodyPermission
from custody.services import classification, clocks, facilities, housing, identity, intake

bp = Blueprint("bookings", __name__)


def _facility_choices(form: forms.IntakeForm) -> dict[str, str]:
    """Fill the facility select; returns each facility's time zone by code."""
    found = facilities.list_facilities(actor=current_actor())
    form.facility.choices = choices([(f.code, f"{f.code} · {f.name}") for f in found])
    return {f.code: f.time_zone for f in found}


# --- people --------------------------------------------------------------------------


@bp.get("/detainees")
@requires(CustodyPermission.DETAINEE_READ)
def detainees() -> Any:
    form = forms.SearchForm(request.args)
    people: list[Any] = []
    query = (form.q.data or "").strip()
    if query and form.validate():
        by_number = identity.normalize_a_number(query) is not None
        people = list(
            identity.search_detainees(
                actor=current_actor(),
                a_number=query if by_number else None,
                name=None if by_number else query,
            )
        )
    active = intake.active_bookings([p.id for p in people])
    return render_template(
        "custody/detainees.html", form=form, people=people, active=active, query=query
    )


@bp.get("/detainees/<int:detainee_id>")
@requires(CustodyPermission.DETAINEE_READ)
def detainee(detainee_id: int, alerts_form: forms.AlertsForm | None = None) -> Any:
    person = identity.get_detainee(actor=current_actor(), detainee_id=detainee_id)
    bookings = intake.bookings_of(actor=current_actor(), detainee_id=person.id)
    if alerts_form is None:
        active = [a.kind for a in person.active_alerts()]
        alerts_form = forms.AlertsForm(formdata=None, data={"kinds": active})
    return render_form_page(
        "custody/detainee.html",
        person=person,
        bookings=bookings,
        labels=ALERT_LABELS,
        alerts_form=alerts_form,
    )


def _person_form_data(person: Any) -> dict[str, Any]:
    languages = list(person.languages)
    return {
        "family_name": person.family_name,
        "given_name": person.given_name,
        "middle_name": person.middle_name,
        "date_of_birth": person.date_of_birth,
        "sex": person.sex,
        "gender_identity": person.gender_identity or "",
        "country_of_birth": person.country_of_birth,
        "country_of_citizenship": person.country_of_citizenship or "",
        "primary_language": languages[0].code if languages else "",
        "interpreter_needed": bool(languages and languages[0].interpreter_needed),
        "other_languages": ", ".join(lang.code for lang in languages[1:]),
        "aliases": "\n".join(f"{a.family_name}, {a.given_name}" for a in person.aliases),
    }


@bp.route("/detainees/<int:detainee_id>/edit", methods=["GET", "POST"])
@requires(CustodyPermission.DETAINEE_WRITE)
def edit_detainee(detainee_id: int) -> Any:
    person = identity.get_detainee(actor=current_actor(), detainee_id=detainee_id)
    if request.method == "GET":
        form = forms.PersonForm(formdata=None, data=_person_form_data(person))
    else:
        form = forms.PersonForm()
    if form.validate_on_submit():
        data = _person_data(form)
        changed = None
        try:
            changed = identity.update_detainee(
                actor=current_actor(), detainee_id=detainee_id, data=data
            )
        except ValidationFailed as err:
            attach_errors(form, err.errors, INTAKE_FIELDS)
        if changed is not None:
            flash("Identity saved.", "success")
            return redirect(url_for("bookings.detainee", detainee_id=detainee_id))
    return render_form_page("custody/person_form.html", form=form, person=person)


@bp.post("/detainees/<int:detainee_id>/alerts")
@requires(CustodyPermission.ALERT_WRITE)
def alerts(detainee_id: int) -> Any:
    form = forms.AlertsForm()
    if form.validate_on_submit():
        done = call_service(
            form,
            lambda: identity.set_alerts(
                actor=current_actor(), detainee_id=detainee_id, kinds=form.kinds.data or []
            ),
        )
        if done is not None:
            flash("Alerts saved.", "success")
            return redirect(url_for("bookings.detainee", detainee_id=detainee_id))
    return detainee(detainee_id, alerts_form=form)


# --- intake --------------------------------------------------------------------------


def _booking_data(form: forms.IntakeForm, time_zone: str) -> dict[str, Any]:
    booked_at = forms.local_to_utc(form.booked_at.data, time_zone) or utcnow()
    return {
        "facility_code": form.facility.data,
        "booked_at": booked_at,
        "arresting_agency": form.arresting_agency.data,
        "property": forms.parse_property(form.property.data or ""),
        "handbook_language": form.handbook_language.data,
        "orientation_at": booked_at if form.orientation_given.data else None,
    }


def _person_data(form: forms.IntakeForm) -> dict[str, Any]:
    """The person's fields of the intake (or correction) form, as the service takes them."""
    found = {"a_number": form.a_number.data} if "a_number" in form else {}
    return found | {
        "family_name": form.family_name.data,
        "given_name": form.given_name.data,
        "middle_name": form.middle_name.data,
        "date_of_birth": form.date_of_birth.data,
        "sex": form.sex.data,
        "gender_identity": form.gender_identity.data,
        "country_of_birth": form.country_of_birth.data,
        "country_of_citizenship": form.country_of_citizenship.data,
        "languages": forms.parse_languages(
            form.primary_language.data, form.other_languages.data, form.interpreter_needed.data
        ),
        "aliases": forms.parse_aliases(form.aliases.data or ""),
    }


@bp.route("/intake", methods=["GET", "POST"])
@requires(CustodyPermission.DETAINEE_WRITE)
def intake_page() -> Any:
    existing_id = request.values.get("detainee_id", type=int)
    person = (
        identity.get_detainee(actor=current_actor(), detainee_id=existing_id)
        if existing_id
        else None
    )
    form = forms.BookExistingForm() if person else forms.IntakeForm()
    zones = _facility_choices(form)
    if request.method == "GET" and current_actor().facility_id:
        form.facility.data = next(
            (c.value for c in form.facility.choices),
            None,  # type: ignore[union-attr]
        )
    duplicates: list[Any] = []
    if form.validate_on_submit():
        zone = zones.get(form.facility.data, "UTC")
        booked = _submit_intake(form, person, duplicates, zone)
        if booked is not None:
            flash(
                f"Booked {booked.detainee.full_name} into {booked.facility.code}: receipt "
                f"{booked.receipt_number}. Classify next.",
                "success",
            )
            return redirect(url_for("bookings.booking", booking_id=booked.id))
    return render_form_page("custody/intake.html", form=form, person=person, duplicates=duplicates)


def _submit_intake(
    form: forms.IntakeForm, person: Any, duplicates: list[Any], zone: str
) -> Booking | None:
    data = _booking_data(form, zone)
    actor = current_actor()
    if person is not None:
        return call_service(
            form, lambda: intake.book_detainee(actor=actor, data={**data, "detainee_id": person.id})
        )
    try:
        return intake.intake_new_person(
            actor=actor,
            person=_person_data(form),
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
    return None


# Service field names → the intake and person forms' (ALIASES covers facility_code).
INTAKE_FIELDS = {"languages": "other_languages", "orientation_at": "orientation_given"}


# --- the booking ---------------------------------------------------------------------


@bp.get("/bookings/<int:booking_id>/receipt")
@requires(CustodyPermission.DETAINEE_READ)
def receipt(booking_id: int) -> Any:
    """The itemised property receipt (PBNDS 2.5), to print and sign."""
    found = intake.get_booking(actor=current_actor(), booking_id=booking_id)
    return render_template(
        "custody/receipt.html",
        booking=found,
        local=lambda value: forms.utc_to_local(value, found.facility.time_zone),
    )


@bp.get("/bookings/<int:booking_id>")
@requires(CustodyPermission.DETAINEE_READ)
def booking(booking_id: int) -> Any:
    found = intake.get_booking(actor=current_actor(), booking_id=booking_id)
    history = housing.bed_history(actor=current_actor(), booking_id=booking_id)
    return render_template(
        "custody/booking.html",
        booking=found,
        history=history,
        clock_state=clocks.state,
        property_text=forms.property_text,
        local=lambda value: forms.utc_to_local(value, found.facility.time_zone),
    )


def _worksheet(booking: Booking, data: Any = None) -> Any:
    supervisor = current_actor().can(CustodyPermission.CUSTODY_SUPERVISE)
    form_class = forms.worksheet_form(supervisor)
    if data is None and booking.classification is not None:
        return form_class(formdata=None, data=booking.classification.inputs)
    return form_class() if data is not None else form_class(formdata=None)


@bp.route("/bookings/<int:booking_id>/classification", methods=["GET", "POST"])
@requires(CustodyPermission.DETAINEE_WRITE)
def classify(booking_id: int) -> Any:
    found = intake.get_booking(actor=current_actor(), booking_id=booking_id)
    form = _worksheet(found, request.form if request.method == "POST" else None)
    screening = forms.ScreeningForm(formdata=None)
    if request.method == "POST" and form.validate():
        inputs = {f.name: form[f.name].data for f in classification.WORKSHEET}
        level = getattr(form, "level", None)
        record = call_service(
            form,
            lambda: classification.classify(
                actor=current_actor(),
                booking_id=booking_id,
                inputs=inputs,
                reasons=form.reasons.data,
                level=int(level.data) if level is not None and level.data else None,
                override_reason=getattr(form, "override_reason", None)
                and form.override_reason.data,
            ),
        )
        if record is not None:
            flash(f"Classified Level {record.level} (score {record.score}).", "success")
            return redirect(url_for("bookings.booking", booking_id=booking_id))
    return render_form_page(
        "custody/classification.html",
        form=form,
        screening=screening,
        booking=found,
        worksheet=classification.WORKSHEET,
        worksheet_version=classification.WORKSHEET_VERSION,
    )


@bp.post("/bookings/<int:booking_id>/screening")
@requires(CustodyPermission.DETAINEE_WRITE)
def screening(booking_id: int) -> Any:
    found = intake.get_booking(actor=current_actor(), booking_id=booking_id)
    form = forms.ScreeningForm()
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
            return redirect(url_for("bookings.booking", booking_id=booking_id))
    return render_form_page(
        "custody/classification.html",
        form=_worksheet(found),
        screening=form,
        booking=found,
        worksheet=classification.WORKSHEET,
        worksheet_version=classification.WORKSHEET_VERSION,
    )


@bp.route("/bookings/<int:booking_id>/housing", methods=["GET", "POST"])
@requires(CustodyPermission.DETAINEE_WRITE)
def house(booking_id: int) -> Any:
    found = intake.get_booking(actor=current_actor(), booking_id=booking_id)
    needs = housing.needs_of(found)
    show_all = request.args.get("all") == "1"
    boards = housing.housing_board(
        actor=current_actor(),
        facility_code=found.facility.code,
        free_only=True,
        **({} if show_all else needs),
    )
    form = forms.HousingForm()
    if request.method == "GET":
        current = found.assignment
        form.from_bed_id.data = str(current.bed_id) if current else ""
    refusal: list[dict[str, Any]] = []
    if form.validate_on_submit():
        assignment = _assign(form, booking_id, refusal)
        if assignment is not None:
            flash(f"Housed in {assignment.bed.unit.name} bed {assignment.bed.label}.", "success")
            return redirect(url_for("bookings.booking", booking_id=booking_id))
    return render_form_page(
        "custody/housing.html",
        form=form,
        booking=found,
        boards=boards,
        needs=needs,
        show_all=show_all,
        refusal=refusal,
    )


def _assign(form: forms.HousingForm, booking_id: int, refusal: list[dict[str, Any]]) -> Any:
    bed = str(form.bed_id.data or "")
    origin = (form.from_bed_id.data or "").strip()
    if not bed.isdigit() or (origin and not origin.isdigit()):
        attach_errors(form, {"bed_id": ["Choose a bed from the list."]})
        return None
    try:
        return housing.assign_bed(
            actor=current_actor(),
            booking_id=booking_id,
            bed_id=int(bed),
            override_reason=form.override_reason.data,
            from_bed_id=int(origin) if origin else None,
        )
    except housing.HousingRefused as err:
        refusal.extend(err.details["rules"])
        attach_errors(form, {"bed_id": [err.message]})
    except Conflict as err:
        attach_errors(form, {"bed_id": [err.message]})
    except ValidationFailed as err:
        attach_errors(form, err.errors)
    return None


@bp.route("/bookings/<int:booking_id>/release", methods=["GET", "POST"])
@requires(CustodyPermission.DETAINEE_WRITE)
def release(booking_id: int) -> Any:
    found = intake.get_booking(actor=current_actor(), booking_id=booking_id)
    form = forms.ReleaseForm()
    if form.validate_on_submit():
        when = forms.local_to_utc(form.released_at.data, found.facility.time_zone)
        done = call_service(
            form,
            lambda: intake.release_booking(
                actor=current_actor(),
                booking_id=booking_id,
                reason=form.reason.data,
                released_at=when,
            ),
        )
        if done is not None:
            flash("Released. The bed is free and property is marked returned.", "success")
            return redirect(url_for("bookings.booking", booking_id=booking_id))
    return render_form_page(
        "custody/release.html", form=form, booking=found, property_text=forms.property_text
    )


# --- facility views ------------------------------------------------------------------


@bp.get("/facilities/<code>/board")
@requires(CustodyPermission.DETAINEE_READ)
def board(code: str) -> Any:
    facility = facilities.get_facility(actor=current_actor(), code=code)
    form = forms.BoardFilterForm(request.args)
    valid = form.validate()  # a filter that is not one of the choices is shown as an error
    boards = housing.housing_board(
        actor=current_actor(),
        facility_code=code,
        free_only=bool(form.free_only.data),
        needs_lower_bunk=bool(form.needs_lower_bunk.data),
        needs_accessible=bool(form.needs_accessible.data),
        level=int(form.level.data) if valid and form.level.data else None,
        sex=(form.sex.data or None) if valid else None,
    )
    return render_template("custody/board.html", facility=facility, boards=boards, form=form)


@bp.get("/facilities/<code>/population")
@requires(CustodyPermission.DETAINEE_READ)
def population(code: str) -> Any:
    facility = facilities.get_facility(actor=current_actor(), code=code)
    bookings = intake.list_bookings(actor=current_actor(), facility_code=code)
    return render_template("custody/population.html", facility=facility, bookings=bookings)
