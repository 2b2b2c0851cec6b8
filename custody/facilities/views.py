"""Reference-data pages: facilities, housing units and beds. Staff with FACILITY_READ
see them; FACILITY_MANAGE (admins) create and change them. Views are thin: each POST
validates its form and calls one service in custody.services.facilities."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for

from core.access import current_actor, requires
from core.forms import attach_errors, call_service, choices, form_data, render_form_page
from custody.facilities import services as svc
from custody.facilities import units
from custody.facilities.forms import BedForm, BedsForm, FacilityForm, UnitForm, expand_labels
from custody.facilities.inputs import BedPatch, BedsIn, FacilityIn, FacilityPatch, UnitIn, UnitPatch
from custody.facilities.models import Facility, HousingUnit
from custody.facilities.services import FACILITY_FIELDS
from custody.permissions import CustodyPermission

bp = Blueprint("facilities", __name__, url_prefix="/facilities")
admin_bp = Blueprint("admin_facilities", __name__, url_prefix="/admin/facilities")


# --- reading -------------------------------------------------------------------------


@bp.get("")
@requires(CustodyPermission.FACILITY_READ)
def index() -> Any:
    facilities = svc.list_facilities(actor=current_actor(), include_inactive=True)
    counts = svc.bed_counts(facility_ids=[f.id for f in facilities])
    return render_template(
        "custody/facilities/facilities.html", facilities=facilities, counts=counts
    )


@bp.get("/<code>")
@requires(CustodyPermission.FACILITY_READ)
def show(code: str) -> Any:
    facility = svc.get_facility(actor=current_actor(), code=code)
    counts = units.unit_bed_counts(unit_ids=[u.id for u in facility.units])
    return render_template("custody/facilities/facility.html", facility=facility, counts=counts)


@bp.get("/units/<int:unit_id>")
@requires(CustodyPermission.FACILITY_READ)
def unit(unit_id: int) -> Any:
    found = units.get_unit(actor=current_actor(), unit_id=unit_id)
    return render_template("custody/facilities/unit.html", unit=found, facility=found.facility)


# --- managing ------------------------------------------------------------------------


def _facility_form(facility: Facility | None = None) -> FacilityForm:
    form = FacilityForm(obj=facility) if request.method == "GET" else FacilityForm()
    form.field_office.choices = choices(
        [("", "Choose…")] + [(o.code, o.name) for o in svc.list_field_offices()]
    )
    form.standards_set.choices = choices(
        [("", "Choose…")] + [(s.code, f"{s.code} · {s.name}") for s in svc.list_standards_sets()]
    )
    if facility is not None and request.method == "GET":
        form.field_office.data = facility.field_office.code
        form.standards_set.data = facility.standards_set.code
    if facility is None and request.method == "GET":
        form.is_active.data = True
    return form


def _facility_fields(form: FacilityForm) -> dict[str, Any]:
    """The facility form's fields but the code (which never changes)."""
    return {
        name: value
        for name, value in form_data(form).items()
        if name in (*FACILITY_FIELDS, "field_office", "standards_set")
    } | {"is_active": bool(form.is_active.data)}


@admin_bp.route("/new", methods=["GET", "POST"])
@requires(CustodyPermission.FACILITY_MANAGE)
def new_facility() -> Any:
    form = _facility_form()
    if form.validate_on_submit():
        data = FacilityIn(**_facility_fields(form), code=form.code.data or "")
        created = call_service(form, lambda: svc.create_facility(actor=current_actor(), data=data))
        if created is not None:
            flash(f"Facility {created.code} created. Add its housing units next.", "success")
            return redirect(url_for("facilities.show", code=created.code))
    return render_form_page("custody/facilities/facility_form.html", form=form, facility=None)


@admin_bp.route("/<code>", methods=["GET", "POST"])
@requires(CustodyPermission.FACILITY_MANAGE)
def edit_facility(code: str) -> Any:
    facility = svc.get_facility(actor=current_actor(), code=code)
    form = _facility_form(facility)
    form.code.data = facility.code  # the code never changes
    if form.validate_on_submit():
        patch = FacilityPatch(**_facility_fields(form))
        changed = call_service(
            form, lambda: svc.update_facility(actor=current_actor(), code=code, data=patch)
        )
        if changed is not None:
            flash("Changes saved.", "success")
            return redirect(url_for("facilities.show", code=facility.code))
    return render_form_page("custody/facilities/facility_form.html", form=form, facility=facility)


