"""The chart pages: patient search, a patient's chart, and the way in from a booking."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for

from core.access import current_actor, requires
from core.forms import call_service, render_form_page
from health.chart import alerts, services
from health.chart.codes import KIND_LABELS, Kind
from health.chart.forms import AlertForm, EndAlertForm, PatientSearchForm, TimelineForm
from health.permissions import HealthPermission

bp = Blueprint("chart", __name__, url_prefix="/health")


@bp.get("/patients")
@requires(HealthPermission.READ)
def patients() -> Any:
    form = PatientSearchForm(request.args)
    query = (form.q.data or "").strip()
    hits: list[services.PatientHit] = []
    if query and form.validate():
        hits = (
            call_service(form, lambda: services.find_patients(actor=current_actor(), query=query))
            or []
        )
    return render_template("health/chart/patients.html", form=form, hits=hits, query=query)


@bp.get("/patients/a-number/<a_number>")
@requires(HealthPermission.READ)
def by_a_number(a_number: str) -> Any:
    patient_id = services.patient_id_for(actor=current_actor(), a_number=a_number)
    return redirect(url_for("chart.chart", patient_id=patient_id))


@bp.get("/patients/<patient_id>")
@requires(HealthPermission.READ)
def chart(patient_id: str, alert_form: AlertForm | None = None) -> Any:
    form = TimelineForm(request.args if request.method == "GET" else None)
    wanted = services.TimelineFilter()
    if form.validate():
        wanted = services.TimelineFilter(
            kinds=frozenset(Kind(kind) for kind in form.kind.data or ()),
            start=form.start.data,
            end=form.end.data,
        )
    shown = services.chart(actor=current_actor(), patient_id=patient_id, timeline=wanted)
    return render_form_page(
        "health/chart/chart.html",
        chart=shown,
        form=form,
        alert_form=alert_form or AlertForm(formdata=None),
        end_form=EndAlertForm(formdata=None),
        kind_labels=KIND_LABELS,
        filtered=bool(wanted.kinds or wanted.start or wanted.end),
    )


@bp.post("/patients/<patient_id>/alerts")
@requires(HealthPermission.WRITE)
def set_alert(patient_id: str) -> Any:
    form = AlertForm()
    if form.validate_on_submit():
        done = call_service(
            form,
            lambda: alerts.set_alert(
                actor=current_actor(),
                patient_id=patient_id,
                code=form.code.data or "",
                reason=form.reason.data or "",
            ),
        )
        if done is not None:
            flash("Alert set.", "success")
            return redirect(url_for("chart.chart", patient_id=patient_id) + "#alerts-heading")
    return chart(patient_id, alert_form=form)


@bp.post("/patients/<patient_id>/alerts/<flag_id>/end")
@requires(HealthPermission.WRITE)
def end_alert(patient_id: str, flag_id: str) -> Any:
    form = EndAlertForm()
    if form.validate_on_submit():
        alerts.end_alert(actor=current_actor(), patient_id=patient_id, flag_id=flag_id)
        flash("Alert ended.", "success")
    return redirect(url_for("chart.chart", patient_id=patient_id) + "#alerts-heading")
