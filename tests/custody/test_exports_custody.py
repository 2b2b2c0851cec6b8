"""The custody exports (issue 15): a booking's custody record and its legal-access log as
PDFs (real WeasyPrint, read back with pdftotext) and their print views — the content,
"Page 1 of", who may export (role × route, login, bearer token), facility scope (own,
other, a past stay there after a transfer), small parts for long logs, and hostile user
text that must come out literally without any fetch (the canary server)."""

from __future__ import annotations

import datetime as dt
import re
import shutil
import subprocess

import pytest
from markupsafe import escape

from core.actor import Actor
from core.db import db
from core.errors import Forbidden, NotFound
from custody.counsel.services import file_g28
from custody.exports import documents
from custody.housing.assignment import assign_bed
from custody.legal import services as legal
from custody.legal.inputs import EntryIn
from custody.people.models import Alert, DetaineeAlias, DetaineeLanguage
from custody.restrictive.services import (
    place_in_restrictive_housing,
    record_check,
    record_review,
)
from custody.transfers import clearance, movement
from custody.transfers import services as transfers
from tests.canary import canary  # noqa: F401  (the fixture)
from tests.helpers import csrf_token, events

pytestmark = pytest.mark.skipif(shutil.which("pdftotext") is None, reason="needs poppler-utils")

SYSTEM = Actor.system("test")
T0 = dt.datetime(2026, 11, 2, 15, 0, tzinfo=dt.UTC)  # a Monday, 09:00 in Chicago
HOUR, DAY = dt.timedelta(hours=1), dt.timedelta(days=1)
ROUTES = ("custody-record", "legal-access")
ALLOWED = ("officer", "supervisor", "records")
REFUSED = ("clinician", "mental_health", "admin", "auditor")


def pdf_text(data: bytes, *, raw: bool = False) -> str:
    """The PDF's text as pdftotext reads it (`raw`: in content-stream order)."""
    assert data.startswith(b"%PDF-"), data[:40]
    args = ["pdftotext", *(["-raw"] if raw else []), "-", "-"]
    return subprocess.run(args, input=data, capture_output=True, check=True).stdout.decode()


def squeeze(text: str) -> str:
    return re.sub(r"\s+", "", text)


def url(booking, route: str, query: str = "") -> str:
    return f"/exports/bookings/{booking.id}/{route}.pdf{query}"


def add_person_details(person, *, alias=("Quill", "Anna")) -> None:
    person.aliases.append(DetaineeAlias(family_name=alias[0], given_name=alias[1]))
    person.languages.append(DetaineeLanguage(code="es", position=0, interpreter_needed=True))
    person.country_of_citizenship = "GT"
    db.session.commit()


def log(booking, **values) -> None:
    data = {"kind": "law_library", "started_at": T0, "minutes": 60}
    legal.record_entry(actor=SYSTEM, booking_id=booking.id, entry=EntryIn(**{**data, **values}))


def log_every_kind(booking) -> None:
    log(booking)
    log(booking, kind="attorney_visit", started_at=T0 + DAY, minutes=45, counsel_name="Ada Vale")
    log(booking, kind="legal_call", started_at=T0 + 2 * DAY, minutes=20, is_pro_bono=True)
    log(
        booking,
        kind="law_library",
        started_at=T0 + 3 * DAY,
        minutes=None,
        outcome="denied",
        denial_reason="lockdown",
        reason="Count in progress",
    )
    log(booking, kind="legal_mail", started_at=T0 + 4 * DAY, minutes=None, opened_in_presence=True)
    log(
        booking,
        kind="consular_contact",
        started_at=T0 + 5 * DAY,
        minutes=None,
        country="GT",
        consulate="Consulate of Guatemala, Houston",
        consular_type="call",
    )
    log(booking, kind="legal_rights_presentation", started_at=T0 + 6 * DAY, minutes=60)


