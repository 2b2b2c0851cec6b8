"""The public locator in a real browser, in Spanish: search by name and date of birth
with the keyboard-usable form, then axe on the empty, error and result states."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from playwright.sync_api import expect

from core.actor import Actor
from core.db import db
from custody.bookings.inputs import BookingIn
from custody.bookings.intake import book_detainee
from custody.facilities.models import Facility
from custody.people.inputs import PersonIn
from custody.people.services import create_detainee
from tests.browser.test_accessibility import assert_accessible


def someone_in_custody(live_app) -> tuple[str, str, dt.date, str]:
    """A synthetic person booked into the first demo facility (the seed books no one)."""
    system = Actor.system("browser-tests")
    with live_app.app_context():
        facility = db.session.scalars(sa.select(Facility).order_by(Facility.id)).first()
        person = create_detainee(
            actor=system,
            data=PersonIn(
                **{
                    "a_number": "A287654321",
                    "family_name": "Quiñónez Ávila",
                    "given_name": "Mía",
                    "date_of_birth": dt.date(1994, 4, 28),
                    "sex": "female",
                    "country_of_birth": "HN",
                }
            ),
        )
        book_detainee(
            actor=system, booking=BookingIn(detainee_id=person.id, facility_code=facility.code)
        )
        found = (person.family_name, person.given_name, person.date_of_birth, facility.name)
        db.session.remove()
    return found


def test_search_in_spanish_without_signing_in(page, live_app):
    family, given, born, facility = someone_in_custody(live_app)
    page.goto("/locator")
    page.get_by_role("link", name="Español").click()
    expect(page.locator("html")).to_have_attribute("lang", "es")
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Buscar a una persona detenida por inmigración"
    )
    assert_accessible(page)

    page.get_by_role("button", name="Buscar").click()  # nothing filled in: errors
    expect(page.locator("#country_of_birth-error")).to_have_text("Este campo es obligatorio.")
    assert_accessible(page)

    page.get_by_label("País de nacimiento").select_option(label="Honduras")
    page.get_by_label("Apellidos").fill("QUINONEZ AVILA")  # accents and case do not matter
    page.get_by_label("Nombre", exact=True).fill("mia")
    page.get_by_label("Mes").select_option(str(born.month))
    page.get_by_label("Día").fill(str(born.day))
    page.get_by_label("Año").fill(str(born.year))
    page.get_by_label("Año").press("Enter")
    result = page.get_by_role("region", name="Persona encontrada")
    expect(result).to_contain_text(facility)
    expect(result).to_contain_text(f"{family}, {given}")
    expect(result).to_contain_text("Teléfono")
    expect(page.locator("html")).to_have_attribute("lang", "es")
    assert "lang=es" in page.url
    assert_accessible(page)
    assert page.context.cookies() == []  # an anonymous visitor leaves nothing behind
