"""Intake → classification → housing in a real browser, on the demo data, with the
keyboard where an officer would use it, and axe on each page (with its error states)."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from core.permissions import Role
from tests.browser.test_accessibility import assert_accessible
from tests.browser.test_smoke import sign_in_with_keyboard


def test_intake_classification_housing(page):
    sign_in_with_keyboard(page, Role.SUPERVISOR)
    page.goto("/intake")
    assert_accessible(page)

    # An incomplete form comes back with the errors next to the fields, values kept.
    page.fill("#family_name", "Villanueva Paz")
    with page.expect_navigation():
        page.get_by_role("button", name="Book").click()
    expect(page.locator("#a_number-error")).to_be_visible()
    expect(page.locator("#family_name")).to_have_value("Villanueva Paz")
    assert_accessible(page)

    # The officer types the rest with the keyboard.
    page.focus("#a_number")
    page.keyboard.type("A-099-000-123")
    page.focus("#given_name")
    page.keyboard.type("Inés")
    page.fill("#date_of_birth", "1991-07-21")
    page.select_option("#sex", "female")
    page.select_option("#gender_identity", "woman")
    page.select_option("#country_of_birth", "HN")
    page.select_option("#primary_language", "es")
    page.select_option("#facility", "RVPC")
    page.focus("#property")
    page.keyboard.type("Wallet, red\n2 x T-shirt\nCash $12.00")
    page.focus("#orientation_given")
    page.keyboard.press("Space")
    page.select_option("#handbook_language", "es")
    page.focus("#handbook_language")
    page.keyboard.press("Tab")  # on to the submit button
    assert page.evaluate("document.activeElement.textContent.trim()") == "Book"
    with page.expect_navigation():
        page.keyboard.press("Enter")
    expect(page.locator("h1")).to_contain_text("Villanueva Paz, Inés")
    expect(page.get_by_role("status")).to_contain_text("receipt RVPC-")
    expect(page.locator("main")).to_contain_text("Cash $12.00")
    assert_accessible(page)
    booking_url = page.url

    # Classification: the worksheet, then the risk screening.
    with page.expect_navigation():
        page.get_by_role("link", name="Classify").click()
    assert_accessible(page)
    for factor in (
        "current_offense-0",
        "prior_convictions-0",
        "violence_history-0",
        "escape_history-0",
        "institutional_conduct-0",
        "security_threat_group-0",
    ):
        page.locator(f"label[for='{factor}']").click()
    with page.expect_navigation():
        page.get_by_role("button", name="Record classification").click()
    expect(page.get_by_role("status")).to_contain_text("Classified Level 1")
    page.goto(booking_url + "/classification")
    page.locator("label[for='victimization_risk-1']").click()
    page.locator("label[for='abusiveness_risk-1']").click()
    with page.expect_navigation():
        page.get_by_role("button", name="Record screening").click()
    expect(page.get_by_role("status")).to_contain_text("screening recorded")

    # Housing: only beds that fit a Level 1 woman are offered; pick the first.
    with page.expect_navigation():
        page.get_by_role("link", name="House").click()
    assert_accessible(page)
    first_bed = page.locator("input[name='bed_id']").first
    bed_label = page.locator(f"label[for='{first_bed.get_attribute('id')}']").inner_text()
    page.locator(f"label[for='{first_bed.get_attribute('id')}']").click()
    with page.expect_navigation():
        page.get_by_role("button", name="Assign bed").click()
    expect(page.get_by_role("status")).to_contain_text("Housed in")
    expect(page.locator("main")).to_contain_text(bed_label.split(" ·")[0])
    expect(page.locator("h1")).to_contain_text("housed")

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
