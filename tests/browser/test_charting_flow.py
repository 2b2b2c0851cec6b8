"""The charting forms in a real browser, on the demo data: an intake screening typed with
the keyboard (error summary focused, code search as you type), a dental encounter with
findings by tooth, a PHQ-9 evaluation; axe on each page."""

from __future__ import annotations

import json

import sqlalchemy as sa
from playwright.sync_api import expect

from core.db import db
from core.permissions import Role
from health.fhir.models import FhirResource, PatientStay
from tests.browser.test_accessibility import assert_accessible
from tests.browser.test_smoke import sign_in_with_keyboard, tab_to


def _held_patient(live_app, index: int) -> str:
    """A Patient held now (the demo data's; sick calls may have charted them already)."""
    with live_app.app_context():
        found = db.session.scalars(
            sa.select(PatientStay.patient_id)
            .where(PatientStay.ended_at.is_(None))
            .order_by(PatientStay.patient_id)
        ).all()
        db.session.remove()
    assert len(found) > index, "the demo data has people in custody"
    return found[index]


def _new(live_app, resource_type: str, patient_id: str, before: list[dict]) -> list[dict]:
    seen = {r["id"] for r in before}
    return [r for r in _resources(live_app, resource_type, patient_id) if r["id"] not in seen]


def _resources(live_app, resource_type: str, patient_id: str) -> list[dict]:
    with live_app.app_context():
        rows = db.session.scalars(
            sa.select(FhirResource.resource).where(
                FhirResource.resource_type == resource_type,
                FhirResource.patient_id == patient_id,
            )
        ).all()
        db.session.remove()
    return [r if isinstance(r, dict) else json.loads(r) for r in rows]


def _type(page, selector: str, text: str) -> None:
    page.focus(selector)
    page.keyboard.type(text)


def test_intake_screening_with_the_keyboard(page, live_app):
    patient = _held_patient(live_app, 0)
    before = {t: _resources(live_app, t, patient) for t in ("Encounter", "Condition")}
    sign_in_with_keyboard(page, Role.CLINICIAN)
    page.goto(f"/health/patients/{patient}/charting")
    assert_accessible(page)
    with page.expect_navigation():
        page.get_by_role("link", name="New intake health screening").click()
    assert_accessible(page)

    # Submitted empty: the error summary takes the focus, messages sit by the fields.
    with page.expect_navigation():
        page.get_by_role("button", name="Save the intake screening").click()
    assert page.evaluate("document.activeElement.classList.contains('usa-alert--error')")
    expect(page.locator("#systolic-error")).to_contain_text("required")
    expect(page.locator("#screen_now-error")).to_contain_text("Answer yes or no.")
    assert_accessible(page)

    for selector, value in (
        ("#systolic", "126"),
        ("#diastolic", "78"),
        ("#pulse", "72"),
        ("#temperature_f", "98.2"),
        ("#respiratory_rate", "14"),
        ("#spo2", "99"),
        ("#weight_lb", "165"),
        ("#height_in", "67"),
    ):
        _type(page, selector, value)
    # the code search: type words, arrow down to the first match, Enter picks its code
    _type(page, "#conditions", "essential primary hypert")
    expect(page.get_by_role("option").first).to_contain_text("I10")
    page.keyboard.press("ArrowDown")
    page.keyboard.press("Enter")
    expect(page.locator("#conditions")).to_have_value("I10, ")
    page.focus("#no_known_allergies")
    page.keyboard.press("Space")
    for question in ("wished_dead", "better_off_dead", "thoughts", "attempt", "now"):
        page.focus(f"#screen_{question}-1")  # "No"
        page.keyboard.press("Space")
    tab_to(page, "button[type=submit]", limit=40)
    with page.expect_navigation():
        page.keyboard.press("Enter")
    expect(page.get_by_role("status")).to_contain_text("Intake health screening saved.")
    (encounter,) = _new(live_app, "Encounter", patient, before["Encounter"])
    assert encounter["type"][0]["coding"][0]["code"] == "intake-screening"
    (condition,) = _new(live_app, "Condition", patient, before["Condition"])
    assert condition["code"]["coding"][0]["code"] == "I10"


def test_dental_encounter_and_phq9(page, live_app):
    patient = _held_patient(live_app, 1)
    before = {t: _resources(live_app, t, patient) for t in ("Condition", "QuestionnaireResponse")}
    sign_in_with_keyboard(page, Role.CLINICIAN)
    page.goto(f"/health/patients/{patient}/dental")
    assert_accessible(page)
    page.select_option("#findings-0-tooth", "19")
    page.select_option("#findings-0-finding", "K02.9")
    page.select_option("#findings-1-tooth", "B")
    page.select_option("#findings-1-finding", "K04.7")
    page.locator("label[for=urgency-1]").click()
    with page.expect_navigation():
        page.get_by_role("button", name="Save the dental encounter").click()
    expect(page.get_by_role("status")).to_contain_text("Dental encounter saved.")
    sites = {
        (c["bodySite"][0]["coding"][0]["code"], c["code"]["coding"][0]["code"])
        for c in _new(live_app, "Condition", patient, before["Condition"])
    }
    assert sites == {("19", "K02.9"), ("B", "K04.7")}

    page.goto(f"/health/patients/{patient}/mental-health-evaluation")
    assert_accessible(page)
    radios = page.locator("fieldset input[type=radio][id^=phq9_]")
    names = sorted({radios.nth(i).get_attribute("name") for i in range(radios.count())})
    assert len(names) == 9
    for name in names:
        page.locator(f"label[for={name}-2]").click()  # "More than half the days": 2 points
    with page.expect_navigation():
        page.get_by_role("button", name="Save the evaluation").click()
    expect(page.get_by_role("status")).to_contain_text("Mental-health evaluation saved.")
    (response,) = _new(live_app, "QuestionnaireResponse", patient, before["QuestionnaireResponse"])
    total = {i["linkId"]: i for i in response["item"]}["TotalScore"]["answer"][0]
    assert total == {"valueInteger": 18}
