"""The smoke path in a real browser: sign in with the keyboard, see the dashboard, sign
out; navigation by role; cookies; print stylesheet; pages without JavaScript."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from core.features import registry
from core.permissions import ROLE_PERMISSIONS, Role
from custody.seed import DEMO_PASSWORDS


def tab_to(page, selector: str, limit: int = 25) -> None:
    """Press Tab until `selector` has the keyboard focus (fails if it never does)."""
    for _ in range(limit):
        if page.evaluate("s => document.activeElement.matches(s)", selector):
            return
        page.keyboard.press("Tab")
    raise AssertionError(f"{selector} cannot be reached with the keyboard")


def sign_in_with_keyboard(page, role: Role) -> None:
    page.goto("/login")
    tab_to(page, "#username")
    page.keyboard.type(role.value)
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "password"
    page.keyboard.type(DEMO_PASSWORDS[role])
    page.keyboard.press("Enter")
    page.wait_for_url("**/dashboard")


def nav_labels(page) -> list[str]:
    return [t.strip() for t in page.locator("nav.usa-nav .usa-nav__primary a").all_inner_texts()]


def test_sign_in_see_dashboard_sign_out(page):
    sign_in_with_keyboard(page, Role.OFFICER)
    assert page.locator("h1").inner_text().strip()
    assert page.locator("header").get_by_text("officer").first.is_visible()

    tab_to(page, "form[action='/logout'] button")
    page.keyboard.press("Enter")
    page.wait_for_url("**/login")
    expect(page.get_by_role("status").filter(has_text="You are signed out")).to_be_visible()

    page.goto("/dashboard")
    assert re.search(r"/login\?next=", page.url), page.url


@pytest.mark.parametrize("role", list(Role))
def test_navigation_follows_the_role(page, live_app, role):
    sign_in_with_keyboard(page, role)
    nav_items = registry(live_app).nav_items
    expected = [item.label for item in nav_items if item.permission in ROLE_PERMISSIONS[role]]
    assert nav_labels(page) == expected
    for label in expected:  # every link the role is shown opens without an error
        with page.expect_navigation():
            page.locator("nav.usa-nav").get_by_role("link", name=label).click()
        assert page.locator("h1").count() == 1, label


def test_skip_link_is_first_and_moves_focus_to_main(page):
    sign_in_with_keyboard(page, Role.SUPERVISOR)
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent").strip() == "Skip to main content"
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main-content"


def test_focus_is_visible(page):
    page.goto("/login")
    tab_to(page, "#username")
    outline = page.evaluate(
        "() => { const s = getComputedStyle(document.activeElement);"
        " return [s.outlineStyle, s.outlineWidth]; }"
    )
    assert outline[0] != "none" and outline[1] != "0px", outline


def test_wrong_password_is_announced_next_to_the_field(page):
    page.goto("/login")
    page.fill("#username", "officer")
    page.fill("#password", "not-the-password-at-all")
    with page.expect_navigation():
        page.get_by_role("button", name="Sign in").click()
    error = page.locator("#password-error")
    expect(error).to_be_visible()
    assert "password" in error.inner_text().lower()
    assert "password-error" in (page.locator("#password").get_attribute("aria-describedby") or "")


def test_session_cookie_is_locked_down(page):
    sign_in_with_keyboard(page, Role.RECORDS)
    [cookie] = [c for c in page.context.cookies() if c["name"] == "custodia_session"]
    assert cookie["secure"] and cookie["httpOnly"] and cookie["sameSite"] == "Lax"


def test_print_stylesheet_leaves_only_the_content(page):
    sign_in_with_keyboard(page, Role.ADMIN)
    page.emulate_media(media="print")
    assert not page.locator("header.usa-header").is_visible()
    assert not page.locator("footer").is_visible()
    assert page.locator("main h1").is_visible()


def test_forms_work_without_javascript(browser, base_url):
    context = browser.new_context(base_url=base_url, java_script_enabled=False)
    page = context.new_page()
    try:
        page.goto("/login")
        page.fill("#username", "auditor")
        page.fill("#password", DEMO_PASSWORDS[Role.AUDITOR])
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_url("**/dashboard")
        assert "Audit log" in nav_labels(page)
        page.get_by_role("button", name="Sign out").click()
        page.wait_for_url("**/login")
    finally:
        context.close()
