"""A release in a real browser, on the demo data: the booking page's Release action,
the steps with a failed submit (focus on the error summary), the review screen, and the
release record on the booking page; axe on each step."""

from __future__ import annotations

import sqlalchemy as sa
from playwright.sync_api import expect

from core.db import db
from core.permissions import Role
from custody.bookings.models import Booking, BookingStatus, PropertyItem
from tests.browser.test_accessibility import assert_accessible
from tests.browser.test_smoke import sign_in_with_keyboard


def _housed_with_property(app) -> tuple[int, int]:
    with app.app_context():
        booking_id = db.session.scalar(
            sa.select(Booking.id)
            .join(PropertyItem)
            .where(Booking.status == BookingStatus.HOUSED)
            .order_by(Booking.id.desc())
            .limit(1)
        )
        lines = db.session.scalar(
            sa.select(sa.func.count())
            .select_from(PropertyItem)
            .where(PropertyItem.booking_id == booking_id)
        )
        db.session.remove()
    return booking_id, lines


def test_release_through_the_steps(page, live_app):
    booking_id, lines = _housed_with_property(live_app)
    sign_in_with_keyboard(page, Role.OFFICER)
    page.goto(f"/bookings/{booking_id}")
    with page.expect_navigation():
        page.get_by_role("link", name="Release", exact=True).click()
    expect(page.locator(".usa-step-indicator__heading-text")).to_have_text("Reason")
    assert_accessible(page)

    # Continue without a reason: the summary takes the focus, the notes are kept
    page.fill("#notes", "Bond posted at the field office.")
    with page.expect_navigation():
        page.get_by_role("button", name="Continue").click()
    expect(page.locator("#error-summary")).to_be_focused()
    expect(page.locator("#notes")).to_have_value("Bond posted at the field office.")
    assert_accessible(page)

    page.locator('label[for="reason-0"]').click()  # Bond
    with page.expect_navigation():
        page.get_by_role("button", name="Continue").click()
    expect(page.locator(".usa-step-indicator__heading-text")).to_have_text("Property")
    for line in range(1, lines + 1):
        page.locator(f'label[for="item_{line}-0"]').click()  # Returned
    assert_accessible(page)
    with page.expect_navigation():
        page.get_by_role("button", name="Continue").click()

    expect(page.locator(".usa-step-indicator__heading-text")).to_have_text("Continuity of care")
    page.locator('label[for="medications-0"]').click()
    page.locator('label[for="health_summary-0"]').click()
    with page.expect_navigation():
        page.get_by_role("button", name="Continue").click()

    expect(page.locator(".usa-step-indicator__heading-text")).to_have_text("Confirm")
    expect(page.locator("main")).to_contain_text("When you release")
    assert_accessible(page)
    with page.expect_navigation():
        page.locator('button[value="release"]').click()
    expect(page.get_by_role("heading", name="Release record")).to_be_visible()
    expect(page.locator("main")).to_contain_text("Medications and health summary handed over")
    expect(page.get_by_role("link", name="Release", exact=True)).to_have_count(0)
    assert_accessible(page)