@pytest.fixture
def world(make):
    """A person held at Northbrook, classified, housed, placed and reviewed, a G-28 on
    file, every kind of legal-access entry, then transferred to Southfield."""
    home = make.facility(code="NBRK", name="Northbrook Processing Center")
    away = make.facility(code="SFLD", name="Southfield Detention Facility")
    person = make.detainee(
        family_name="Quillfeather",
        given_name="Ana",
        a_number="123456789",
        date_of_birth=dt.date(1990, 3, 14),
    )
    add_person_details(person)
    bed = make.bed(unit=make.unit(facility=home, name="Unit Alpha"), label="A-01")
    booking = make.classified(
        make.booking(facility=home, detainee=person, booked_at=T0 - 3 * DAY), level=2
    )
    assign_bed(actor=SYSTEM, booking_id=booking.id, bed_id=bed.id)
    file_g28(
        actor=SYSTEM,
        booking_id=booking.id,
        attorney_name="Ada Vale",
        bar_number="778899",
        bar_state="TX",
    )
    placement = place_in_restrictive_housing(
        actor=SYSTEM, booking_id=booking.id, kind="administrative", reason="Protective custody"
    )
    for _ in range(2):
        record_check(actor=SYSTEM, placement_id=placement.id)
    record_review(
        actor=SYSTEM, placement_id=placement.id, decision="release", note="Threat resolved"
    )
    log_every_kind(booking)
    return {"home": home, "away": away, "booking": booking, "person": person}


def transfer_away(world, make) -> None:
    """Request, approve, clear, depart and arrive: the booking now belongs to Southfield."""
    booking, home = world["booking"], world["home"]
    transfer = transfers.request_transfer(
        actor=SYSTEM,
        booking_id=booking.id,
        to_facility_code="SFLD",
        reason="Closer to counsel",
        scheduled_for=dt.datetime.now(dt.UTC) + DAY,
    )
    transfers.approve_transfer(actor=SYSTEM, transfer_id=transfer.id)
    clearance.record_medical_summary(
        actor=make.actor("clinician", facility_id=home.id),
        transfer_id=transfer.id,
        fit_to_travel=True,
        active_problems=["Type 2 diabetes"],
        allergies=["Penicillin (rash)"],
        medications=[],
        tb_status="Screened",
        pending_appointments=[],
        accommodations=[],
    )
    movement.depart(actor=SYSTEM, transfer_id=transfer.id)
    movement.arrive(actor=SYSTEM, transfer_id=transfer.id)
    db.session.refresh(booking)


# --- content ---------------------------------------------------------------------------


def test_custody_record_has_identity_booking_classification_housing_and_movements(
    client, make, world
):
    transfer_away(world, make)
    booking = world["booking"]
    make.login(client, role="records")
    response = client.get(url(booking, "custody-record"))
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    text = pdf_text(response.data, raw=True)  # content order: a cell's lines together
    for expected in (
        "Quillfeather, Ana",
        "A123-456-789",
        "03/14/1990",
        "Guatemala",  # citizenship, by name
        "Spanish",
        "Quill",  # the alias
        f"Booking {booking.id}",
        "Southfield Detention Facility",
        "10/30/2026 10:00 CDT",  # booked: Chicago time with its zone, before DST ended
        "Level 2",
        "Unit Alpha",
        "A-01",
        "Transferred",
        "Administrative placement",
        "Protective custody",
        "Release from restrictive housing",
        "2 recorded, last",  # observation checks, counted
        "Requested",
        "Approved to In transit",
        "In transit to Arrived",
        "Closer to counsel",
        "Ada Vale",
        "Page 1 of",
    ):
        assert squeeze(expected) in squeeze(text), expected  # cells wrap
    assert "lower_bunk" not in text and "administrative" not in text  # names, not codes
    for clinical in ("diabetes", "Penicillin", "Screened"):  # the summary stays in health
        assert clinical not in text, clinical


def test_custody_record_shows_alerts_by_kind_and_audits_the_read(client, make, world):
    person = world["person"]
    person.alerts.append(Alert(kind="lower_bunk", started_at=T0))
    db.session.commit()
    user = make.login(client, role="officer")
    text = pdf_text(client.get(url(world["booking"], "custody-record")).data)
    assert "Lower bunk" in text
    read = events("custody:alert:read", subject_id=str(person.id))
    assert read and read[-1].actor_id == user.id