def _unit_data(form: UnitForm) -> UnitIn:
    return UnitIn(
        name=form.name.data or "",
        kind=form.kind.data or "",
        sex_housed=form.sex_housed.data or "",
        levels=[int(level) for level in form.levels.data or []],
    )


@admin_bp.route("/<code>/units/new", methods=["GET", "POST"])
@requires(CustodyPermission.FACILITY_MANAGE)
def new_unit(code: str) -> Any:
    facility = svc.get_facility(actor=current_actor(), code=code)
    form = UnitForm()
    if form.validate_on_submit():
        data = _unit_data(form)
        created = call_service(
            form,
            lambda: units.create_unit(actor=current_actor(), facility_code=code, data=data),
        )
        if created is not None:
            flash(f"Unit {created.name} created. Add its beds below.", "success")
            return redirect(url_for("admin_facilities.edit_unit", unit_id=created.id))
    return render_form_page(
        "custody/facilities/unit_form.html", form=form, facility=facility, unit=None
    )


def _unit_page(found: HousingUnit, **forms: Any) -> Any:
    form = forms.get("form")
    if form is None:
        form = UnitForm(obj=found, formdata=None)
        form.levels.data = [str(level) for level in found.levels]
    return render_form_page(
        "custody/facilities/unit_form.html",
        form=form,
        beds_form=forms.get("beds_form") or BedsForm(formdata=None),
        facility=found.facility,
        unit=found,
    )


@admin_bp.route("/units/<int:unit_id>", methods=["GET", "POST"])
@requires(CustodyPermission.FACILITY_MANAGE)
def edit_unit(unit_id: int) -> Any:
    found = units.get_unit(actor=current_actor(), unit_id=unit_id)
    if request.method == "GET":
        return _unit_page(found)
    form = UnitForm()
    if form.validate_on_submit():
        data = _unit_data(form)
        patch = UnitPatch(
            name=data.name, kind=data.kind, sex_housed=data.sex_housed, levels=data.levels
        )
        changed = call_service(
            form, lambda: units.update_unit(actor=current_actor(), unit_id=unit_id, data=patch)
        )
        if changed is not None:
            flash("Changes saved.", "success")
            return redirect(url_for("facilities.unit", unit_id=unit_id))
    return _unit_page(found, form=form)


@admin_bp.post("/units/<int:unit_id>/beds")
@requires(CustodyPermission.FACILITY_MANAGE)
def add_beds(unit_id: int) -> Any:
    found = units.get_unit(actor=current_actor(), unit_id=unit_id)
    form = BedsForm()
    if form.validate_on_submit():
        try:
            labels = expand_labels(form.labels.data or "")
        except ValueError as err:
            attach_errors(form, {"labels": [str(err)]})
        else:
            beds = call_service(
                form,
                lambda: units.create_beds(
                    actor=current_actor(),
                    unit_id=unit_id,
                    data=BedsIn(
                        labels=labels,
                        is_lower_bunk=bool(form.is_lower_bunk.data),
                        is_accessible=bool(form.is_accessible.data),
                    ),
                ),
            )
            if beds is not None:
                flash(f"{len(beds)} bed{'s' if len(beds) != 1 else ''} added.", "success")
                return redirect(url_for("facilities.unit", unit_id=unit_id))
    return _unit_page(found, beds_form=form)


@admin_bp.route("/beds/<int:bed_id>", methods=["GET", "POST"])
@requires(CustodyPermission.FACILITY_MANAGE)
def edit_bed(bed_id: int) -> Any:
    bed = units.get_bed(actor=current_actor(), bed_id=bed_id)
    form = BedForm(obj=bed) if request.method == "GET" else BedForm()
    if form.validate_on_submit():
        patch = BedPatch(
            label=form.label.data or "",
            is_lower_bunk=bool(form.is_lower_bunk.data),
            is_accessible=bool(form.is_accessible.data),
            is_in_service=bool(form.is_in_service.data),
        )
        changed = call_service(
            form, lambda: units.update_bed(actor=current_actor(), bed_id=bed_id, data=patch)
        )
        if changed is not None:
            flash(f"Bed {changed.label} saved.", "success")
            return redirect(url_for("facilities.unit", unit_id=bed.unit_id))
    return render_form_page(
        "custody/facilities/bed_form.html",
        form=form,
        bed=bed,
        unit=bed.unit,
        facility=bed.unit.facility,
    )
