"""The records office's exports page in a real browser on the demo data: the navigation
leads there, a health record without a purpose is refused next to the field, with one
it is rendered in the background (the page refreshes itself) and the download is the
PDF of that person; axe on each state."""

from __future__ import annotations

import sqlalchemy as sa
from playwright.sync_api import expect

from core.db import db
from core.i18n import a_number
from core.permissions import Role
from custody.bookings.models import Booking
from custody.people.models import Detainee
from tests.browser.test_accessibility import assert_accessible
from tests.browser.test_smoke import sign_in_with_keyboard


def _held_person(app) -> Detainee:
    with app.app_context():
        person = db.session.scalar(
            sa.select(Detainee)
            .join(Booking, Booking.detainee_id == Detainee.id)
            .where(Booking.status == "housed")
            .order_by(Booking.id)
        )
        db.session.expunge(person)
        db.session.remove()
    return person


def test_request_a_health_record_follow_it_and_download_it(page, live_app):
    person = _held_person(live_app)
    sign_in_with_keyboard(page, Role.RECORDS)
    with page.expect_navigation():
        page.locator("nav.usa-nav").get_by_role("link", name="Exports").click()
    expect(page.locator("h1")).to_have_text("Exports")
    assert_accessible(page)

    page.select_option("#kind", label="Health record")
    page.fill("#a_number", a_number(person.a_number))
    with page.expect_navigation():  # no purpose: refused next to the field
        page.get_by_role("button", name="Request the export").click()
    expect(page.locator("#purpose-error")).to_contain_text("purpose")
    assert_accessible(page)

    page.fill("#purpose", "Continuity of care at the receiving facility")
    page.get_by_role("button", name="Request the export").click()
    download = page.get_by_role("link", name="Download").first
    expect(download).to_be_visible(timeout=60_000)  # the page refreshes until it is done
    history = page.locator("table").last
    expect(history).to_contain_text("Health record")
    expect(history).to_contain_text(f"{person.family_name.upper()}, {person.given_name}")
    expect(history).to_contain_text("Continuity of care at the receiving facility")
    assert_accessible(page)

    response = page.request.get(download.get_attribute("href"))
    assert response.status == 200
    assert response.headers["content-type"] == "application/pdf"
    assert response.body().startswith(b"%PDF-")
