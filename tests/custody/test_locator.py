"""The public detainee locator: found only while in custody, the same "not found" for
everyone else, never more than name, facility and field office, English and Spanish,
no login, no cookie, rate-limited."""

from __future__ import annotations

import datetime as dt
import random
import re
import subprocess
import sys
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from core.actor import Actor
from core.db import db
from custody.bookings.models import BookingStatus
from custody.housing import assignment as housing
from custody.locator import services as locator
from custody.people import services as identity
from custody.people.models import ALERT_LABELS, AlertKind
from custody.releases.inputs import ReleaseIn
from custody.releases.services import release_booking
from tests.helpers import events, last_event

ROOT = Path(__file__).resolve().parents[2]
API = "/api/v1/locator"
SYSTEM = Actor.system("test")
BORN = dt.date(1987, 3, 14)


@pytest.fixture
def person(make):
    """A housed, classified person with alerts: plenty that must never leak."""
    facility = make.facility(name="Example Hills Processing Center")
    unit = make.unit(facility=facility, name="Dorm Zeta")
    bed = make.bed(unit=unit, label="ZB-0417")
    someone = make.detainee(
        a_number="208765432",
        family_name="Ñúñez-Peña",
        given_name="José María",
        date_of_birth=BORN,
        country_of_birth="GT",
    )
    booking = make.booking(facility=facility, detainee=someone)
    make.classified(booking, level=2)
    housing.assign_bed(actor=SYSTEM, booking_id=booking.id, bed_id=bed.id)
    for kind in (AlertKind.SUICIDE_WATCH, AlertKind.LOWER_BUNK, AlertKind.MEDICAL_HOLD):
        identity.set_alert(actor=SYSTEM, detainee_id=someone.id, kind=kind, active=True)
    return {"detainee": someone, "booking": booking, "facility": facility, "bed": bed}


def by_number(number: str = "208765432", country: str = "GT", **extra) -> dict:
    return {"a_number": number, "country_of_birth": country, **extra}


def by_name(**extra) -> dict:
    return {
        "family_name": "nunez pena",
        "given_name": "JOSE MARIA",
        "date_of_birth": BORN.isoformat(),
        "country_of_birth": "GT",
        **extra,
    }


def page_args(query: dict) -> dict:
    """The page takes the date of birth in three boxes."""
    args = dict(query)
    if born := args.pop("date_of_birth", None):
        year, month, day = born.split("-")
        args.update(dob_year=year, dob_month=str(int(month)), dob_day=str(int(day)))
    return args


# --- the service --------------------------------------------------------------------


@pytest.mark.parametrize("spelling", ["A208765432", "208765432", "208-765-432", "a 208 765 432"])
def test_found_by_every_a_number_spelling(person, spelling):
    found = locator.locate(actor=Actor.anonymous(), **by_number(spelling))
    assert found is not None
    assert found.name == "Ñúñez-Peña, José María"
    assert found.facility_name == "Example Hills Processing Center"
    assert found.facility_phone == person["facility"].phone
    assert found.facility_address == "1 Example Road, Springfield, TX 78000"
    assert found.field_office == person["facility"].field_office.name
    assert not found.in_transit


def test_an_eight_digit_a_number_is_padded(make):
    make.booking(detainee=make.detainee(a_number="012345678", country_of_birth="MX"))
    assert locator.locate(actor=Actor.anonymous(), **by_number("12345678", "MX")) is not None


@pytest.mark.parametrize(
    ("family", "given"),
    [
        ("Ñúñez-Peña", "José María"),
        ("NUNEZ PENA", "jose maria"),
        ("nunez-pena", "José-María"),
        ("José María", "Ñúñez Peña"),  # swapped
    ],
)
def test_found_by_full_name_and_date_of_birth_accents_ignored(person, family, given):
    query = by_name(family_name=family, given_name=given)
    assert locator.locate(actor=Actor.anonymous(), **query) is not None


@pytest.mark.parametrize(
    "change",
    [
        {"family_name": "Nunez"},  # part of a name is not the name
        {"given_name": "Jose"},
        {"date_of_birth": "1987-03-15"},
        {"country_of_birth": "MX"},
    ],
)
def test_near_misses_are_not_found(person, change):
    assert locator.locate(actor=Actor.anonymous(), **by_name(**change)) is None


def test_wrong_country_is_not_found(person):
    assert locator.locate(actor=Actor.anonymous(), **by_number(country="SV")) is None