def test_legal_access_log_lists_every_kind_with_outcome_and_reason(client, make, world):
    make.login(client, role="officer")
    response = client.get(url(world["booking"], "legal-access"))
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    text = pdf_text(response.data, raw=True)  # content order: a cell's lines together
    for expected in (
        "Quillfeather, Ana",
        "A123-456-789",
        "Northbrook Processing Center",
        "November 2026",
        "Law library session",
        "Attorney visit",
        "Legal call",
        "Legal mail",
        "Consular contact",
        "Legal rights presentation",
        "Completed",
        "Denied",
        "Facility lockdown or security incident",
        "Count in progress",
        "Ada Vale",
        "11/02/2026 09:00 CST",
        "Law library hours by week",
        "Minimum: 5 hours a week",
        "11/02/2026 – 11/08/2026 1.00 Below the minimum by 4.00 hours",  # the denial: 0
        "Page 1 of",
    ):
        assert squeeze(expected) in squeeze(text), expected  # cells wrap
    assert "law_library" not in text and "lockdown:" not in text


def test_empty_sections_say_none_recorded(client, make):
    booking = make.booking(booked_at=T0)
    make.login(client, role="officer")
    record = pdf_text(client.get(url(booking, "custody-record")).data)
    assert record.count("None recorded") >= 6  # aliases, classification, housing, …
    log_text = pdf_text(client.get(url(booking, "legal-access")).data)
    assert "None recorded" in log_text


def test_print_view_has_the_same_content(client, make, world):
    make.login(client, role="supervisor")
    for route, wanted in (
        ("custody-record", ("Quillfeather, Ana", "A123-456-789", "Level 2", "Unit Alpha")),
        ("legal-access", ("Quillfeather, Ana", "Legal call", "Count in progress")),
    ):
        response = client.get(url(world["booking"], route, "?format=html"))
        assert response.status_code == 200 and response.mimetype == "text/html"
        for expected in wanted:
            assert expected in response.text, (route, expected)
        assert 'class="x-section"' in response.text and 'class="x-table"' in response.text


def test_long_logs_split_into_parts_of_at_most_forty_rows(app, make):
    booking = make.booking(booked_at=T0 - 30 * DAY)
    log(booking, started_at=T0 - 10 * DAY)  # October
    for n in range(45):
        log(booking, started_at=T0 + n * HOUR, minutes=10)
    with app.test_request_context():
        document = documents.legal_access_document(actor=SYSTEM, booking_id=booking.id)
    months = [p for p in document.parts if re.search(r"<h2>(October|November) 2026", p)]
    assert [p.count("<tr>") - 1 for p in months] == [1, 40, 5]  # minus the header row
    assert "November 2026 (continued)" in months[2]


# --- who may export ----------------------------------------------------------------------


@pytest.mark.parametrize("role", ALLOWED + REFUSED)
def test_roles(client, make, world, role):
    make.login(client, role=role)
    for route in ROUTES:
        response = client.get(url(world["booking"], route))
        if role in ALLOWED:
            assert response.status_code == 200, (route, role)
            assert response.mimetype == "application/pdf"
        else:
            assert response.status_code == 403, (route, role)
            assert b"Quillfeather" not in response.data


def test_without_login_the_pages_send_to_sign_in(client, world):
    for route in ROUTES:
        response = client.get(url(world["booking"], route))
        assert response.status_code in (302, 401)
        assert b"Quillfeather" not in response.data
        if response.status_code == 302:
            assert "/login" in response.headers["Location"]


def test_a_script_exports_with_a_bearer_token(client, make, world):
    response = client.get(url(world["booking"], "custody-record"), headers=make.headers("records"))
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert "A123-456-789" in pdf_text(response.data)


