"""Identity: A-numbers, validation, duplicates, aliases, languages, alerts."""

from __future__ import annotations

import datetime as dt

import pytest

from core.actor import Actor
from core.errors import Conflict, Forbidden, ValidationFailed
from custody.people import search as people_search
from custody.people import services as identity
from custody.people.inputs import PersonIn, PersonPatch
from tests.helpers import events, last_event

PERSON = {
    "a_number": "A123456789",
    "family_name": "Núñez-Ríos",
    "given_name": "Ana",
    "date_of_birth": dt.date(1990, 2, 3),
    "sex": "female",
    "country_of_birth": "GT",
}


@pytest.mark.parametrize(
    ("given", "stored"),
    [
        ("A123456789", "123456789"),
        ("a123456789", "123456789"),
        ("123-456-789", "123456789"),
        ("A-123-456-789", "123456789"),
        (" 123 456 789 ", "123456789"),
        ("12345678", "012345678"),
        ("A12345678", "012345678"),
    ],
)
def test_a_number_spellings_normalise_to_nine_digits(given, stored):
    assert people_search.normalize_a_number(given) == stored


@pytest.mark.parametrize(
    "bad", ["", "1234567", "1234567890", "B123456789", "A12345678X", "000000000", None, 123456789]
)
def test_bad_a_numbers_are_refused(bad):
    assert people_search.normalize_a_number(bad) is None


def test_create_stores_nine_digits_and_audits(app, make):
    actor = make.actor("officer")
    person = identity.create_detainee(
        actor=actor, data=PersonIn(**{**PERSON, "a_number": "123-456-789"})
    )
    assert person.a_number == "123456789"
    event = last_event("custody:detainee:create")
    assert event.subject_id == str(person.id) and event.actor == actor.username
    assert "a_number" in event.changed_fields
    assert "Núñez" not in str(event.changed_fields)  # names, never values


def test_duplicate_a_number_is_409_naming_the_existing_record(app, make):
    actor = make.actor("officer")
    first = identity.create_detainee(actor=actor, data=PersonIn(**PERSON))
    with pytest.raises(Conflict) as err:
        identity.create_detainee(
            actor=actor, data=PersonIn(**{**PERSON, "a_number": "123-456-789"})
        )
    assert err.value.details["existing_id"] == str(first.id)
    assert str(first.id) in err.value.message


def test_each_invalid_field_is_named(app, make):
    with pytest.raises(ValidationFailed) as err:
        identity.create_detainee(
            actor=make.actor("officer"),
            data=PersonIn(
                **{
                    "a_number": "12",
                    "family_name": " ",
                    "given_name": "x" * 101,
                    "date_of_birth": dt.date.today() + dt.timedelta(days=1),
                    "sex": "m",
                    "gender_identity": "other",
                    "country_of_birth": "XX",
                    "languages": ["english"],
                }
            ),
        )
    assert set(err.value.errors) == {
        "a_number",
        "family_name",
        "given_name",
        "date_of_birth",
        "sex",
        "gender_identity",
        "country_of_birth",
        "languages",
    }
    assert not events("custody:detainee:create")


def test_officer_without_write_permission_is_denied(app, make):
    with pytest.raises(Forbidden):
        identity.create_detainee(actor=make.actor("auditor"), data=PersonIn(**PERSON))
    assert last_event("custody:detainee:write").outcome == "denied"


@pytest.mark.parametrize(
    ("family", "given"),
    [
        ("Nunez Rios", "Ana"),  # accents and hyphen
        ("NÚÑEZ-RÍOS", "ANA"),  # case
        ("Ana", "Núñez-Ríos"),  # family and given swapped
        ("Núñez", "Ana"),  # second family name dropped
        ("Nunes-Rios", "Ana"),  # a letter off
    ],
)
def test_possible_duplicate_when_names_match_closely(app, make, family, given):
    identity.create_detainee(actor=make.actor("officer"), data=PersonIn(**PERSON))
    found = people_search.possible_duplicates(
        actor=Actor.system("test"),
        family_name=family,
        given_name=given,
        date_of_birth=PERSON["date_of_birth"],
        country_of_birth="GT",
    )
    assert [d.detainee.a_number for d in found] == ["123456789"]