@pytest.mark.parametrize(
    ("query", "fields"),
    [
        ({"a_number": "A208765432"}, {"country_of_birth"}),
        ({"a_number": "A208765432", "country_of_birth": "Guatemala"}, {"country_of_birth"}),
        ({"country_of_birth": "GT"}, {"a_number"}),
        ({"country_of_birth": "GT", "a_number": "A12"}, {"a_number"}),
        ({"country_of_birth": "GT", "family_name": "Nunez"}, {"given_name", "date_of_birth"}),
        ({"country_of_birth": "GT", "family_name": "N", "given_name": "J"}, {"date_of_birth"}),
        ({**by_name(), "date_of_birth": "2999-01-01"}, {"date_of_birth"}),
        ({**by_name(), "date_of_birth": "14/03/1987"}, {"date_of_birth"}),
        ({**by_name(), "family_name": "---"}, {"family_name"}),
    ],
)
def test_incomplete_queries_name_the_fields(query, fields):
    with pytest.raises(locator.LocatorQueryInvalid) as err:
        locator.locate(actor=Actor.anonymous(), **{"country_of_birth": None, **query})
    assert set(err.value.errors) == fields


def test_released_person_is_not_found(person):
    release_booking(actor=SYSTEM, booking_id=person["booking"].id, release=ReleaseIn(reason="bond"))
    assert locator.locate(actor=Actor.anonymous(), **by_number()) is None
    assert locator.locate(actor=Actor.anonymous(), **by_name()) is None


def test_in_transit_is_found_without_a_facility(person):
    person["booking"].status = BookingStatus.IN_TRANSIT
    db.session.flush()
    found = locator.locate(actor=Actor.anonymous(), **by_number())
    assert found.in_transit and found.field_office
    assert found.facility_name is found.facility_address is found.facility_phone is None


def test_two_people_matching_a_name_are_not_guessed_between(person, make):
    twin = make.detainee(
        family_name="Nunez Pena", given_name="Jose Maria", date_of_birth=BORN, country_of_birth="GT"
    )
    make.booking(detainee=twin)
    assert locator.locate(actor=Actor.anonymous(), **by_name()) is None
    assert locator.locate(actor=Actor.anonymous(), **by_number()) is not None


def test_each_search_is_audited_without_its_terms_or_address(person, client):
    client.get(API, query_string=by_number())
    client.get(API, query_string=by_name(country_of_birth="MX"))
    found, missed = events(locator.SEARCH_TAG)[-2:]
    assert (found.outcome, missed.outcome) == ("success", "failure")
    assert found.changed_fields == ["a_number", "country_of_birth"]
    assert missed.changed_fields == [
        "country_of_birth",
        "date_of_birth",
        "family_name",
        "given_name",
    ]
    for event in (found, missed):
        assert event.actor == "anonymous" and event.client_addr is None
        assert event.subject_id is None and event.request_id
        text = " ".join(str(v) for v in vars(event).values())
        for term in ("208765432", "1987", "Nunez", "nunez", "GT", "MX"):
            assert term not in text


def test_invalid_queries_are_not_audited(client):
    before = len(events(locator.SEARCH_TAG))
    assert client.get(API, query_string={"a_number": "A208765432"}).status_code == 422
    assert len(events(locator.SEARCH_TAG)) == before


# --- the API ------------------------------------------------------------------------


def test_api_found_without_a_token(client, person):
    response = client.get(API, query_string=by_number("208-765-432"))
    assert response.status_code == 200
    assert response.json == {
        "found": True,
        "name": "Ñúñez-Peña, José María",
        "in_transit": False,
        "facility": {
            "name": "Example Hills Processing Center",
            "address": "1 Example Road, Springfield, TX 78000",
            "phone": person["facility"].phone,
        },
        "field_office": person["facility"].field_office.name,
    }
    assert "Set-Cookie" not in response.headers


def test_api_in_transit_has_no_facility(client, person):
    person["booking"].status = BookingStatus.IN_TRANSIT
    db.session.flush()
    body = client.get(API, query_string=by_name()).json
    assert body["found"] and body["in_transit"] and body["facility"] is None


def test_unknown_and_released_are_byte_identical(client, make, person):
    other = make.detainee(a_number="209999999", country_of_birth="GT")
    booking = make.booking(detainee=other)
    release_booking(actor=SYSTEM, booking_id=booking.id, release=ReleaseIn(reason="removal"))
    answers = [
        client.get(API, query_string=by_number("209999999")),  # released
        client.get(API, query_string=by_number("201111111")),  # never known
        client.get(API, query_string=by_number(country="MX")),  # wrong country
        client.get(API, query_string=by_name(given_name="Josefa")),
    ]
    assert {r.status_code for r in answers} == {404}
    assert len({r.data for r in answers}) == 1
    assert answers[0].json["found"] is False and answers[0].json["message"]
    varying = ("X-Request-ID", "X-RateLimit-Remaining", "X-RateLimit-Reset", "Retry-After")
    headers = [{k: v for k, v in r.headers if k not in varying} for r in answers]
    assert all(h == headers[0] for h in headers), headers


