"""The validation toolkit: one collector, one wording per check (the wording the
custody services and their tests already use)."""

from __future__ import annotations

import datetime as dt
from enum import StrEnum

import pytest
from marshmallow import Schema, ValidationError

from core.db import MAX_ID, utcnow
from core.errors import ValidationFailed
from core.schemas import DatabaseId
from core.validation import MESSAGES, FieldErrors, id_problem, parse_id

UTC = dt.UTC
NOW = dt.datetime.now(UTC)


class Kind(StrEnum):
    ADMINISTRATIVE = "administrative"
    DISCIPLINARY = "disciplinary"


def _checked(check, *args, **kwargs):
    """(returned value, errors as a dict) of one check on the field "f"."""
    errors = FieldErrors()
    value = getattr(errors, check)("f", *args, **kwargs)
    return value, errors.as_dict()


def test_the_wording_is_the_one_existing_services_and_tests_use():
    assert MESSAGES["required"] == "This field is required."
    assert MESSAGES["too_long"].format(max_length=100) == "Use at most 100 characters."
    assert MESSAGES["not_time"] == "Give a date and time with its time zone."
    assert MESSAGES["future_time"] == "This time is in the future."
    assert MESSAGES["not_positive"] == "Must be more than zero."
    assert MESSAGES["too_large"].format(maximum="365 days") == "Must be at most 365 days."
    assert MESSAGES["not_integer_of"].format(unit="minutes") == "Give a whole number of minutes."
    assert MESSAGES["not_boolean"] == "Give true or false."
    assert MESSAGES["control_characters"] == "Control characters are not allowed."


def test_collector_adds_once_per_message_and_raises_the_dict():
    errors = FieldErrors()
    assert not errors
    errors.add("name", "Use letters.")
    errors.add("name", "Use letters.")
    errors.merge({"name": ["Second."], "other": ["Third."]})
    assert errors and "name" in errors and "missing" not in errors
    assert errors.as_dict() == {"name": ["Use letters.", "Second."], "other": ["Third."]}
    with pytest.raises(ValidationFailed) as caught:
        errors.raise_if_any()
    assert caught.value.errors == errors.as_dict() and caught.value.status == 422
    FieldErrors().raise_if_any()  # nothing found: nothing raised


@pytest.mark.parametrize("value", [None, "", "   ", [], {}])
def test_required(value):
    assert _checked("required", value) == (False, {"f": ["This field is required."]})


def test_required_in_and_unknown_fields():
    errors = FieldErrors()
    errors.required_in({"a": "x", "b": " ", "d": 0}, ["a", "b", "c", "d"])
    errors.unknown_fields({"a": 1, "zz": 2}, {"a"})
    assert errors.as_dict() == {
        "b": ["This field is required."],
        "c": ["This field is required."],
        "zz": ["Unknown field."],
    }


def test_text():
    assert _checked("text", "  Fight in the dayroom ", max_length=50) == (
        "Fight in the dayroom",
        {},
    )
    assert _checked("text", "", max_length=5) == ("", {"f": ["This field is required."]})
    assert _checked("text", None, max_length=5, required=False) == ("", {})
    assert _checked("text", "abcdef", max_length=5) == (
        "abcdef",
        {"f": ["Use at most 5 characters."]},
    )
    assert _checked("text", 12, max_length=5) == ("", {"f": ["Give text."]})
    assert _checked("text", "a\x00b", max_length=5)[1] == {
        "f": ["Control characters are not allowed."]
    }
    assert _checked("text", "line\nnext", max_length=20) == ("line\nnext", {})


def test_choice():
    kinds = {"administrative": "Administrative", "disciplinary": "Disciplinary"}
    wording = "Choose one of: administrative, disciplinary."
    assert _checked("choice", " disciplinary ", kinds) == ("disciplinary", {})
    assert _checked("choice", Kind.DISCIPLINARY, kinds) == ("disciplinary", {})
    assert _checked("choice", "administrative", Kind) == ("administrative", {})
    assert _checked("choice", "Disciplinary", kinds) == ("", {"f": [wording]})
    assert _checked("choice", "", Kind) == ("", {"f": [wording]})
    assert _checked("choice", None, Kind, required=False) == ("", {})
    assert _checked("choice", 1, ["1"]) == ("", {"f": ["Choose one of: 1."]})
    many = [f"option{n}" for n in range(20)]
    assert _checked("choice", "nope", many) == ("", {"f": ["Choose one of the listed values."]})


