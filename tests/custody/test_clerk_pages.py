"""The custody pages as a clerk works them (issue 13, point 5): one date pattern, the
guided booking, beds by the rules, overrides beside the refusal, names not codes, the
navigation, the People page, the dashboard's numbers and the printed receipt."""

from __future__ import annotations

import datetime as dt
import re

import pytest
import sqlalchemy as sa

from core.db import db, utcnow
from core.i18n import a_number
from custody import formats
from custody.bookings.models import Booking
from custody.people import reference
from custody.people.models import DetaineeLanguage
from tests.helpers import NONE, csrf_token

PERSON = {
    "a_number": "210000101",
    "family_name": "Ixcoy",
    "given_name": "Marta",
    "date_of_birth_month": "4",
    "date_of_birth_day": "28",
    "date_of_birth_year": "1986",
    "sex": "female",
    "country_of_birth": "GT",
    "primary_language": "quc",
    "other_languages": "Spanish",
}


@pytest.fixture
def site(client, make):
    facility = make.facility(time_zone="America/Chicago")
    general = make.unit(facility=facility, name="Alpha", sex_housed="female")
    medical = make.unit(facility=facility, name="Medical", sex_housed="any", kind="medical")
    make.bed(unit=general, label="A-01")
    make.bed(unit=medical, label="M-01")
    return {"facility": facility, "general": general, "medical": medical}


def post(client, url, data):
    token = csrf_token(client.get(url).text)
    return client.post(url, data={**data, "csrf_token": token})


def test_intake_uses_one_date_pattern_and_starts_without_a_facility(client, make, site):
    make.login(client, role="officer")
    page = client.get("/intake").text
    # date of birth: the memorable date, no browser date control, no yyyy-mm-dd hint
    assert 'name="date_of_birth_month"' in page and 'name="date_of_birth_year"' in page
    assert 'type="date"' not in page and "yyyy-mm-dd" not in page.lower()
    assert "1990-04-30" not in page
    # arrival: the date picker and a time input, no datetime-local control
    assert 'class="usa-date-picker"' in page and 'name="booked_at_time"' in page
    assert "datetime-local" not in page
    # the facility starts unselected; property is a text area
    select = re.search(r'<select[^>]*id="facility".*?</select>', page, re.S).group(0)
    assert "selected" not in select and "autofocus" not in select
    assert re.search(r'<textarea[^>]*class="usa-textarea', page)
    assert re.search(r'<input[^>]*autofocus[^>]*id="a_number"|id="a_number"[^>]*autofocus', page)


def test_intake_books_with_a_memorable_date_and_a_local_arrival(client, make, site):
    make.login(client, role="officer")
    data = {**PERSON, "facility": site["facility"].code}
    response = post(
        client, "/intake", {**data, "booked_at": "03/02/2026", "booked_at_time": "07:30"}
    )
    assert response.status_code == 302, response.text
    booking = db.session.scalar(sa.select(Booking))
    assert booking.detainee.date_of_birth == dt.date(1986, 4, 28)
    # 07:30 in Chicago (CST, UTC-6) on 2 March 2026
    assert booking.booked_at == dt.datetime(2026, 3, 2, 13, 30, tzinfo=dt.UTC)
    assert [lang.code for lang in booking.detainee.languages] == ["quc", "es"]
    assert response.headers["Location"].endswith(f"/bookings/{booking.id}/classification")


def test_intake_without_a_facility_or_with_a_wrong_date_says_so(client, make, site):
    make.login(client, role="officer")
    response = post(
        client, "/intake", {**PERSON, "date_of_birth_day": "31", "date_of_birth_month": "2"}
    )
    assert response.status_code == 422
    assert 'id="facility-error"' in response.text and 'id="date_of_birth-error"' in response.text
    assert 'href="#date_of_birth"' in response.text  # the summary links to the month
    assert 'value="31"' in response.text  # what was typed stays
    assert "custodia-error-summary" in response.text and 'tabindex="-1"' in response.text
    wrong_time = post(
        client,
        "/intake",
        {
            **PERSON,
            "facility": site["facility"].code,
            "booked_at": "03/02/2026",
            "booked_at_time": "25:00",
        },
    )
    assert wrong_time.status_code == 422 and "hours and minutes" in wrong_time.text
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Booking)) == 0