def test_facility_scope_own_other_and_a_past_stay(client, make, world):
    booking = world["booking"]
    third = make.facility(code="THRD")
    make.login(client, user=make.user("officer", facility_id=world["home"].id))
    assert client.get(url(booking, "custody-record")).status_code == 200
    other = client.application.test_client()
    make.login(other, user=make.user("records", facility_id=third.id))
    for route in ROUTES:
        refused = other.get(url(booking, route))
        assert refused.status_code == 403 and b"Quillfeather" not in refused.data
    denials = events("custody:record:export", subject_id=str(booking.id), outcome="denied")
    assert len(denials) == 2  # each refusal audited
    transfer_away(world, make)
    for facility in (world["home"], world["away"]):  # the past stay and the new one
        actor = make.actor("officer", facility_id=facility.id)
        with client.application.test_request_context():
            record = documents.custody_record_document(actor=actor, booking_id=booking.id)
            legal_doc = documents.legal_access_document(actor=actor, booking_id=booking.id)
        assert "Quillfeather" in "".join(record.parts)
        assert "Count in progress" in "".join(legal_doc.parts)


def test_missing_booking_is_404_for_exporters_and_403_for_others(app, make):
    with app.test_request_context():
        with pytest.raises(NotFound):
            documents.custody_record_document(actor=make.actor("records"), booking_id=999999)
        with pytest.raises(Forbidden):
            documents.legal_access_document(actor=make.actor("clinician"), booking_id=999999)
    assert events("custody:record:export", subject_id="999999")  # the denial, audited


# --- hostile text ---------------------------------------------------------------------------


@pytest.mark.parametrize("which", range(5))
def test_hostile_text_comes_out_literally_and_fetches_nothing(client, make, canary, which):  # noqa: F811
    payload = canary.payloads()[which]
    person = make.detainee(family_name=payload, given_name="Ana")
    add_person_details(person, alias=(payload, "Ana"))
    booking = make.booking(detainee=person, booked_at=T0 - 3 * DAY)
    log(booking, outcome="cut_short", minutes=30, reason=payload)
    make.login(client, role="records")
    for route, places in (("custody-record", 2), ("legal-access", 1)):
        response = client.get(url(booking, route))
        assert response.status_code == 200, route
        if route == "custody-record":
            assert payload in pdf_text(response.data)  # the name, on one line of its own
        raw = squeeze(pdf_text(response.data, raw=True))
        assert raw.count(squeeze(payload)) >= places, route  # name, alias / log reason
        body = client.get(url(booking, route, "?format=html")).text.split("</head>", 1)[1]
        assert str(escape(payload)) in body
        if "<" in payload:
            assert payload not in body  # escaped, never markup
    assert canary.hits == []


# --- the exports page finds the booking and the transfer by A-number --------------------


def _page_request(client, **data):
    page = client.get("/exports/")
    return client.post("/exports/", data={"csrf_token": csrf_token(page.text), **data})


def test_exports_page_finds_the_newest_booking_and_transfer_by_a_number(client, make, world):
    transfer_away(world, make)
    booking = world["booking"]
    make.login(client, role="records")
    page = client.get("/exports/")
    for label in ("Custody record", "Legal-access log", "Transfer packet", "Health record"):
        assert label in page.text
    typed = "A123-456-789"
    response = _page_request(client, kind="custody-record", a_number=typed, purpose="")
    assert response.status_code == 303
    assert response.headers["Location"].startswith(
        f"/exports/bookings/{booking.id}/custody-record.pdf?"
    )
    packet = _page_request(
        client, kind="transfer-packet", a_number="123456789", purpose="Receiving facility"
    )
    [transfer_id] = re.findall(r"/exports/transfers/(\d+)/packet\.pdf", packet.headers["Location"])
    assert transfers.get_transfer(actor=SYSTEM, transfer_id=int(transfer_id)).booking_id == (
        booking.id
    )


def test_exports_page_names_nothing_of_another_facility(client, make, world):
    elsewhere = make.facility(code="ELSE", name="Elsewhere Center")
    make.login(client, user=make.user("records", facility_id=elsewhere.id))
    response = _page_request(client, kind="custody-record", a_number="A123456789", purpose="")
    assert response.status_code in (403, 422)
    assert "/exports/bookings/" not in response.headers.get("Location", "")
    assert "Northbrook" not in response.text and "Quillfeather" not in response.text
    bad = _page_request(client, kind="custody-record", a_number="not a number", purpose="")
    assert bad.status_code == 422 and "Enter an A-number" in bad.text
