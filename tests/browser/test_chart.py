"""The chart in the browser: a clinician finds a patient from the landing page with the
keyboard, reads the chart (axe-clean, at desktop and phone widths), and filters the
timeline."""

from __future__ import annotations

import pytest

from core.actor import Actor
from core.db import db, unit_of_work
from core.permissions import Role
from health.fhir import services
from tests.browser.test_accessibility import assert_accessible
from tests.browser.test_smoke import sign_in_with_keyboard
from tests.health import chart_data

A_NUMBER = "900000077"


@pytest.fixture(scope="module")
def patient_id(live_app) -> str:
    """A patient of no booking (so the custody tests' people are untouched)."""
    with live_app.app_context():
        actor = Actor.system("browser-tests")
        with unit_of_work():
            stored, _ = services.create(
                actor=actor,
                resource_type="Patient",
                document={
                    "resourceType": "Patient",
                    "identifier": [
                        {"system": f"{chart_data.BASE}/sid/a-number", "value": A_NUMBER}
                    ],
                    "name": [{"family": "Browserchart", "given": ["Noa"]}],
                    "birthDate": "1991-05-06",
                },
            )
            documents, restricted = chart_data.history(stored.id)
            for document in [*documents, *restricted]:
                services.create(
                    actor=actor, resource_type=document["resourceType"], document=document
                )
        db.session.remove()
        return stored.id


def test_a_clinician_finds_a_patient_and_reads_the_chart(page, patient_id):
    sign_in_with_keyboard(page, Role.CLINICIAN)
    search = page.locator("#dashboard-patient-search")
    search.focus()
    page.keyboard.type(f"A{A_NUMBER}")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert_accessible(page)
    with page.expect_navigation():
        page.get_by_role("link", name="Browserchart, Noa").click()
    assert page.locator("h1").inner_text().startswith("Browserchart, Noa")
    assert page.locator("svg.custodia-trend__svg").count() == 2
    assert "Psychotherapy session note" not in page.content()  # restricted
    assert_accessible(page)
    page.get_by_label("Dental").focus()  # the keyboard alone: tick, then submit
    page.keyboard.press("Space")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    rows = page.locator("#timeline-heading ~ table tbody tr")
    assert rows.count() == 1 and "Dental screening" in rows.first.inner_text()
    assert_accessible(page)
    page.set_viewport_size({"width": 390, "height": 844})
    assert_accessible(page)


def test_a_mental_health_clinician_sees_the_restricted_note(page, patient_id):
    sign_in_with_keyboard(page, Role.MENTAL_HEALTH)
    page.goto(f"/health/patients/{patient_id}")
    assert "Psychotherapy session note" in page.content()
    assert_accessible(page)