def test_booking_page_guides_through_the_steps(client, make, site):
    make.login(client, role="supervisor")
    booking = make.booking(facility=site["facility"], detainee=make.detainee(sex="female"))
    page = client.get(f"/bookings/{booking.id}").text
    assert "usa-step-indicator" in page and "Next: Classification" in page
    for path in ("classification", "screening", "housing"):
        assert f'href="/bookings/{booking.id}/{path}"' in page
    assert "Place in restrictive housing" in page and f"booking_id={booking.id}" in page
    assert 'id="booking-actions"' in page  # where Transfer, Release, Legal access go
    # the worksheet: points on every answer, a running score, steps marked
    sheet = client.get(f"/bookings/{booking.id}/classification").text
    assert 'data-points="8"' in sheet and 'id="running-score"' in sheet
    assert 'aria-current="step"' in sheet
    response = post(client, f"/bookings/{booking.id}/classification", NONE)
    assert response.headers["Location"].endswith(f"/bookings/{booking.id}/screening")
    screening = client.get(f"/bookings/{booking.id}/screening")
    assert screening.status_code == 200 and "autofocus" in screening.text
    response = post(
        client,
        f"/bookings/{booking.id}/screening",
        {"victimization_risk": "no", "abusiveness_risk": "no"},
    )
    assert response.headers["Location"].endswith(f"/bookings/{booking.id}/housing")
    refused = post(client, f"/bookings/{booking.id}/screening", {})
    assert refused.status_code == 422 and "custodia-error-summary" in refused.text


def test_bed_picker_offers_only_beds_the_rules_allow(client, make, site):
    make.login(client, role="officer")
    booking = make.classified(
        make.booking(facility=site["facility"], detainee=make.detainee(sex="female")), level=1
    )
    page = client.get(f"/bookings/{booking.id}/housing").text
    assert "A-01" in page and "M-01" not in page  # a medical unit needs a clinical order
    assert re.search(r'<optgroup label="Alpha \(general, female', page)
    assert 'type="radio"' not in page and 'id="bed-filter"' in page


def test_supervisor_sees_override_beds_and_the_override_field_beside_the_refusal(
    client, make, site
):
    make.login(client, role="supervisor")
    booking = make.classified(
        make.booking(facility=site["facility"], detainee=make.detainee(sex="female")), level=1
    )
    page = client.get(f"/bookings/{booking.id}/housing").text
    assert "Medical, supervisor override needed" in page and "M-01" in page
    bed = site["medical"].beds[0]
    refused = post(client, f"/bookings/{booking.id}/housing", {"bed_id": bed.id, "from_bed_id": ""})
    assert refused.status_code == 422
    assert (
        'href="#override_reason"' in refused.text and 'id="override_reason-error"' in refused.text
    )
    assert refused.text.index('id="bed_id"') < refused.text.index('id="override_reason"')
    housed = post(
        client,
        f"/bookings/{booking.id}/housing",
        {"bed_id": bed.id, "from_bed_id": "", "override_reason": "Clinic asked, order pending"},
    )
    assert housed.status_code == 302 and booking.assignment.bed_id == bed.id


def test_names_not_codes_and_one_a_number_format(client, make, site):
    make.login(client, role="officer")
    person = make.detainee(a_number="012345678", country_of_birth="MX")
    db.session.add(DetaineeLanguage(detainee_id=person.id, code="es", position=0))
    db.session.flush()
    booking = make.booking(facility=site["facility"], detainee=person)
    page = client.get(f"/bookings/{booking.id}").text
    assert "A012-345-678" in page and "Spanish" in page
    assert re.search(r"\d\d/\d\d/\d{4} \d\d:\d\d C[SD]T", page) and " UTC" not in page
    person_page = client.get(f"/detainees/{person.id}").text
    assert "Mexico" in person_page and "A012-345-678" in person_page


