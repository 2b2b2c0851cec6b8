"""Transfer pages: the request form (from the booking page), one transfer with its
checklist of what still blocks departure and its movement history, the lists (approval
queue, in transit, arriving), the clinician's medical summary and hold, the receiving
facility's arrival and acknowledgement. Thin: each POST validates its form and calls
one service; a refusal comes back as a message on the transfer page."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any
from zoneinfo import ZoneInfo

from flask import Blueprint, abort, flash, redirect, request, url_for
from werkzeug.wrappers import Response

from core.access import current_actor, requires
from core.errors import Conflict, ValidationFailed
from core.forms import call_service, choices, render_form_page
from core.i18n import local_time
from custody.bookings.services import get_booking
from custody.counsel.models import CHANNEL_LABELS
from custody.counsel.services import attorneys_of_record, counsel_notifications
from custody.facilities.models import Facility
from custody.permissions import CustodyPermission
from custody.transfers import clearance, forms, movement
from custody.transfers import services as svc
from custody.transfers.checklist import STATUS_LABELS
from custody.transfers.models import Transfer
from health.permissions import HealthPermission

bp = Blueprint("transfers", __name__)
ONE = "/transfers/<int:transfer_id>"
LISTS = {
    "requested": "Pending approval",
    "approved": "Approved, not departed",
    "in_transit": "In transit",
    "arrived": "Arrived",
    "cancelled": "Cancelled",
}


def _zone(facility: Facility) -> dt.tzinfo:
    try:
        return ZoneInfo(facility.time_zone)
    except (KeyError, ValueError):
        return dt.UTC


def _clock(facility: Facility) -> Callable[[dt.datetime | None], str]:
    """Times in the facility's own zone, with the zone."""
    zone = _zone(facility)

    def local(value: dt.datetime | None) -> str:
        return local_time(value, zone)

    return local


def _utc(value: dt.datetime | None, facility: Facility) -> dt.datetime | None:
    """A naive local time typed into a form, as an aware UTC time."""
    return None if value is None else value.replace(tzinfo=_zone(facility)).astimezone(dt.UTC)


def _lines(text: str | None) -> list[str]:
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


@bp.get("/transfers")
@requires(CustodyPermission.DETAINEE_READ)
def index() -> Any:
    status = request.args.get("status", "requested")
    if status not in LISTS:
        abort(404)
    actor = current_actor()
    found = svc.list_transfers(actor=actor, status=status)
    return render_form_page(
        "custody/transfers/list.html",
        transfers=found,
        status=status,
        lists=LISTS,
        counts=svc.transfer_counts(actor=actor),
        labels=STATUS_LABELS,
        clock=_clock,
    )


@bp.route("/bookings/<int:booking_id>/transfer", methods=["GET", "POST"])
@requires(CustodyPermission.DETAINEE_WRITE)
def new(booking_id: int) -> Any:
    actor = current_actor()
    booking = get_booking(actor=actor, booking_id=booking_id)
    current = svc.open_transfer_of(actor=actor, booking_id=booking_id)
    if current is not None:
        flash(f"Transfer {current.id} of this person is already open.", "info")
        return redirect(url_for("transfers.show", transfer_id=current.id))
    form = forms.RequestForm()
    options = svc.receiving_facilities(actor=actor, booking=booking)
    form.to_facility_code.choices = choices(
        [("", "Choose…"), *((f.code, f"{f.name} ({f.field_office.name})") for f in options)]
    )
    if form.validate_on_submit():
        created = call_service(
            form,
            lambda: svc.request_transfer(
                actor=actor,
                booking_id=booking_id,
                to_facility_code=form.to_facility_code.data,
                reason=form.reason.data,
                scheduled_for=_utc(form.scheduled_for.data, booking.facility),
            ),
        )
        if created is not None:
            flash("Transfer requested. A supervisor must approve it.", "success")
            return redirect(url_for("transfers.show", transfer_id=created.id))
    return render_form_page("custody/transfers/request.html", form=form, booking=booking)


