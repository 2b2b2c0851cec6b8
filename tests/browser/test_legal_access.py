"""The legal-access pages in the browser, on the demo data: the facility reports with
the denial chart, a person's log and its form (the error summary takes the focus),
the presentation form's search, the visiting hours; axe-core on each, errors shown."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from core.permissions import Role
from tests.browser.test_accessibility import assert_accessible
from tests.browser.test_smoke import sign_in_with_keyboard


def _first_facility(page) -> str:
    page.goto("/legal-access")
    link = page.locator("main a.usa-link").first
    with page.expect_navigation():
        link.click()
    return page.url.rstrip("/").split("/")[-2]


def test_facility_reports_and_a_persons_log(page):
    sign_in_with_keyboard(page, Role.OFFICER)
    code = _first_facility(page)
    assert page.locator("h2", has_text="Law library below the minimum").count() == 1
    assert page.locator("svg[role=img] title").count() == 1  # the seeded denials
    assert_accessible(page)
    # someone still held here (the report also lists people released or transferred
    # since, whose log takes no new entries)
    links = page.locator("main table a[href*='/legal-access']")
    hrefs = [links.nth(i).get_attribute("href") for i in range(links.count())]
    for href in hrefs:
        page.goto(href)
        if page.get_by_role("button", name="Add to the log").count():
            break
    else:
        raise AssertionError("no one on the report is held here now")
    assert page.locator("h1", has_text="Legal access").count() == 1
    assert_accessible(page)
    with page.expect_navigation():
        page.get_by_role("button", name="Add to the log").click()
    assert page.evaluate("document.activeElement.getAttribute('role')") == "alert"
    assert page.locator(".usa-error-message").count() >= 1
    assert_accessible(page)
    zone = ZoneInfo(page.locator("p.usa-hint").first.inner_text().split("(")[1].split(")")[0])
    start = (dt.datetime.now(zone) - dt.timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M")
    page.select_option("#kind", "law_library")
    page.fill("#started_at", start)
    page.fill("#minutes", "50")
    with page.expect_navigation():
        page.get_by_role("button", name="Add to the log").click()
    assert "Law library session recorded." in page.locator("main").inner_text()
    assert code


def test_presentation_search_and_visiting_hours(page):
    sign_in_with_keyboard(page, Role.SUPERVISOR)
    code = _first_facility(page)
    page.goto(f"/facilities/{code}/legal-access/presentation")
    assert_accessible(page)
    page.fill("#query", "a")
    with page.expect_navigation():
        page.get_by_role("button", name="Find").click()
    assert page.locator("input[name=attendees]").count() >= 1
    assert_accessible(page)
    page.goto(f"/facilities/{code}/legal-access/visiting-hours")
    assert_accessible(page)
    page.fill("#hours", "30")
    with page.expect_navigation():
        page.get_by_role("button", name="Save the day").click()
    assert page.locator(".usa-error-message").count() >= 1
    assert_accessible(page)
