"""The guided booking (intake → classification → risk screening → housing) in a real
browser on the demo data, with the keyboard only, and axe on each page (with its error
states); the restrictive-housing and rule-set pages."""

from __future__ import annotations

import datetime as dt
import re
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from playwright.sync_api import expect

from core.actor import Actor
from core.db import db
from core.permissions import Role
from custody.bookings.models import Booking
from custody.restrictive.services import place_in_restrictive_housing
from tests.browser.test_accessibility import assert_accessible
from tests.browser.test_smoke import sign_in_with_keyboard, tab_to


def focused(page) -> str:
    return page.evaluate("document.activeElement.id")


def test_guided_booking_with_the_keyboard_only(page):
    """Intake → classification → risk screening → housing, every key pressed by the
    officer (no clicks, no filling by script), axe on each step and its error state."""
    sign_in_with_keyboard(page, Role.SUPERVISOR)
    page.goto("/intake")
    assert_accessible(page)
    assert focused(page) == "a_number"  # autofocus on the first field

    # An incomplete form comes back with the errors; focus is on the error summary.
    tab_to(page, "#family_name")
    page.keyboard.type("Villanueva Paz")
    tab_to(page, "button[type=submit]", limit=60)
    with page.expect_navigation():
        page.keyboard.press("Enter")
    expect(page.locator("#a_number-error")).to_be_visible()
    expect(page.locator("#family_name")).to_have_value("Villanueva Paz")
    assert page.evaluate("document.activeElement.classList.contains('custodia-error-summary')")
    assert_accessible(page)

    # The officer types the rest, moving with Tab; selects answer to typing.
    tab_to(page, "#a_number", limit=80)
    page.keyboard.type("A-099-000-123")
    tab_to(page, "#given_name")
    page.keyboard.type("Inés")
    tab_to(page, "#date_of_birth")  # the memorable date: month, day, year
    page.keyboard.type("7")
    page.keyboard.press("Tab")
    page.keyboard.type("21")
    page.keyboard.press("Tab")
    page.keyboard.type("1991")
    tab_to(page, "#sex")
    page.keyboard.type("Female")
    tab_to(page, "#gender_identity")
    page.keyboard.type("Woman")
    tab_to(page, "#country_of_birth")
    page.keyboard.type("Honduras")
    tab_to(page, "#primary_language")
    page.keyboard.type("Spanish")
    tab_to(page, "#facility")
    page.keyboard.type("Riverbend")
    tab_to(page, "#property")
    page.keyboard.type("Wallet, red\n2 x T-shirt\nCash $12.00")
    tab_to(page, "#orientation_given")
    page.keyboard.press("Space")
    tab_to(page, "#handbook_language")
    page.keyboard.type("Spanish")
    page.keyboard.press("Tab")  # on to the submit button
    assert page.evaluate("document.activeElement.textContent.trim()") == "Book"
    with page.expect_navigation():
        page.keyboard.press("Enter")

    # Step 2, classification: the worksheet answered with Space and Tab.
    expect(page.locator(".usa-alert--success")).to_contain_text("receipt RVPC-")
    expect(page.locator(".usa-step-indicator__segment--current")).to_contain_text("Classification")
    assert_accessible(page)
    assert focused(page) == "current_offense-0"
    expect(page.locator("#running-score")).to_contain_text("Score 0")
    for _ in range(6):  # each factor: choose its first answer, go on to the next group
        page.keyboard.press("Space")
        page.keyboard.press("Tab")
    expect(page.locator("#running-score")).to_contain_text("6 of 6 answered): Level 1")
    tab_to(page, "button[type=submit]")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    expect(page.locator(".usa-alert--success")).to_contain_text("Classified Level 1")

    # Step 3, risk screening: its own page now.
    expect(page.locator("h1")).to_contain_text("risk screening")
    assert_accessible(page)
    tab_to(page, "button[type=submit]")
    with page.expect_navigation():
        page.keyboard.press("Enter")  # unanswered: refused, focus on the summary
    assert page.evaluate("document.activeElement.classList.contains('custodia-error-summary')")
    assert_accessible(page)
    tab_to(page, "#victimization_risk-0")
    page.keyboard.press("ArrowDown")  # No
    tab_to(page, "#abusiveness_risk-0")
    page.keyboard.press("ArrowDown")  # No
    tab_to(page, "button[type=submit]")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    expect(page.locator(".usa-alert--success")).to_contain_text("screening recorded")

    # Step 4, housing: a list of beds the rules allow, by unit; the first with a key.
    expect(page.locator("h1")).to_contain_text("House")
    assert_accessible(page)
    assert focused(page) == "bed_id"
    page.keyboard.press("ArrowDown")
    bed_label = page.evaluate("document.querySelector('#bed_id').selectedOptions[0].text")
    tab_to(page, "button[type=submit]")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    expect(page.locator(".usa-alert--success")).to_contain_text("Housed in")
    expect(page.locator("main")).to_contain_text(bed_label.split(" ·")[0])
    expect(page.locator("h1")).to_contain_text("housed")
    expect(page.locator("h1")).to_contain_text("Villanueva Paz, Inés")
    expect(page.locator("main")).to_contain_text("All booking steps done")
    expect(page.locator("main")).to_contain_text("Cash $12.00")
    assert_accessible(page)

    # The housing board shows her in that bed.
    page.goto("/facilities/RVPC/board")
    assert_accessible(page)
    expect(page.locator("main")).to_contain_text("Villanueva Paz, Inés")
    page.goto("/facilities/RVPC/board?free_only=y&needs_lower_bunk=y&level=1")
    assert re.search(r"free", page.locator("main").inner_text())
    assert_accessible(page)


