"""Sick-call pages: the facility queue, one request, and the three forms (request,
triage, visit). Thin: each POST validates its form and calls one service; times are
typed and shown in the facility's own zone."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from flask import Blueprint, flash, redirect, request, url_for

from core.access import current_actor, requires
from core.db import utcnow
from core.directory import FacilityRef
from core.forms import call_service, render_form_page
from core.i18n import local_time
from health.permissions import HealthPermission
from health.sickcall import queue as reading
from health.sickcall import services as svc
from health.sickcall import vocabulary as v
from health.sickcall.forms import RequestForm, TriageForm, VisitForm
from health.sickcall.inputs import InterpreterIn, RequestIn, TriageIn, VisitIn

bp = Blueprint("sickcall", __name__)
REQUEST = "/sick-call/requests/<sick_call_id>"


def clock(facility: FacilityRef | None) -> Callable[[dt.datetime | None], str]:
    """Format times in the facility's own zone, with the zone's name."""
    zone = svc.zone_of(facility)

    def local(value: dt.datetime | None) -> str:
        return local_time(value, zone)

    return local


def until(due: dt.datetime | None, now: dt.datetime) -> str:
    """ "in 5 h 10 min" or "3 h 20 min overdue"."""
    if due is None:
        return ""
    minutes = int(abs((due - now).total_seconds()) // 60)
    text = f"{minutes // 60} h {minutes % 60} min" if minutes >= 60 else f"{minutes} min"
    return f"{text} overdue" if due < now else f"in {text}"


def _context(facility: FacilityRef | None, **extra: Any) -> dict[str, Any]:
    return {
        "facility": facility,
        "local": clock(facility),
        "until": until,
        "priorities": v.PRIORITIES,
        "channels": v.CHANNELS,
        "dispositions": v.DISPOSITIONS,
        "modes": v.INTERPRETER_MODES,
        "language_name": v.language_name,
        "stages": {
            "triage": "Waiting for triage",
            "visit": "Waiting for a visit",
            "closed": "Closed",
        },
        **extra,
    }


@bp.get("/sick-call")
@requires(HealthPermission.READ)
def index() -> Any:
    actor = current_actor()
    rows = reading.queue_counts(actor=actor)
    if actor.facility_id is not None and len(rows) == 1:
        return redirect(url_for("sickcall.queue", code=rows[0].facility.code))
    return render_form_page("health/sickcall/index.html", **_context(None, rows=rows))


@bp.get("/sick-call/queue/<code>")
@requires(HealthPermission.READ)
def queue(code: str) -> Any:
    found = reading.facility_queue(actor=current_actor(), facility_code=code)
    return render_form_page(
        "health/sickcall/queue.html", **_context(found.facility, queue=found, now=found.now)
    )


@bp.route("/sick-call/new", methods=["GET", "POST"])
@requires(HealthPermission.SICKCALL_REQUEST)
def new() -> Any:
    actor = current_actor()
    form = RequestForm()
    if request.method == "GET" and request.args.get("a_number"):
        form.a_number.data = request.args["a_number"][:20]
    if form.validate_on_submit():
        data = RequestIn(
            a_number=form.a_number.data,
            complaint=form.complaint.data,
            language=form.language.data,
            channel=form.channel.data,
            received_local=form.received_local.data,
        )
        done = call_service(form, lambda: svc.record_request(actor=actor, data=data))
        if done is not None:
            when = clock(done.facility)(done.received_at)
            who = f"{done.name} (A-number {done.a_number})"
            flash(f"Sick-call request recorded for {who}, received {when}.", "success")
            if actor.can(HealthPermission.READ):
                return redirect(url_for("sickcall.show", sick_call_id=done.request_id))
            return redirect(url_for("sickcall.new"))
    return render_form_page("health/sickcall/new.html", **_context(None, form=form))


@bp.get(REQUEST)
@requires(HealthPermission.READ)
def show(sick_call_id: str) -> Any:
    detail = reading.get_sick_call(actor=current_actor(), request_id=sick_call_id)
    return render_form_page("health/sickcall/request.html", **_detail_context(detail))


def _detail_context(detail: reading.Detail, **extra: Any) -> dict[str, Any]:
    return _context(detail.facility, detail=detail, call=detail.call, now=utcnow(), **extra)


def _interpreter(form: TriageForm | VisitForm) -> InterpreterIn:
    return InterpreterIn(
        language=form.interpreter_language.data,
        mode=form.interpreter_mode.data,
        interpreter_id=form.interpreter_id.data or "",
    )


@bp.route(REQUEST + "/triage", methods=["GET", "POST"])
@requires(HealthPermission.WRITE)
def triage(sick_call_id: str) -> Any:
    actor = current_actor()
    detail = reading.get_sick_call(actor=actor, request_id=sick_call_id)
    form = TriageForm()
    if request.method == "GET":
        form.interpreter_language.data = detail.call.language
    if form.validate_on_submit():
        data = TriageIn(
            priority=form.priority.data,
            disposition=form.disposition.data,
            interpreter=_interpreter(form),
            referred_to=form.referred_to.data or "",
            note=form.note.data or "",
            triaged_local=form.triaged_local.data,
        )
        done = call_service(
            form, lambda: svc.triage_request(actor=actor, request_id=sick_call_id, data=data)
        )
        if done is not None:
            flash(f"Triaged: {v.PRIORITIES[data.priority].lower()} priority.", "success")
            return redirect(url_for("sickcall.show", sick_call_id=sick_call_id))
    return render_form_page("health/sickcall/triage.html", **_detail_context(detail, form=form))


@bp.route(REQUEST + "/visit", methods=["GET", "POST"])
@requires(HealthPermission.WRITE)
def visit(sick_call_id: str) -> Any:
    actor = current_actor()
    detail = reading.get_sick_call(actor=actor, request_id=sick_call_id)
    form = VisitForm()
    if request.method == "GET":
        form.interpreter_language.data = detail.call.language
    if form.validate_on_submit():
        data = VisitIn(
            subjective=form.subjective.data,
            objective=form.objective.data or "",
            assessment=form.assessment.data,
            plan=form.plan.data,
            interpreter=_interpreter(form),
            seen_local=form.seen_local.data,
        )
        done = call_service(
            form, lambda: svc.record_visit(actor=actor, request_id=sick_call_id, data=data)
        )
        if done is not None:
            flash("Visit recorded; the request is completed.", "success")
            return redirect(url_for("sickcall.show", sick_call_id=sick_call_id))
    return render_form_page("health/sickcall/visit.html", **_detail_context(detail, form=form))