def test_api_422_names_the_fields(client):
    response = client.get(API, query_string={"a_number": "A208765432"})
    assert response.status_code == 422
    assert set(response.json["errors"]) == {"country_of_birth"}
    response = client.get(API, query_string={"country_of_birth": "GT", "family_name": "X"})
    assert set(response.json["errors"]) == {"given_name", "date_of_birth"}
    response = client.get(API, query_string=by_name(date_of_birth="14/03/1987"))
    assert response.status_code == 422 and "date_of_birth" in response.json["errors"]


def test_api_is_documented_as_public(client):
    spec = client.get("/api/v1/openapi.json").json
    operation = spec["paths"]["/api/v1/locator"]["get"]
    assert operation["security"] == []
    assert {"200", "404", "422", "429"} <= set(operation["responses"])
    names = {p["name"] for p in operation["parameters"]}
    assert names == {"a_number", "family_name", "given_name", "date_of_birth", "country_of_birth"}


# --- never more than the contract's fields ----------------------------------------

EXTRA_PARAMS = [
    {},
    {"fields": "date_of_birth,bed,classification,alerts,a_number"},
    {"include": "bed,classification,alerts,health,booking,detainee"},
    {"_format": "full", "format": "json", "expand": "all", "debug": "1", "verbose": "true"},
    {"fields[]": "*", "include[]": "*", "select": "*", "view": "staff", "role": "admin"},
]


def forbidden_strings(person) -> list[str]:
    born = BORN
    strings = [
        born.isoformat(),
        born.strftime("%m/%d/%Y"),
        born.strftime("%d/%m/%Y"),
        "1987",
        "March 14",
        "14 de marzo",
        "marzo",
        person["bed"].label,
        "ZB-0417",
        "Dorm Zeta",
        "classification",
        "Level 2",
        "level",
        "clasificación",
        "nivel",
        "208765432",  # the A-number is not repeated back either
        "209999999",
        "health",
        "medical",
        "médic",
        "salud",
        "diagnos",
        "medication",
        "suicide",
        "booking",
        "bed",
    ]
    strings += [label for kind, label in ALERT_LABELS.items()]
    return strings


@pytest.mark.parametrize("extra", EXTRA_PARAMS)
@pytest.mark.parametrize("lang", ["en", "es"])
@pytest.mark.parametrize("query", [by_number, by_name])
def test_found_answers_carry_nothing_beyond_the_contract(client, make, person, extra, lang, query):
    make.booking(detainee=make.detainee(a_number="209999999", country_of_birth="GT"))
    api = client.get(API, query_string={**query(), **extra, "lang": lang})
    page = client.get("/locator", query_string={**page_args(query()), **extra, "lang": lang})
    assert api.status_code == page.status_code == 200
    assert set(api.json) == {"found", "name", "in_transit", "facility", "field_office"}
    assert set(api.json["facility"]) == {"name", "address", "phone"}
    assert "Example Hills Processing Center" in page.text
    result = re.search(r'<section aria-labelledby="result-heading".*?</section>', page.text, re.S)
    assert result, "the page shows a result"
    for text in (api.text, result.group(0)):
        for word in forbidden_strings(person):
            assert word.casefold() not in text.casefold(), (word, lang, extra)
    # and the page as a whole never shows what was not typed in
    for word in ("ZB-0417", "Dorm Zeta", "Suicide watch", "Lower bunk", "Medical hold"):
        assert word not in page.text


# --- the page -----------------------------------------------------------------------


def test_page_without_login_sets_no_cookie(client):
    response = client.get("/locator")
    assert response.status_code == 200
    assert "Set-Cookie" not in response.headers
    assert '<html lang="en">' in response.text
    assert 'method="get"' in response.text and "csrf_token" not in response.text
    assert "Sign out" not in response.text and "/dashboard" not in response.text


def test_page_search_sets_no_cookie_and_finds(client, person):
    response = client.get("/locator", query_string=page_args(by_name()))
    assert response.status_code == 200 and "Set-Cookie" not in response.headers
    assert "Example Hills Processing Center" in response.text
    assert "Ñúñez-Peña, José María" in response.text


def test_page_spanish_by_query_string(client, person):
    response = client.get("/locator", query_string={**by_number(), "lang": "es"})
    assert '<html lang="es">' in response.text
    assert "Buscar a una persona detenida por inmigración" in response.text
    assert "País de nacimiento" in response.text and "Guatemala" in response.text
    assert "Country of birth" not in response.text
    assert 'href="/locator?lang=en"' in response.text  # the way back to English
    assert "Set-Cookie" not in response.headers


def test_page_spanish_from_accept_language(client):
    response = client.get("/locator", headers={"Accept-Language": "es-MX,es;q=0.9,en;q=0.5"})
    assert '<html lang="es">' in response.text
    assert "Buscar por número A" in response.text
    assert 'name="lang" value="es"' in response.text  # the choice travels with the search
    # the visitor's choice wins over the browser's
    response = client.get("/locator?lang=en", headers={"Accept-Language": "es"})
    assert '<html lang="en">' in response.text