@pytest.mark.parametrize(
    "change",
    [
        {"family_name": "Pérez"},
        {"date_of_birth": dt.date(1990, 2, 4)},
        {"country_of_birth": "HN"},
    ],
)
def test_no_duplicate_warning_for_other_people(app, make, change):
    identity.create_detainee(actor=make.actor("officer"), data=PersonIn(**PERSON))
    query = {**PERSON, **change}
    found = people_search.possible_duplicates(
        actor=Actor.system("test"),
        family_name=query["family_name"],
        given_name=query["given_name"],
        date_of_birth=query["date_of_birth"],
        country_of_birth=query["country_of_birth"],
    )
    assert found == []


def test_alias_matches_as_a_duplicate_and_in_search(app, make):
    actor = make.actor("officer")
    person = identity.create_detainee(
        actor=actor,
        data=PersonIn(
            **{**PERSON, "aliases": [{"family_name": "Ramírez", "given_name": "Ana María"}]}
        ),
    )
    found = people_search.possible_duplicates(
        actor=Actor.system("test"),
        family_name="Ramirez",
        given_name="Ana Maria",
        date_of_birth=PERSON["date_of_birth"],
        country_of_birth="GT",
    )
    assert [d.detainee.id for d in found] == [person.id]
    assert [p.id for p in people_search.search_detainees(actor=actor, name="ramirez")] == [
        person.id
    ]
    assert [p.id for p in people_search.search_detainees(actor=actor, name="rios nunez")] == [
        person.id
    ]
    assert [p.id for p in people_search.search_detainees(actor=actor, a_number="123-456-789")] == [
        person.id
    ]


def test_languages_keep_order_and_interpreter_flag(app, make):
    person = identity.create_detainee(
        actor=make.actor("officer"),
        data=PersonIn(
            **{**PERSON, "languages": [{"code": "mam", "interpreter_needed": True}, "es", "es"]}
        ),
    )
    assert [(lang.code, lang.interpreter_needed) for lang in person.languages] == [
        ("mam", True),
        ("es", False),
    ]
    assert person.needs_interpreter


def test_update_changes_identity_but_never_the_a_number(app, make):
    actor = make.actor("officer")
    person = identity.create_detainee(actor=actor, data=PersonIn(**PERSON))
    identity.update_detainee(
        actor=actor,
        detainee_id=person.id,
        data=PersonPatch(gender_identity="woman", languages=["es"]),
    )
    with pytest.raises(TypeError):  # a correction has no A-number to send
        PersonPatch(a_number="999999999")  # type: ignore[call-arg]
    assert person.a_number == "123456789" and person.gender_identity == "woman"
    event = last_event("custody:detainee:update")
    assert set(event.changed_fields) == {"gender_identity", "languages"}


def test_alerts_are_set_by_clinicians_only(app, make):
    person = make.detainee()
    with pytest.raises(Forbidden):
        identity.set_alert(
            actor=make.actor("officer"), detainee_id=person.id, kind="lower_bunk", active=True
        )
    clinician = make.actor("clinician")
    identity.set_alert(actor=clinician, detainee_id=person.id, kind="lower_bunk", active=True)
    identity.set_alert(actor=clinician, detainee_id=person.id, kind="lower_bunk", active=True)
    assert [a.kind for a in person.active_alerts()] == ["lower_bunk"]
    assert last_event("custody:alert:start").changed_fields == ["lower_bunk"]
    identity.set_alert(actor=clinician, detainee_id=person.id, kind="lower_bunk", active=False)
    assert person.active_alerts() == []
    assert last_event("custody:alert:end").subject_id == str(person.id)
