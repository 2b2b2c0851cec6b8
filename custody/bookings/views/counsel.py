"""The attorney-of-record section of the booking page: put a G-28 on file, withdraw it
(custody.counsel's services)."""

from __future__ import annotations

from typing import Any

from flask import flash, redirect, url_for
from werkzeug.wrappers import Response

from core.access import current_actor, requires
from core.errors import Conflict, ValidationFailed
from core.forms import call_service, render_form_page
from custody.bookings.services import get_booking
from custody.bookings.views.blueprint import bp
from custody.counsel import services as counsel
from custody.counsel.forms import G28Form, WithdrawForm
from custody.permissions import CustodyPermission

ATTORNEYS = "/bookings/<int:booking_id>/attorneys"


@bp.route(ATTORNEYS + "/new", methods=["GET", "POST"])
@requires(CustodyPermission.DETAINEE_WRITE)
def file_g28(booking_id: int) -> Any:
    actor = current_actor()
    booking = get_booking(actor=actor, booking_id=booking_id)
    form = G28Form()
    if form.validate_on_submit():
        filed = call_service(
            form,
            lambda: counsel.file_g28(
                actor=actor,
                booking_id=booking_id,
                attorney_name=form.attorney_name.data,
                bar_number=form.bar_number.data,
                bar_state=form.bar_state.data,
                organization=form.organization.data,
                phone=form.phone.data,
                email=form.email.data,
                filed_on=form.filed_on.data,
            ),
        )
        if filed is not None:
            flash(f"G-28 of {filed.attorney_name} on file.", "success")
            return redirect(url_for("bookings.booking", booking_id=booking_id, _anchor="counsel"))
    return render_form_page("custody/counsel/g28.html", form=form, booking=booking)


@bp.post(ATTORNEYS + "/<int:attorney_id>/withdraw")
@requires(CustodyPermission.DETAINEE_WRITE)
def withdraw_g28(booking_id: int, attorney_id: int) -> Response:
    form = WithdrawForm()
    if form.validate_on_submit():
        try:
            done = counsel.withdraw_g28(
                actor=current_actor(), booking_id=booking_id, attorney_id=attorney_id
            )
            flash(f"{done.attorney_name} is no longer of record.", "success")
        except (Conflict, ValidationFailed) as err:
            flash(err.message, "error")
    else:
        flash("The form expired. Please submit it again.", "error")
    return redirect(url_for("bookings.booking", booking_id=booking_id, _anchor="counsel"))
