"""Restrictive-housing pages: the facility board (what is overdue, gaps flagged), one
placement with its history and a one-tap check, and the supervisor's forms (placement,
review, notification, release). Thin: each POST validates its form and calls one
service in custody.services.restrictive."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any
from zoneinfo import ZoneInfo

from flask import Blueprint, flash, redirect, request, url_for

from core.access import current_actor, requires
from core.forms import call_service, choices, render_form_page
from custody.facilities.models import Facility
from custody.facilities.services import get_facility
from custody.people.models import ALERT_LABELS
from custody.permissions import CustodyPermission
from custody.restrictive import services as svc
from custody.restrictive.forms import (
    CheckForm,
    NotificationForm,
    PlacementForm,
    ReleaseForm,
    ReviewForm,
)
from custody.restrictive.models import RestrictivePlacement
from custody.rules import states

bp = Blueprint("restrictive", __name__)
PLACEMENT = "/restrictive-housing/<int:placement_id>"


def _clock(facility: Facility) -> Callable[[dt.datetime | None], str]:
    """Format times in the facility's own zone."""
    try:
        zone: dt.tzinfo = ZoneInfo(facility.time_zone)
    except (KeyError, ValueError):
        zone = dt.UTC

    def local(value: dt.datetime | None) -> str:
        return "—" if value is None else value.astimezone(zone).strftime("%Y-%m-%d %H:%M %Z")

    return local


def _context(facility: Facility, **extra: Any) -> dict[str, Any]:
    return {
        "facility": facility,
        "local": _clock(facility),
        "alert_labels": {str(k): v for k, v in ALERT_LABELS.items()},
        "kinds": {str(k): v for k, v in svc.KINDS.items()},
        "observations": svc.OBSERVATIONS,
        "methods": svc.METHODS,
        "decisions": svc.DECISIONS,
        **extra,
    }


# --- reading -------------------------------------------------------------------------


@bp.get("/facilities/<code>/restrictive-housing")
@requires(CustodyPermission.DETAINEE_READ)
def facility(code: str) -> Any:
    actor = current_actor()
    found = get_facility(actor=actor, code=code)
    board = svc.facility_overview(actor=actor, facility_code=code)
    return render_form_page(
        "custody/restrictive/facility.html",
        **_context(found, board=board),
    )


def _placement_page(placement: RestrictivePlacement, **forms: Any) -> Any:
    intervals = svc.check_intervals(placement)
    series = svc.placement_clocks(placement)
    return render_form_page(
        forms.pop("template", "custody/restrictive/placement.html"),
        **_context(
            placement.booking.facility,
            placement=placement,
            booking=placement.booking,
            person=placement.booking.detainee,
            intervals=intervals,
            gaps=[i for i in intervals if i.flagged],
            open_clocks={c.rule: c for c in series if c.met_at is None and c.stopped_at is None},
            clocks=series,
            state=states.state,
            names=svc.staff_names(placement),
            **forms,
        ),
    )


@bp.get(PLACEMENT)
@requires(CustodyPermission.DETAINEE_READ)
def placement(placement_id: int) -> Any:
    return _placement_page(svc.get_placement(actor=current_actor(), placement_id=placement_id))


# --- one-tap check -------------------------------------------------------------------


@bp.post(PLACEMENT + "/checks")
@requires(CustodyPermission.DETAINEE_WRITE)
def record_check(placement_id: int) -> Any:
    """One tap, no JavaScript: record a check now and go back where the officer was."""
    form = CheckForm()
    if form.validate_on_submit():
        check = call_service(
            form,
            lambda: svc.record_check(
                actor=current_actor(),
                placement_id=placement_id,
                observation=form.observation.data,
            ),
        )
        if check is not None:
            flash(f"Check recorded at {check.checked_at:%H:%M} UTC.", "success")
    for message in [*form.form_errors, *(m for e in form.errors.values() for m in e)]:
        flash(str(message), "error")
    if form.back.data == "facility":
        found = svc.get_placement(actor=current_actor(), placement_id=placement_id)
        return redirect(url_for("restrictive.facility", code=found.booking.facility.code))
    return redirect(url_for("restrictive.placement", placement_id=placement_id))


# --- supervisor forms ----------------------------------------------------------------


@bp.route("/facilities/<code>/restrictive-housing/new", methods=["GET", "POST"])
@requires(CustodyPermission.CUSTODY_SUPERVISE)
def place(code: str) -> Any:
    actor = current_actor()
    found = get_facility(actor=actor, code=code)
    form = PlacementForm()
    people = svc.placement_candidates(actor=actor, facility_code=code)
    form.booking.choices = choices([("", "Choose…"), *((str(i), n) for i, n in people)])
    beds = svc.restrictive_beds(actor=actor, facility_code=code)
    form.bed.choices = choices([("", "Keep the current bed"), *((str(i), n) for i, n in beds)])
    if request.method == "GET" and request.args.get("booking_id"):
        form.booking.data = request.args["booking_id"]
    if form.validate_on_submit():
        created = call_service(
            form,
            lambda: svc.place_in_restrictive_housing(
                actor=actor,
                booking_id=int(form.booking.data),
                kind=form.kind.data,
                reason=form.reason.data,
                bed_id=int(form.bed.data) if form.bed.data else None,
            ),
        )
        if created is not None:
            flash("Placed in restrictive housing. The first check is due in 30 minutes.", "success")
            return redirect(url_for("restrictive.placement", placement_id=created.id))
    return render_form_page("custody/restrictive/place.html", **_context(found, form=form))


def _supervisor_form(
    placement_id: int, form: Any, template: str, run: Callable[[RestrictivePlacement], Any]
) -> Any:
    found = svc.get_placement(actor=current_actor(), placement_id=placement_id)
    if form.validate_on_submit():
        done = call_service(form, lambda: run(found))
        if done is not None:
            flash("Saved.", "success")
            return redirect(url_for("restrictive.placement", placement_id=placement_id))
    return _placement_page(found, template=template, form=form)


@bp.route(PLACEMENT + "/review", methods=["GET", "POST"])
@requires(CustodyPermission.CUSTODY_SUPERVISE)
def review(placement_id: int) -> Any:
    form = ReviewForm()
    return _supervisor_form(
        placement_id,
        form,
        "custody/restrictive/review.html",
        lambda p: svc.record_review(
            actor=current_actor(),
            placement_id=p.id,
            decision=form.decision.data,
            note=form.note.data,
        ),
    )


@bp.route(PLACEMENT + "/notification", methods=["GET", "POST"])
@requires(CustodyPermission.CUSTODY_SUPERVISE)
def notification(placement_id: int) -> Any:
    form = NotificationForm()
    return _supervisor_form(
        placement_id,
        form,
        "custody/restrictive/notification.html",
        lambda p: svc.record_notification(
            actor=current_actor(),
            placement_id=p.id,
            recipient=form.recipient.data,
            method=form.method.data,
        ),
    )


@bp.route(PLACEMENT + "/release", methods=["GET", "POST"])
@requires(CustodyPermission.CUSTODY_SUPERVISE)
def release(placement_id: int) -> Any:
    form = ReleaseForm()
    return _supervisor_form(
        placement_id,
        form,
        "custody/restrictive/release.html",
        lambda p: svc.release_from_restrictive_housing(
            actor=current_actor(), placement_id=p.id, note=form.note.data
        ),
    )
