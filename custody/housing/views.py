"""Housing pages: a facility's housing board and population, and housing a booked person."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for

from core.access import current_actor, requires
from core.errors import Conflict, ValidationFailed
from core.forms import attach_errors, choices, render_form_page
from core.validation import parse_id
from custody import formats
from custody.bookings import forms
from custody.bookings import services as lookups
from custody.bookings.services import get_booking as find_booking
from custody.facilities import services as facilities
from custody.housing import assignment as housing
from custody.housing import board as boards_svc
from custody.housing import picker
from custody.permissions import CustodyPermission

bp = Blueprint("housing", __name__)


@bp.get("/facilities/<code>/board")
@requires(CustodyPermission.DETAINEE_READ)
def board(code: str) -> Any:
    facility = facilities.get_facility(actor=current_actor(), code=code)
    form = forms.BoardFilterForm(request.args)
    valid = form.validate()  # a filter that is not one of the choices is shown as an error
    boards = boards_svc.housing_board(
        actor=current_actor(),
        facility_code=code,
        free_only=bool(form.free_only.data),
        needs_lower_bunk=bool(form.needs_lower_bunk.data),
        needs_accessible=bool(form.needs_accessible.data),
        level=int(form.level.data) if valid and form.level.data else None,
        sex=(form.sex.data or None) if valid else None,
    )
    return render_template(
        "custody/housing/board.html", facility=facility, boards=boards, form=form
    )


@bp.get("/facilities/<code>/population")
@requires(CustodyPermission.DETAINEE_READ)
def population(code: str) -> Any:
    """Who is held; `?needs=classification|screening|housing` keeps those still needing
    that step, `?arrived=today` those who arrived since midnight, facility time (the
    lists behind the dashboard's numbers)."""
    facility = facilities.get_facility(actor=current_actor(), code=code)
    needs = request.args.get("needs")
    needs = needs if needs in lookups.NEEDS else None
    today = request.args.get("arrived") == "today"
    bookings = lookups.list_bookings(
        actor=current_actor(),
        facility_code=code,
        needs=needs,
        arrived_since=formats.local_midnight(facility) if today else None,
    )
    return render_template(
        "custody/housing/population.html",
        facility=facility,
        bookings=bookings,
        needs=needs,
        needs_labels=lookups.NEEDS,
        today=today,
    )


@bp.route("/bookings/<int:booking_id>/housing", methods=["GET", "POST"])
@requires(CustodyPermission.DETAINEE_WRITE)
def house(booking_id: int) -> Any:
    found = find_booking(actor=current_actor(), booking_id=booking_id)
    supervisor = current_actor().can(CustodyPermission.CUSTODY_SUPERVISE)
    units = picker.bed_choices(actor=current_actor(), booking=found)
    form = forms.HousingForm()
    form.bed_id.choices = _bed_options(units, with_overrides=supervisor)
    if request.method == "GET":
        current = found.assignment
        form.from_bed_id.data = str(current.bed_id) if current else ""
    refusal: list[dict[str, Any]] = []
    if form.validate_on_submit():
        assignment = _assign(form, booking_id, refusal)
        if assignment is not None:
            flash(f"Housed in {assignment.bed.unit.name} bed {assignment.bed.label}.", "success")
            return redirect(url_for("bookings.booking", booking_id=booking_id))
        if supervisor and refusal and all(r["overridable"] for r in refusal):
            attach_errors(form, {"override_reason": [OVERRIDE_ASKED]})
    return render_form_page(
        "custody/housing/housing.html",
        form=form,
        booking=found,
        units=units,
        needs=boards_svc.needs_of(found),
        supervisor=supervisor,
        allowed=sum(len(u.allowed) for u in units),
        refusal=refusal,
        overridable=bool(refusal) and all(r["overridable"] for r in refusal),
    )


OVERRIDE_ASKED = "To place the person in this bed anyway, give the reason for the override."


def _bed_options(units: list[picker.UnitChoice], *, with_overrides: bool) -> dict[str, Any]:
    """The select's options, one group per unit: {unit label: [(bed id, bed label)]};
    the beds the rules allow first, then (for a supervisor) those needing an override."""
    groups: dict[str, Any] = {}
    for choice in units:
        if choice.allowed:
            beds = [(str(b.id), _bed_label(b)) for b in choice.allowed]
            groups[f"{choice.unit.name} ({_about(choice.unit)})"] = choices(beds)
    for choice in units if with_overrides else []:
        if choice.overridable:
            beds = [(str(b.id), _bed_label(b)) for b, _ in choice.overridable]
            label = f"{choice.unit.name}, supervisor override needed ({_about(choice.unit)})"
            groups[label] = choices(beds)
    return groups


def _about(unit: Any) -> str:
    levels = "/".join(map(str, unit.levels))
    return f"{unit.kind.replace('_', ' ')}, {unit.sex_housed}, Level {levels}"


def _bed_label(bed: Any) -> str:
    extras = ["lower bunk" if bed.is_lower_bunk else "", "accessible" if bed.is_accessible else ""]
    return " · ".join([bed.label, *filter(None, extras)])


def _assign(form: forms.HousingForm, booking_id: int, refusal: list[dict[str, Any]]) -> Any:
    bed = parse_id(form.bed_id.data)
    origin = (form.from_bed_id.data or "").strip()
    from_bed = parse_id(origin) if origin else None
    if bed is None or (origin and from_bed is None):  # not an id ("²" is a digit to isdigit)
        attach_errors(form, {"bed_id": ["Choose a bed from the list."]})
        return None
    try:
        return housing.assign_bed(
            actor=current_actor(),
            booking_id=booking_id,
            bed_id=bed,
            override_reason=form.override_reason.data,
            from_bed_id=from_bed,
        )
    except housing.HousingRefused as err:
        refusal.extend(err.details["rules"])
        attach_errors(form, {"bed_id": [err.message]})
    except Conflict as err:
        attach_errors(form, {"bed_id": [err.message]})
    except ValidationFailed as err:
        attach_errors(form, err.errors)
    return None