def test_time():
    arrival = NOW - dt.timedelta(days=2)
    local = (NOW - dt.timedelta(days=1)).astimezone(dt.timezone(dt.timedelta(hours=-6)))
    value, errors = _checked("time", local, not_before=(arrival, "arrival"))
    assert errors == {} and value == local and value.tzinfo is UTC
    assert _checked("time", None) == (None, {"f": ["This field is required."]})
    assert _checked("time", "", required=False, default=NOW) == (NOW, {})
    naive = dt.datetime(2026, 1, 1, 12)
    assert _checked("time", naive, default=NOW) == (
        NOW,
        {"f": ["Give a date and time with its time zone."]},
    )
    assert _checked("time", "2026-01-01T12:00:00Z")[1] == {
        "f": ["Give a date and time with its time zone."]
    }
    future = NOW + dt.timedelta(hours=1)
    assert _checked("time", future)[1] == {"f": ["This time is in the future."]}
    assert _checked("time", future, not_future=False) == (future, {})
    assert _checked("time", NOW + dt.timedelta(minutes=2))[1] == {}  # clock drift allowed
    early = arrival - dt.timedelta(minutes=1)
    assert _checked("time", early, not_before=(arrival, "arrival"))[1] == {
        "f": ["This time is before arrival."]
    }


def test_date():
    born, after_1900 = dt.date(1990, 4, 30), (dt.date(1900, 1, 1), "1900")
    assert _checked("date", born, not_before=after_1900) == (born, {})
    assert _checked("date", NOW)[1] == {"f": ["Give a date like 1990-04-30."]}
    assert _checked("date", "1990-04-30")[1] == {"f": ["Give a date like 1990-04-30."]}
    assert _checked("date", NOW.date() + dt.timedelta(days=2))[1] == {
        "f": ["This date is in the future."]
    }
    assert _checked("date", dt.date(1899, 12, 31), not_before=after_1900)[1] == {
        "f": ["This date is before 1900."]
    }
    assert _checked("date", None, required=False) == (None, {})


def test_integer():
    bounds = {"minimum": 1, "maximum": 525_600, "maximum_label": "365 days", "unit": "minutes"}
    assert _checked("integer", 90, **bounds) == (90, {})
    assert _checked("integer", 0, **bounds)[1] == {"f": ["Must be more than zero."]}
    assert _checked("integer", 600_000, **bounds)[1] == {"f": ["Must be at most 365 days."]}
    assert _checked("integer", "90", **bounds) == (None, {"f": ["Give a whole number of minutes."]})
    assert _checked("integer", True) == (None, {"f": ["Give a whole number."]})
    assert _checked("integer", 2.0) == (None, {"f": ["Give a whole number."]})
    assert _checked("integer", 1, minimum=2)[1] == {"f": ["Must be at least 2."]}
    assert _checked("integer", 10, maximum=9)[1] == {"f": ["Must be at most 9."]}
    assert _checked("integer", None, required=False) == (None, {})


def test_boolean():
    assert _checked("boolean", False) == (False, {})
    assert _checked("boolean", "yes") == (None, {"f": ["Give true or false."]})
    assert _checked("boolean", 1) == (None, {"f": ["Give true or false."]})
    assert _checked("boolean", None) == (None, {"f": ["This field is required."]})
    assert _checked("boolean", None, required=False) == (None, {})


@pytest.mark.parametrize(
    ("value", "expected"),
    [(7, 7), ("7", 7), ("2147483647", MAX_ID), (MAX_ID, MAX_ID)],
)
def test_ids_accepted(value, expected):
    assert parse_id(value) == expected
    assert _checked("identifier", value) == (expected, {})


