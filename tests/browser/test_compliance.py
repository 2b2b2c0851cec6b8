"""The compliance pages in the browser: the dashboard panels and a facility's compliance
page (overdue, coming due, the monthly chart and its table) pass axe-core and are
reached with the keyboard from the dashboard."""

from __future__ import annotations

import pytest

from core.permissions import Role
from tests.browser.test_accessibility import assert_accessible
from tests.browser.test_smoke import sign_in_with_keyboard


@pytest.mark.parametrize("role", [Role.SUPERVISOR, Role.AUDITOR])
def test_from_the_dashboard_to_a_facilitys_compliance_page(page, role):
    sign_in_with_keyboard(page, role)
    page.goto("/dashboard")
    assert_accessible(page)
    link = page.locator("main a[href$='/compliance']").first
    link.focus()
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.url.endswith("/compliance")
    assert page.get_by_role("heading", name="Overdue now", exact=False).count() == 1
    assert page.locator("main svg[role=img]").count() >= 1  # the monthly chart
    assert page.locator("main table").count() >= 2
    assert_accessible(page)


def test_the_clinicians_dashboard(page):
    sign_in_with_keyboard(page, Role.CLINICIAN)
    page.goto("/dashboard")
    assert page.locator("#clinical-overdue").count() == 1
    assert_accessible(page)