def test_restrictive_housing_pages(page):
    """The seeded restrictive-housing board, a placement with its one-tap check, and the
    placement form with its errors."""
    sign_in_with_keyboard(page, Role.SUPERVISOR)
    page.goto("/facilities/RVPC/restrictive-housing")
    assert_accessible(page)
    placement = page.locator("main a[href^='/restrictive-housing/']").first
    assert placement.count(), "the demo seed places people in restrictive housing"
    with page.expect_navigation():
        placement.click()
    assert_accessible(page)
    with page.expect_navigation():
        page.get_by_role("button", name=re.compile("Record check")).first.click()
    expect(page.get_by_role("status").filter(has_text="Check recorded")).to_be_visible()
    page.goto("/facilities/RVPC/restrictive-housing/new")
    assert_accessible(page)
    page.fill("#q", "a")  # the person is found by search, then chosen
    with page.expect_navigation():
        page.get_by_role("button", name="Search").click()
    with page.expect_navigation():
        page.locator("main a[href*='booking_id=']").first.click()
    assert_accessible(page)
    with page.expect_navigation():
        page.locator("main form button[type=submit]").first.click()
    assert page.locator(".usa-error-message").count() >= 1
    assert_accessible(page)


def test_rule_set_pages(page):
    sign_in_with_keyboard(page, Role.ADMIN)
    page.goto("/rule-sets")
    assert_accessible(page)
    page.goto("/rule-sets/PBNDS-2011-R2016")
    assert_accessible(page)
    expect(page.locator("main")).to_contain_text("12 hours")
    edit = page.locator("main a[href*='/admin/rule-sets/rules/']").first
    with page.expect_navigation():
        edit.click()
    assert_accessible(page)
    page.locator("main input[type=number], main input[name*='limit']").first.fill("0")
    with page.expect_navigation():
        page.locator("main form button[type=submit]").first.click()
    assert page.locator(".usa-error-message").count() >= 1
    assert_accessible(page)


def _fresh_placement(app) -> tuple[int, str]:
    """Someone held (booked over a day ago, not in restrictive housing) placed there half
    an hour ago, no check yet: (placement id, the facility's time zone)."""
    with app.app_context():
        booking = db.session.scalar(
            sa.select(Booking)
            .where(Booking.status.in_(["booked", "housed"]))
            .where(~Booking.placements.any())
            .where(Booking.booked_at < dt.datetime.now(dt.UTC) - dt.timedelta(days=1))
            .order_by(Booking.id)
        )
        placed = place_in_restrictive_housing(
            actor=Actor.system("browser-tests"),
            booking_id=booking.id,
            kind="administrative",
            reason="Protective custody requested",
            placed_at=dt.datetime.now(dt.UTC) - dt.timedelta(minutes=30),
        )
        found = (placed.id, booking.facility.time_zone)
        db.session.remove()
    return found


def test_a_check_done_minutes_ago_through_the_date_picker(page, live_app):
    """The date picker and time input take a check done a few minutes ago, read in the
    facility's local time, and the page shows it back in that time with its zone."""
    placement_id, time_zone = _fresh_placement(live_app)
    sign_in_with_keyboard(page, Role.SUPERVISOR)
    page.goto(f"/restrictive-housing/{placement_id}")
    zone = ZoneInfo(time_zone)
    when = (dt.datetime.now(dt.UTC) - dt.timedelta(minutes=4)).astimezone(zone)
    picker = page.locator(".usa-date-picker__external-input, #checked_at").first
    picker.fill(when.strftime("%m/%d/%Y"))
    page.fill("#checked_at_time", when.strftime("%H:%M"))
    page.locator("label[for='observation-2']").click()  # no response
    with page.expect_navigation():
        page.get_by_role("button", name="Record this check").click()
    shown = when.strftime("%m/%d/%Y %H:%M %Z")
    expect(page.locator(".usa-alert--success")).to_contain_text(f"Check recorded for {shown}")
    expect(page.locator("main")).to_contain_text("No response (escalated)")
    assert_accessible(page)
