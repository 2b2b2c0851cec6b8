"""Restrictive-housing pages: the facility board (what is overdue, gaps flagged), one
placement with its history and a one-tap check, and the supervisor's forms (placement,
review, notification, release). Thin: each POST validates its form and calls one
service in custody.services.restrictive."""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Callable
from typing import Any

from flask import Blueprint, flash, redirect, request, url_for

from core.access import current_actor, requires
from core.db import utcnow
from core.forms import call_service, choices, render_form_page
from core.validation import parse_id
from custody import formats
from custody.bookings.forms import local_to_utc, utc_to_local
from custody.bookings.services import get_booking as find_booking
from custody.facilities.models import Facility
from custody.facilities.services import get_facility
from custody.people.models import ALERT_LABELS
from custody.permissions import CustodyPermission
from custody.restrictive import services as svc
from custody.restrictive.forms import (
    CheckForm,
    NotificationForm,
    PersonSearchForm,
    PlacementForm,
    ReleaseForm,
    ReviewForm,
)
from custody.restrictive.models import RestrictivePlacement
from custody.rules import states

bp = Blueprint("restrictive", __name__)
PLACEMENT = "/restrictive-housing/<int:placement_id>"


def _clock(facility: Facility) -> Callable[[dt.datetime | None], str]:
    """Format times in the facility's own zone, as every page does (custody.formats)."""
    return functools.partial(formats.facility_time, place=facility)


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
    if "check_form" not in forms:  # the detailed check, its time now in facility time
        now = utc_to_local(utcnow(), placement.booking.facility.time_zone)
        forms["check_form"] = CheckForm(formdata=None, data={"checked_at": now})
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
    """One tap, no JavaScript: a check now, back where the officer was. The detailed form
    (what was observed, when) comes back with its errors next to the fields."""
    found = svc.get_placement(actor=current_actor(), placement_id=placement_id)
    form = CheckForm()
    detailed = "checked_at" in request.form
    if form.validate_on_submit():
        when = local_to_utc(form.checked_at.data, found.booking.facility.time_zone)
        check = call_service(
            form,
            lambda: svc.record_check(
                actor=current_actor(),
                placement_id=placement_id,
                observation=form.observation.data,
                checked_at=when,
            ),
        )
        if check is not None:
            shown = formats.facility_time(check.checked_at, found.booking.facility)
            flash(f"Check recorded for {shown}.", "success")
            return _back(form, found)
    if detailed:
        return _placement_page(found, check_form=form)
    for message in [*form.form_errors, *(m for e in form.errors.values() for m in e)]:
        flash(str(message), "error")
    return _back(form, found)


def _back(form: CheckForm, found: RestrictivePlacement) -> Any:
    if form.back.data == "facility":
        return redirect(url_for("restrictive.facility", code=found.booking.facility.code))
    return redirect(url_for("restrictive.placement", placement_id=found.id))


# --- supervisor forms ----------------------------------------------------------------


@bp.route("/facilities/<code>/restrictive-housing/new", methods=["GET", "POST"])
@requires(CustodyPermission.CUSTODY_SUPERVISE)
def place(code: str) -> Any:
    """The person is found by search (never a list of the whole population), then the
    placement form carries their booking id."""
    actor = current_actor()
    found = get_facility(actor=actor, code=code)
    form = PlacementForm()
    search = PersonSearchForm(request.args)
    query = (search.q.data or "").strip() if search.validate() else ""
    people = svc.placement_candidates(actor=actor, facility_code=code, query=query)
    beds = svc.restrictive_beds(actor=actor, facility_code=code)
    form.bed.choices = choices([("", "Keep the current bed"), *((str(i), n) for i, n in beds)])
    chosen = request.values.get("booking_id") or form.booking.data
    booking = _chosen_booking(actor, chosen, found)
    if booking is not None:
        form.booking.data = str(booking.id)
    if form.validate_on_submit() and booking is not None:
        created = call_service(
            form,
            lambda: svc.place_in_restrictive_housing(
                actor=actor,
                booking_id=booking.id,
                kind=form.kind.data,
                reason=form.reason.data,
                bed_id=int(form.bed.data) if form.bed.data else None,
                override_reason=form.override_reason.data or None,
            ),
            aliases={"bed_id": "bed"},
        )
        if created is not None:
            flash("Placed in restrictive housing. The first check is due in 30 minutes.", "success")
            return redirect(url_for("restrictive.placement", placement_id=created.id))
    return render_form_page(
        "custody/restrictive/place.html",
        **_context(found, form=form, search=search, query=query, people=people, chosen=booking),
    )


def _chosen_booking(actor: Any, chosen: object, facility: Facility) -> Any:
    """The booking picked from the search, if it is an active one of this facility."""
    number = parse_id(chosen) if isinstance(chosen, str) else None
    if number is None:
        return None
    booking = find_booking(actor=actor, booking_id=number)
    return booking if booking.facility_id == facility.id and booking.is_active else None


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
