"""axe-core in the browser: no serious or critical violation on any page a role reaches."""

from __future__ import annotations

import pytest
from axe_playwright_python.sync_playwright import Axe

from core.permissions import Role
from tests.browser.test_smoke import sign_in_with_keyboard

_axe = Axe()
BLOCKING = {"serious", "critical"}


def assert_accessible(page) -> None:
    results = _axe.run(page)
    violations = [v for v in results.response["violations"] if v["impact"] in BLOCKING]
    report = [
        f"{v['id']} ({v['impact']}): {v['help']} at {[n['target'] for n in v['nodes']][:3]}"
        for v in violations
    ]
    assert not violations, f"{page.url}:\n" + "\n".join(report)


def test_sign_in_page(page):
    page.goto("/login")
    assert_accessible(page)
    page.fill("#username", "officer")
    page.fill("#password", "wrong-password-here")
    with page.expect_navigation():
        page.get_by_role("button", name="Sign in").click()
    assert page.locator("#password-error").count() == 1
    assert_accessible(page)  # with the error shown


@pytest.mark.parametrize("role", list(Role))
def test_every_page_in_the_role_navigation(page, role):
    sign_in_with_keyboard(page, role)
    links = page.locator("nav.usa-nav .usa-nav__primary a")
    targets = [links.nth(i).get_attribute("href") for i in range(links.count())]
    for href in targets:
        page.goto(href)
        assert_accessible(page)
        # and one step deeper: the first link in each listing (a detail page)
        detail = page.locator("main table a").first
        if detail.count():
            with page.expect_navigation():
                detail.click()
            assert_accessible(page)


def test_admin_forms_including_their_error_states(page):
    sign_in_with_keyboard(page, Role.ADMIN)
    for path in ("/admin/users/new", "/admin/facilities/new", "/admin/facilities/RVPC"):
        page.goto(path)
        assert_accessible(page)
        page.fill("#name" if "RVPC" in path else "#username, #code", "")
        with page.expect_navigation():  # submit it incomplete: the errors are shown
            page.locator("main form.usa-form button[type=submit]").first.click()
        assert page.locator(".usa-error-message").count() >= 1, path
        assert_accessible(page)
    page.goto("/facilities/RVPC")
    with page.expect_navigation():
        page.locator("main table a").first.click()
    with page.expect_navigation():
        page.get_by_role("link", name="Edit unit and add beds").click()
    assert_accessible(page)