def test_countries_are_real_and_sorted_for_the_reader():
    spanish = list(reference.countries("es").values())
    # accents sort with their letter: México among the Ma-/Me- names, not after every M
    assert spanish.index("Marruecos") < spanish.index("Mayotte") < spanish.index("México")
    assert spanish.index("México") < spanish.index("Micronesia") < spanish.index("Mónaco")
    english = reference.countries("en")
    assert "EU" not in english and "UN" not in english and "XA" not in english
    assert "MX" in english and "XK" in english


def test_formats():
    assert a_number("12345678") == "12345678"  # not 9 digits: left alone
    assert a_number("012345678") == "A012-345-678"
    july = dt.datetime(2026, 7, 1, 17, 5, tzinfo=dt.UTC)
    assert formats.facility_time(july, "America/Chicago") == "07/01/2026 12:05 CDT"
    assert formats.facility_time(None, "America/Chicago") == "—"


def test_navigation_highlights_the_section(client, make, site):
    make.login(client, role="supervisor")
    booking = make.booking(facility=site["facility"])
    page = client.get(f"/bookings/{booking.id}").text
    assert re.search(r'href="/detainees"[^>]*aria-current="true"', page)
    people = client.get("/detainees").text
    assert re.search(r'href="/detainees"[^>]*aria-current="page"', people)
    restrictive = client.get(f"/facilities/{site['facility'].code}/restrictive-housing").text
    assert re.search(r'href="/facilities"[^>]*aria-current="true"', restrictive)


def test_people_page_lists_recent_people_before_a_search(client, make, site):
    make.login(client, role="officer")
    older = make.booking(
        facility=site["facility"],
        detainee=make.detainee(family_name="Older"),
        booked_at=utcnow() - dt.timedelta(days=3),
    )
    newer = make.booking(facility=site["facility"], detainee=make.detainee(family_name="Newer"))
    page = client.get("/detainees").text
    assert "Booked most recently" in page
    assert page.index(newer.detainee.full_name) < page.index(older.detainee.full_name)


def test_dashboard_numbers_link_to_their_lists(client, make, site):
    make.login(client, role="officer")
    code = site["facility"].code
    waiting = make.booking(facility=site["facility"], detainee=make.detainee(family_name="Waits"))
    done = make.classified(
        make.booking(facility=site["facility"], detainee=make.detainee(family_name="Done"))
    )
    page = client.get("/dashboard").text
    assert "Work to do" in page and "Occupancy by unit" in page
    figure = r'"><span class="custodia-figure">(\d+)'
    link = re.search(rf'href="/facilities/{code}/population\?needs=classification{figure}', page)
    assert link and link.group(1) == "1"
    assert re.search(r'population\?arrived=today"><span class="custodia-figure">2<', page)
    listed = client.get(f"/facilities/{code}/population?needs=classification").text
    assert waiting.detainee.full_name in listed and done.detainee.full_name not in listed
    housed = client.get(f"/facilities/{code}/population?needs=housing").text
    assert waiting.detainee.full_name in housed and done.detainee.full_name in housed


def test_receipt_prints_in_the_persons_language(client, make, site):
    make.login(client, role="officer")
    person = make.detainee()
    db.session.add(DetaineeLanguage(detainee_id=person.id, code="es", position=0))
    db.session.flush()
    booking = make.booking(
        facility=site["facility"],
        detainee=person,
        property=[{"description": "Cartera", "quantity": 1}],
    )
    page = client.get(f"/bookings/{booking.id}/receipt").text
    assert '<html lang="es">' in page and "Recibo de pertenencias" in page
    assert "Firma de la persona detenida" in page and "Cartera" in page
    day_first = formats.facility_time(booking.booked_at, site["facility"], "%d/%m/%Y %H:%M %Z")
    assert day_first in page  # the day first, as a Spanish reader writes it
    assert 'class="custodia-no-print"' in page  # breadcrumbs and instructions do not print
    english = make.booking(facility=site["facility"])
    assert "Property receipt" in client.get(f"/bookings/{english.id}/receipt").text
