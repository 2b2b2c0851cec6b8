"""The release pages: one form filled in steps (reason → property → continuity of care →
notifications when required → confirm), the final submit calling `release_booking`.
Thin: each POST reads the form, calls at most one service and renders the next step."""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo

from flask import Blueprint, flash, redirect, request, url_for

from core.access import current_actor, requires
from core.errors import Conflict, ValidationFailed
from core.forms import attach_errors, call_service, render_form_page
from core.i18n import local_time
from custody.bookings.forms import local_to_utc
from custody.permissions import CustodyPermission
from custody.releases import forms, inputs, services
from custody.releases.vocabulary import OUTCOME_LABELS, RECIPIENT_LABELS, required_notifications

bp = Blueprint("releases", __name__)


def _booking_page(booking_id: int) -> Any:
    return redirect(url_for("bookings.booking", booking_id=booking_id))


@bp.route("/bookings/<int:booking_id>/release", methods=["GET", "POST"])
@requires(CustodyPermission.DETAINEE_WRITE)
def release(booking_id: int) -> Any:
    plan = services.release_plan(actor=current_actor(), booking_id=booking_id)
    booking = plan.booking
    if not booking.is_active:
        flash("This person is already released: the release record is below.", "info")
        return _booking_page(booking_id)
    form_class = forms.release_form(booking.property_items)
    form = form_class() if request.method == "POST" else form_class(formdata=None)
    step = form.step.data if form.step.data in form.steps() else "reason"
    if request.method == "POST":
        action = request.form.get("action", "next")
        step, done = _act(form, step, plan, action)
        if done:
            return _booking_page(booking_id)
        if action == "notify":  # show the notification just recorded
            plan = services.release_plan(actor=current_actor(), booking_id=booking_id)
    form.step.data = step
    return render_form_page(
        "custody/releases/release.html",
        form=form,
        step=step,
        plan=plan,
        booking=booking,
        local=_local(booking.facility.time_zone),
        missing=plan.missing(form.reason.data),
        required=required_notifications(form.reason.data),
        outcome_labels=OUTCOME_LABELS,
        recipient_labels=RECIPIENT_LABELS,
        step_labels=forms.STEP_LABELS,
    )


def _act(form: Any, step: str, plan: services.ReleasePlan, action: str) -> tuple[str, bool]:
    """Do what the button asked; return the step to show and whether the release is done."""
    steps = form.steps()
    if action == "back":
        return steps[max(steps.index(step) - 1, 0)], False
    if action.startswith("goto:") and action[5:] in steps:
        return action[5:], False
    if action == "notify":
        _record_notification(form, plan)
        return "notifications", False
    if action == "release":
        return _release(form, plan)
    if form.validate_step(step):
        return steps[min(steps.index(step) + 1, len(steps) - 1)], False
    return step, False


def _record_notification(form: Any, plan: services.ReleasePlan) -> None:
    zone = plan.booking.facility.time_zone
    notification = inputs.NotificationIn(
        recipient=form.recipient.data or "",
        channel=form.channel.data or "",
        notified_at=local_to_utc(form.notified_at.data, zone),
        reference=form.reference.data or None,
    )
    done = call_service(
        form,
        lambda: services.record_release_notification(
            actor=current_actor(), booking_id=plan.booking.id, notification=notification
        ),
    )
    if done is not None:
        flash(f"Notification recorded: {done.recipient_label}.", "success")
        for name in forms.NOTIFICATION_FIELDS:
            form[name].data = None
            form[name].raw_data = []


def _release(form: Any, plan: services.ReleasePlan) -> tuple[str, bool]:
    failed = form.first_invalid_step()
    if failed is not None:
        return failed, False
    booking = plan.booking
    care = form.continuity()
    release = inputs.ReleaseIn(
        reason=form.reason.data,
        released_at=local_to_utc(form.released_at.data, booking.facility.time_zone),
        notes=form.notes.data or None,
        property=inputs.property_returns(form.property_returns()),
        continuity=None if care is None else inputs.ContinuityIn(**care),
        counsel_channel=form.counsel_channel.data or None,
        counsel_notified_at=local_to_utc(form.counsel_notified_at.data, booking.facility.time_zone),
    )
    aliases = forms.service_aliases(booking.property_items)
    try:
        services.release_booking(actor=current_actor(), booking_id=booking.id, release=release)
    except ValidationFailed as err:
        attach_errors(form, err.errors, aliases)
        return forms.step_of(aliases.get(next(iter(err.errors)), next(iter(err.errors)))), False
    except Conflict as err:
        if err.details.get("rule") == services.ALREADY_RELEASED:  # a second submit
            flash("This person was already released.", "info")
            return "confirm", True
        attach_errors(form, {err.details.get("field") or "__form__": [err.message]}, aliases)
        return forms.step_of(err.details.get("field") or "confirm"), False
    flash("Released. The bed is free; the release record is below.", "success")
    return "confirm", True


def _local(time_zone: str) -> Any:
    zone = ZoneInfo(time_zone)

    def local(value: Any) -> str:
        return local_time(value, zone)

    return local