def _page(transfer: Transfer, **extra: Any) -> Any:
    actor = current_actor()
    shown = movement.describe(transfer)
    # counsel is the holding facility's business (the receiving one's after arrival)
    holds = actor.can_reach_facility(transfer.booking.facility_id)
    notices = (
        counsel_notifications(
            actor=actor, booking_id=transfer.booking_id, event_kind="transfer", event_id=transfer.id
        )
        if holds
        else []
    )
    counsel = forms.CounselForm(formdata=None)
    counsel.channel.choices = forms.channel_choices()
    context = {
        "t": transfer,
        "shown": shown,
        "person": transfer.booking.detainee,
        "local": _clock(transfer.from_facility),
        "labels": STATUS_LABELS,
        "attorneys": attorneys_of_record(actor=actor, booking_id=transfer.booking_id)
        if holds
        else [],
        "notices": notices,
        "channels": {str(k): v for k, v in CHANNEL_LABELS.items()},
        "counsel_form": counsel,
        "hold_form": forms.HoldForm(formdata=None),
        "cancel_form": forms.CancelForm(formdata=None),
        "sending": actor.can_reach_facility(transfer.from_facility_id),
        "receiving": actor.can_reach_facility(transfer.to_facility_id),
        **extra,
    }
    return render_form_page("custody/transfers/transfer.html", **context)


@bp.get(ONE)
@requires(CustodyPermission.DETAINEE_READ)
def show(transfer_id: int) -> Any:
    return _page(svc.get_transfer(actor=current_actor(), transfer_id=transfer_id))


def _act(transfer_id: int, run: Callable[[], Any], done: str) -> Response:
    """Run one transition; its refusal (409, 422) is shown on the transfer page."""
    try:
        run()
        flash(done, "success")
    except Conflict as err:
        rules = err.details.get("rules") or []
        flash(err.message if not rules else "Cannot depart yet: see what still blocks it.", "error")
    except ValidationFailed as err:
        for messages in err.errors.values():
            for message in messages:
                flash(str(message), "error")
    return redirect(url_for("transfers.show", transfer_id=transfer_id))


def _checked(form: Any) -> bool:
    """CSRF and the form's own checks; their messages are flashed."""
    if form.validate_on_submit():
        return True
    for field, messages in form.errors.items():
        for message in messages:
            text = "The form expired. Please submit it again." if field == "csrf_token" else message
            flash(str(text), "error")
    return False


def _simple(transfer_id: int, run: Callable[[], Any], done: str) -> Response:
    if not _checked(forms.CancelForm()):
        return redirect(url_for("transfers.show", transfer_id=transfer_id))
    return _act(transfer_id, run, done)


@bp.post(ONE + "/approve")
@requires(CustodyPermission.CUSTODY_SUPERVISE)
def approve(transfer_id: int) -> Response:
    actor = current_actor()
    return _simple(
        transfer_id,
        lambda: svc.approve_transfer(actor=actor, transfer_id=transfer_id),
        "Transfer approved.",
    )


@bp.post(ONE + "/depart")
@requires(CustodyPermission.DETAINEE_WRITE)
def depart(transfer_id: int) -> Response:
    actor = current_actor()
    return _simple(
        transfer_id,
        lambda: movement.depart(actor=actor, transfer_id=transfer_id),
        "Departed: the person is in transit and the bed is free. "
        "Record the notification of any attorney of record below.",
    )


@bp.post(ONE + "/arrive")
@requires(CustodyPermission.DETAINEE_WRITE)
def arrive(transfer_id: int) -> Response:
    actor = current_actor()
    return _simple(
        transfer_id,
        lambda: movement.arrive(actor=actor, transfer_id=transfer_id),
        "Arrival recorded: the person is booked here and needs housing.",
    )


@bp.post(ONE + "/acknowledge")
@requires(CustodyPermission.DETAINEE_WRITE)
def acknowledge(transfer_id: int) -> Response:
    actor = current_actor()
    return _simple(
        transfer_id,
        lambda: movement.acknowledge_summary(actor=actor, transfer_id=transfer_id),
        "Receipt of the medical transfer summary acknowledged.",
    )