def test_country_names_in_the_visitors_language(client):
    english = client.get("/locator?lang=en").text
    spanish = client.get("/locator?lang=es").text
    assert '<option value="DE">Germany</option>' in english
    assert '<option value="DE">Alemania</option>' in spanish
    assert '<option value="4">4 - abril</option>' in spanish.lower()  # the shared field


def test_page_not_found_is_the_same_for_unknown_and_released(client, make):
    booking = make.booking(detainee=make.detainee(a_number="209999999", country_of_birth="GT"))
    release_booking(actor=SYSTEM, booking_id=booking.id, release=ReleaseIn(reason="removal"))
    released = client.get("/locator", query_string=by_number("209999999"))
    unknown = client.get("/locator", query_string=by_number("201111111"))
    assert released.status_code == unknown.status_code == 200
    assert "No one in custody matches this search" in released.text
    assert released.data == unknown.data.replace(b"201111111", b"209999999")


def test_page_errors_next_to_the_fields_in_spanish(client):
    response = client.get("/locator", query_string={"lang": "es", "family_name": "Nunez"})
    assert response.status_code == 200
    text = response.text
    assert "Corrija la búsqueda" in text
    assert 'id="country_of_birth-error"' in text and 'id="given_name-error"' in text
    assert 'id="dob-error"' in text and "Este campo es obligatorio." in text
    assert "Result" not in text and "Resultado" not in text


def test_staff_pages_stay_english(client, make):
    make.login(client, role="officer")
    response = client.get("/dashboard", headers={"Accept-Language": "es"})
    assert '<html lang="en">' in response.text


# --- rate limits --------------------------------------------------------------------


def test_too_many_searches_are_refused(app, client):
    address = f"2001:db8::{random.getrandbits(48):x}"  # fresh, even in a shared Redis
    from_address = {"REMOTE_ADDR": address}
    app.config["LOCATOR_RATE_LIMIT"] = "3/minute"
    try:
        answers = [
            client.get(path, query_string={**by_number(), **lang}, environ_base=from_address)
            for path, lang in (
                (API, {}),
                ("/locator", {}),
                (API, {}),
                (API, {}),
                ("/locator", {"lang": "es"}),
            )
        ]
        elsewhere = client.get(API, query_string=by_number())
    finally:
        app.config["LOCATOR_RATE_LIMIT"] = "100000/minute"
    assert [r.status_code for r in answers] == [404, 200, 404, 429, 429]
    api, page = answers[3], answers[4]
    assert api.is_json and api.json["message"] and "Retry-After" in api.headers
    assert page.mimetype == "text/html" and '<html lang="es">' in page.text
    assert "Demasiadas búsquedas" in page.text
    assert elsewhere.status_code == 404  # other addresses are not affected


def test_limit_and_storage_come_from_the_configuration(monkeypatch):
    from core import create_app

    monkeypatch.setenv("REDIS_URL", "redis://127.0.0.1:1/0")
    monkeypatch.setenv("LOCATOR_RATE_LIMIT", "5/minute")
    app = create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://", "SECRET_KEY": "x" * 40})
    assert app.config["RATELIMIT_STORAGE_URI"] == "redis://127.0.0.1:1/0"
    assert app.config["LOCATOR_RATE_LIMIT"] == "5/minute"
    monkeypatch.delenv("REDIS_URL")
    app = create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://", "SECRET_KEY": "x" * 40})
    assert app.config["RATELIMIT_STORAGE_URI"] == "memory://"


# --- translations -------------------------------------------------------------------


def test_every_locator_string_is_translated(tmp_path):
    pot = tmp_path / "messages.pot"
    subprocess.run(
        [
            Path(sys.executable).with_name("pybabel"),
            "-q",
            "extract",
            "-F",
            ROOT / "babel.cfg",
            "-k",
            "lazy_gettext",
            "-o",
            pot,
            ROOT,
        ],
        check=True,
        cwd=ROOT,
    )
    with pot.open("rb") as f:
        wanted = {m.id for m in read_po(f) if m.id}
    with (ROOT / "translations/es/LC_MESSAGES/messages.po").open("rb") as f:
        spanish = {m.id: m.string for m in read_po(f) if m.id}
    assert wanted <= set(spanish), f"not in the .po: {wanted - set(spanish)}"
    assert all(spanish[m] for m in wanted), "untranslated strings"
    assert (ROOT / "translations/es/LC_MESSAGES/messages.mo").is_file(), "run make install"


def test_audit_entry_kind(person):
    locator.locate(actor=Actor.anonymous(), **by_number())
    assert last_event(locator.SEARCH_TAG).subject_type == "locator"
