"""Custody's facility directory: how core resolves users' facility scopes."""

from __future__ import annotations

from core.actor import Actor
from core.directory import FacilityRef
from custody.facilities.directory import CustodyFacilities

directory = CustodyFacilities()


def test_by_code_in_any_letter_case_active_or_not(make):
    facility = make.facility(code="DIR01", name="Directory One", is_active=False)
    expected = FacilityRef(
        id=facility.id,
        code="DIR01",
        name="Directory One",
        is_active=False,
        time_zone=facility.time_zone,
    )
    assert directory.by_code("dir01") == expected
    assert directory.by_code("NOPE99") is None


def test_by_ids_returns_those_that_exist(make):
    one, two = make.facility(), make.facility(is_active=False)
    found = directory.by_ids([one.id, two.id, 2_000_000_000])
    assert set(found) == {one.id, two.id}
    assert found[two.id].code == two.code and not found[two.id].is_active
    assert directory.by_ids([]) == {}


def test_choices_are_the_active_facilities_the_actor_sees(make):
    home, other = make.facility(), make.facility()
    closed = make.facility(is_active=False)
    everyone = {f.id for f in directory.choices(Actor.system("test"))}
    assert {home.id, other.id} <= everyone and closed.id not in everyone
    scoped = make.actor("admin", facility_id=home.id)
    assert [f.id for f in directory.choices(scoped)] == [home.id]