@bp.post(ONE + "/cancel")
@requires(CustodyPermission.DETAINEE_WRITE)
def cancel(transfer_id: int) -> Response:
    actor, form = current_actor(), forms.CancelForm()
    if not _checked(form):
        return redirect(url_for("transfers.show", transfer_id=transfer_id))
    return _act(
        transfer_id,
        lambda: movement.cancel_transfer(
            actor=actor, transfer_id=transfer_id, reason=form.reason.data
        ),
        "Transfer cancelled.",
    )


@bp.post(ONE + "/counsel")
@requires(CustodyPermission.DETAINEE_WRITE)
def counsel(transfer_id: int) -> Response:
    actor = current_actor()
    found = svc.get_transfer(actor=actor, transfer_id=transfer_id)
    form = forms.CounselForm()
    form.channel.choices = forms.channel_choices()
    if not _checked(form):
        return redirect(url_for("transfers.show", transfer_id=transfer_id))
    return _act(
        transfer_id,
        lambda: movement.notify_counsel(
            actor=actor,
            transfer_id=transfer_id,
            channel=form.channel.data,
            notified_at=_utc(form.notified_at.data, found.from_facility),
        ),
        "Notification of the attorney of record recorded.",
    )


@bp.post(ONE + "/medical-hold")
@requires(HealthPermission.WRITE)
def set_hold(transfer_id: int) -> Response:
    actor, form = current_actor(), forms.HoldForm()
    if not _checked(form):
        return redirect(url_for("transfers.show", transfer_id=transfer_id))
    return _act(
        transfer_id,
        lambda: clearance.set_medical_hold(
            actor=actor, transfer_id=transfer_id, reason=form.reason.data
        ),
        "Medical hold set: the person may not depart until it is lifted.",
    )


@bp.post(ONE + "/medical-hold/lift")
@requires(HealthPermission.WRITE)
def lift_hold(transfer_id: int) -> Response:
    actor = current_actor()
    return _simple(
        transfer_id,
        lambda: clearance.lift_medical_hold(actor=actor, transfer_id=transfer_id),
        "Medical hold lifted.",
    )


def _medications(form: forms.SummaryForm, facility: Facility) -> list[dict[str, Any]]:
    rows = []
    for entry in form.medications.entries:
        row = entry.form
        if not any((row.drug.data, row.dose.data, row.directions.data)):
            continue
        rows.append(
            {
                "drug": row.drug.data,
                "dose": row.dose.data,
                "directions": row.directions.data,
                "last_given_at": _utc(row.last_given_at.data, facility),
                "next_due_at": _utc(row.next_due_at.data, facility),
            }
        )
    return rows


@bp.route(ONE + "/medical-summary", methods=["GET", "POST"])
@requires(HealthPermission.WRITE)
def medical_summary(transfer_id: int) -> Any:
    actor = current_actor()
    found = svc.get_transfer(actor=actor, transfer_id=transfer_id)
    form = forms.SummaryForm()
    if form.validate_on_submit():
        written = call_service(
            form,
            lambda: clearance.record_medical_summary(
                actor=actor,
                transfer_id=transfer_id,
                fit_to_travel=form.fit_to_travel.data == "yes",
                active_problems=_lines(form.active_problems.data),
                allergies=_lines(form.allergies.data),
                medications=_medications(form, found.from_facility),
                tb_status=form.tb_status.data,
                pending_appointments=_lines(form.pending_appointments.data),
                accommodations=_lines(form.accommodations.data),
                notes=form.notes.data,
            ),
        )
        if written is not None:
            flash("Medical transfer summary saved.", "success")
            return redirect(url_for("transfers.show", transfer_id=transfer_id))
    return render_form_page(
        "custody/transfers/summary.html",
        form=form,
        t=found,
        person=found.booking.detainee,
        zone=found.from_facility.time_zone,
    )
