"""Sick call in a real browser, on the demo data: an officer records a request with the
keyboard (and learns only that it was recorded), a clinician finds it in the facility
queue, triages it and records the visit; axe on each page, error states included."""

from __future__ import annotations

import sqlalchemy as sa
from playwright.sync_api import expect

from core.db import db
from core.features import facility_directory
from core.i18n import a_number as formatted_a_number
from core.permissions import Role
from health.fhir.models import PatientStay
from health.sickcall.seed import _held_people
from tests.browser.test_accessibility import assert_accessible
from tests.browser.test_smoke import sign_in_with_keyboard, tab_to

COMPLAINT = "Mwen gen doulè nan zòrèy mwen depi twa jou."


def _someone_held(live_app) -> tuple[str, str]:
    """An A-number of someone held now, and the code of their facility."""
    with live_app.app_context():
        facility = db.session.scalar(
            sa.select(PatientStay.facility_id).where(PatientStay.ended_at.is_(None)).limit(1)
        )
        a_number = _held_people(facility)[0][0]
        code = facility_directory(live_app).by_ids([facility])[facility].code
        db.session.remove()
    return a_number, code


def _choose(page, name: str, index: int) -> None:
    """Pick a radio the keyboard way: Tab into the group, Space, arrows to the option."""
    tab_to(page, f"input[name={name}]", limit=80)
    page.keyboard.press("Space")
    for _ in range(index):
        page.keyboard.press("ArrowDown")
    assert page.evaluate("document.activeElement.id") == f"{name}-{index}"
    expect(page.locator(f"#{name}-{index}")).to_be_checked()


def test_request_triage_visit(page, live_app):
    a_number, code = _someone_held(live_app)

    # The officer writes the request down, with the keyboard only.
    sign_in_with_keyboard(page, Role.OFFICER)
    page.goto("/sick-call/new")
    assert_accessible(page)
    tab_to(page, "#a_number")
    page.keyboard.type(a_number)
    page.keyboard.press("Tab")
    page.keyboard.type(COMPLAINT)
    page.select_option("#language", "ht")
    tab_to(page, "button[type=submit]", limit=60)
    with page.expect_navigation():
        page.keyboard.press("Enter")  # no channel chosen: refused, values kept
    expect(page.locator("#error-summary-heading")).to_be_visible()
    expect(page.locator("#channel-error")).to_be_visible()
    expect(page.locator("#complaint")).to_have_value(COMPLAINT)
    assert_accessible(page)
    _choose(page, "channel", 0)  # paper slip
    tab_to(page, "button[type=submit]", limit=60)
    with page.expect_navigation():
        page.keyboard.press("Enter")
    expect(page.get_by_role("status")).to_contain_text("Sick-call request recorded for")
    expect(page.locator("main")).not_to_contain_text(COMPLAINT)
    page.context.clear_cookies()

    # The clinician finds it in the queue, triages it and records the visit.
    sign_in_with_keyboard(page, Role.CLINICIAN)
    expect(page.locator("#sick-call-panel")).to_be_visible()
    page.goto("/sick-call")
    assert_accessible(page)
    with page.expect_navigation():
        page.locator(f"main table a[href='/sick-call/queue/{code}']").click()
    assert_accessible(page)
    row = page.locator("tbody tr", has_text=COMPLAINT)
    expect(row).to_contain_text(formatted_a_number(a_number))
    expect(row).to_contain_text("Haitian Creole")
    expect(row).to_contain_text("Waiting for triage")
    with page.expect_navigation():
        row.get_by_role("link").click()
    assert_accessible(page)
    with page.expect_navigation():
        page.get_by_role("link", name="Triage").click()
    assert_accessible(page)
    _choose(page, "priority", 1)  # urgent
    _choose(page, "disposition", 0)  # schedule a visit
    _choose(page, "interpreter_mode", 2)  # telephone, but no interpreter id yet
    tab_to(page, "button[type=submit]", limit=80)
    with page.expect_navigation():
        page.keyboard.press("Enter")
    expect(page.locator("#interpreter_id-error")).to_be_visible()
    assert_accessible(page)
    tab_to(page, "#interpreter_id", limit=80)
    page.keyboard.type("LL-55102")
    tab_to(page, "button[type=submit]", limit=80)
    with page.expect_navigation():
        page.keyboard.press("Enter")
    expect(page.get_by_role("status")).to_contain_text("Triaged: urgent priority")
    expect(page.locator("main")).to_contain_text("Waiting for a visit")
    with page.expect_navigation():
        page.get_by_role("link", name="Record the visit").click()
    assert_accessible(page)
    for field, text in (
        ("#subjective", "Ear pain three days, worse at night."),
        ("#objective", "Right ear canal red, drum intact. T 37.6."),
        ("#assessment", "Otitis externa."),
        ("#plan", "Ear drops for 7 days; sick call if worse."),
    ):
        tab_to(page, field, limit=80)
        page.keyboard.type(text)
    _choose(page, "interpreter_mode", 2)
    tab_to(page, "#interpreter_id", limit=80)
    page.keyboard.type("LL-55102")
    tab_to(page, "button[type=submit]", limit=80)
    with page.expect_navigation():
        page.keyboard.press("Enter")
    expect(page.get_by_role("status")).to_contain_text("Visit recorded")
    expect(page.locator("main")).to_contain_text("Ear drops for 7 days")
    expect(page.locator("main")).to_contain_text("Closed")
    assert_accessible(page)
