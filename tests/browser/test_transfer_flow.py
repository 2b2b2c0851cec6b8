"""A transfer in a real browser on the demo data: an officer requests it from the
booking page, a supervisor approves it from the queue, a clinician writes the medical
summary, the officer records the departure in one click once nothing blocks it, and
the receiving facility records the arrival and acknowledges the summary; axe on each
page."""

from __future__ import annotations

import sqlalchemy as sa
from playwright.sync_api import expect

from core.db import db
from core.permissions import Role
from custody.bookings.models import Booking
from custody.transfers.models import Transfer
from tests.browser.test_accessibility import assert_accessible
from tests.browser.test_smoke import sign_in_with_keyboard


def _free_booking(app) -> int:
    """A housed demo booking without a transfer (the seed gives the first five one)."""
    with app.app_context():
        taken = sa.select(Transfer.booking_id)
        found = db.session.scalar(
            sa.select(Booking.id)
            .where(Booking.status == "housed", Booking.id.not_in(taken))
            .order_by(Booking.id.desc())
        )
        db.session.remove()
    assert found is not None
    return found


def _sign_out(page) -> None:
    with page.expect_navigation():
        page.get_by_role("button", name="Sign out").click()


def test_request_approve_summary_depart_arrive(page, live_app):
    booking_id = _free_booking(live_app)
    sign_in_with_keyboard(page, Role.OFFICER)
    page.goto(f"/bookings/{booking_id}")
    with page.expect_navigation():
        page.get_by_role("link", name="Transfer", exact=True).click()
    assert_accessible(page)
    expect(page.locator("#to_facility_code")).to_have_value("")  # starts unselected
    with page.expect_navigation():  # nothing chosen: the errors come back
        page.get_by_role("button", name="Request the transfer").click()
    expect(page.locator("#to_facility_code-error")).to_be_visible()
    assert_accessible(page)
    options = page.locator("#to_facility_code option").all_inner_texts()
    page.select_option("#to_facility_code", label=options[1])
    page.fill("#reason", "Closer to the immigration court")
    page.fill("#scheduled_for", "2030-05-04T08:15")
    with page.expect_navigation():
        page.get_by_role("button", name="Request the transfer").click()
    expect(page.locator("h1")).to_contain_text("Transfer of")
    expect(page.locator("main")).to_contain_text("A supervisor has not approved the transfer.")
    expect(page.locator("main")).to_contain_text("05/04/2030 08:15")
    assert_accessible(page)
    transfer_url = page.url
    _sign_out(page)

    sign_in_with_keyboard(page, Role.SUPERVISOR)
    page.goto("/transfers?status=requested")
    assert_accessible(page)
    with page.expect_navigation():
        page.get_by_role("button", name="Approve the transfer of").last.click()
    page.goto(transfer_url)
    expect(page.locator("main")).not_to_contain_text("A supervisor has not approved")
    _sign_out(page)

    sign_in_with_keyboard(page, Role.CLINICIAN)
    page.goto(transfer_url)
    with page.expect_navigation():
        page.get_by_role("link", name="Write the medical summary").click()
    assert_accessible(page)
    page.locator("label[for=fit_to_travel-0]").click()
    page.fill("#allergies", "No known drug allergies")
    page.fill("#medications-0-drug", "Amlodipine")
    page.fill("#medications-0-dose", "5 mg")
    page.fill("#medications-0-directions", "by mouth once daily")
    page.fill("#medications-0-last_given_at", "2026-12-01T08:00")
    page.fill("#medications-0-next_due_at", "2026-12-02T08:00")
    page.fill("#tb_status", "Chest X-ray negative")
    with page.expect_navigation():
        page.get_by_role("button", name="Save the medical summary").click()
    expect(page.get_by_role("status")).to_contain_text("Medical transfer summary saved.")
    _sign_out(page)

    sign_in_with_keyboard(page, Role.OFFICER)
    page.goto(transfer_url)
    expect(page.locator("main")).to_contain_text("Nothing blocks the departure.")
    expect(page.locator("main")).not_to_contain_text("Amlodipine")  # no clinical content
    assert_accessible(page)
    with page.expect_navigation():
        page.get_by_role("button", name="Record departure now").click()
    expect(page.locator("h1")).to_contain_text("In transit")
    page.goto("/transfers?status=in_transit")
    expect(page.locator("main table")).to_contain_text("In transit")
    assert_accessible(page)
    page.goto(transfer_url)
    with page.expect_navigation():
        page.get_by_role("button", name="Record arrival now").click()
    expect(page.locator("h1")).to_contain_text("Arrived")
    with page.expect_navigation():
        page.get_by_role("button", name="Acknowledge the medical summary").click()
    expect(page.locator("main")).to_contain_text("Summary acknowledged")
    expect(page.locator("main table")).to_contain_text("In transit")
    assert_accessible(page)