@pytest.mark.parametrize(
    ("value", "problem"),
    [
        ("abc", "not_id"),
        ("0", "not_id"),
        (0, "not_id"),
        (-3, "not_id"),
        ("-3", "not_id"),
        ("007", "not_id"),
        (" 7", "not_id"),
        ("7.0", "not_id"),
        (7.0, "not_id"),
        (True, "not_id"),
        ("²", "not_id"),
        ("١٢", "not_id"),  # Arabic-Indic digits: str.isdigit() says yes
        ("2147483648", "unknown_id"),
        (2**40, "unknown_id"),
        ("9" * 40, "unknown_id"),
        ("9" * 5000, "unknown_id"),  # int() itself refuses more than 4,300 digits
    ],
)
def test_ids_refused(value, problem):
    assert id_problem(value) == problem and parse_id(value) is None
    assert _checked("identifier", value) == (None, {"f": [MESSAGES[problem]]})


def test_identifier_required_or_not():
    assert _checked("identifier", "") == (None, {"f": ["This field is required."]})
    assert _checked("identifier", None, required=False) == (None, {})


class _WithId(Schema):
    bed_id = DatabaseId(required=True)
    from_bed_id = DatabaseId(allow_none=True)


def test_database_id_field_loads_ints_and_dumps_strings():
    assert _WithId().load({"bed_id": "12", "from_bed_id": None}) == {
        "bed_id": 12,
        "from_bed_id": None,
    }
    assert _WithId().load({"bed_id": 12}) == {"bed_id": 12}
    assert _WithId().dump({"bed_id": 12, "from_bed_id": None}) == {
        "bed_id": "12",
        "from_bed_id": None,
    }


@pytest.mark.parametrize(
    ("value", "wording"),
    [
        ("x", "Not a valid id: use a positive whole number."),
        (True, "Not a valid id: use a positive whole number."),
        ("", "Not a valid id: use a positive whole number."),
        ("99999999999", "Not a known id."),
    ],
)
def test_database_id_field_refuses_with_a_clear_message(value, wording):
    with pytest.raises(ValidationError) as caught:
        _WithId().load({"bed_id": value})
    assert caught.value.messages == {"bed_id": [wording]}


# --- the id parsers in use ------------------------------------------------------------


@pytest.mark.parametrize("cursor", ["²", "-1", "1e3", "99999999999999"])
def test_audit_page_cursors_that_are_not_ids_are_ignored(client, make, cursor):
    make.login(client, role="auditor")
    assert client.get("/audit/events", query_string={"before": cursor}).status_code == 200


@pytest.mark.parametrize(
    ("path", "body", "field"),
    [
        ("/bookings", {"detainee_id": "²", "facility_code": "X"}, "detainee_id"),
        ("/bookings/{booking}/housing", {"bed_id": "²"}, "bed_id"),
        ("/bookings/{booking}/housing", {"bed_id": "1", "from_bed_id": "²"}, "from_bed_id"),
        ("/bookings/{booking}/housing", {"bed_id": True}, "bed_id"),
    ],
)
def test_api_ids_that_are_not_ids_are_a_422(client, make, path, body, field):
    booking = make.booking()
    response = client.post(
        "/api/v1" + path.format(booking=booking.id), json=body, headers=make.headers("officer")
    )
    assert response.status_code == 422
    assert response.json["errors"] == {field: [MESSAGES["not_id"]]}


def test_since_is_between_the_earlier_event_and_now_and_defaults_to_now():
    arrival = utcnow() - dt.timedelta(days=2)
    errors = FieldErrors()
    assert errors.since("at", None, (arrival, "arrival")) >= arrival
    errors.since("before", arrival - dt.timedelta(hours=1), (arrival, "arrival"))
    errors.since("future", utcnow() + dt.timedelta(days=1), (arrival, "arrival"))
    assert errors.as_dict() == {
        "before": ["This time is before arrival."],
        "future": ["This time is in the future."],
    }
