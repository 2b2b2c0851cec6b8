"""Sorted search pages by keyset cursors (`health.fhir.keyset`): rows written between
page fetches neither skip nor repeat a match, previous links walk back, and a cursor
the server did not write for this search is a 400 (never a 500)."""

from __future__ import annotations

import base64
import itertools
import json
from typing import Any

import pytest

from tests.health.conftest import assert_outcome, observation, patient
from tests.health.test_fhir_scope import World

PSY = {"system": "http://terminology.hl7.org/CodeSystem/v3-ActCode", "code": "PSYTHPN"}


def _links(body: dict[str, Any]) -> dict[str, str]:
    return {link["relation"]: link["url"].split("/fhir/", 1)[1] for link in body["link"]}


def _matches(body: dict[str, Any]) -> list[dict[str, Any]]:
    return [e["resource"] for e in body.get("entry", []) if e["search"]["mode"] == "match"]


def _obs(fhir: Any, pid: str, day: int | None) -> str:
    body = observation(pid)
    if day is None:
        del body["effectiveDateTime"]  # no date: sorted last (NULLS LAST)
    else:
        body["effectiveDateTime"] = f"2026-03-{day:02d}T10:00:00Z"
    return fhir.create(body)["id"]


@pytest.fixture
def chart(fhir):
    pid = fhir.create(patient())["id"]
    # ties on the date (days 5 and 9 twice) and two without a date
    days = [12, 5, None, 9, 5, 20, 9, 1, None, 15, 3]
    return pid, [_obs(fhir, pid, day) for day in days]


def _walk(fhir, first: str, during=None) -> tuple[list[str], list[dict[str, Any]]]:
    """Every match of every page from `first` along the next links, and the pages;
    `during(n)` runs before page n (n >= 1) is fetched."""
    pages, seen, url = [], [], first
    while url:
        response = fhir.get(url)
        assert response.status_code == 200, response.text
        body = response.json
        pages.append(body)
        seen += [m["id"] for m in _matches(body)]
        url = _links(body).get("next")
        if url and during is not None:
            during(len(pages))
        assert len(pages) < 50
    return seen, pages


def _key(sort: str, resource: dict[str, Any]) -> Any:
    name = sort.lstrip("-")
    if name == "_id":
        return resource["id"]
    if name == "_lastUpdated":
        return resource["meta"]["lastUpdated"]
    return resource.get("effectiveDateTime")


@pytest.mark.parametrize("sort", ["_lastUpdated", "-_lastUpdated", "-_id", "_id", "date", "-date"])
def test_walking_sorted_pages_while_writing_skips_and_repeats_nothing(fhir, chart, sort):
    pid, existing = chart
    added: list[str] = []

    def write(n: int) -> None:  # before and after the cursor in every order
        added.append(_obs(fhir, pid, (n * 7) % 28 + 1))
        added.append(_obs(fhir, pid, None if n % 2 else 4))

    seen, pages = _walk(fhir, f"Observation?patient={pid}&_sort={sort}&_count=3", write)
    assert len(seen) == len(set(seen)), "a match came twice"
    assert set(existing) <= set(seen), "a match was skipped"
    assert set(seen) <= set(existing) | set(added)
    assert len(pages) >= 4 and added
    first_next = _links(pages[0])["next"]
    assert "_after=" in first_next and "_offset" not in first_next
    # the existing matches come in the sort's order (ties by id, no date last)
    resources = {m["id"]: m for page in pages for m in _matches(page)}
    keys = [(_key(sort, resources[i]), i) for i in seen if i in existing]
    dated = [k for k in keys if k[0] is not None]
    assert [k[0] for k in dated] == sorted((k[0] for k in dated), reverse=sort.startswith("-"))
    assert all(k[0] is None for k in keys[len(dated) :])
    for (value, a), (other, b) in itertools.pairwise(keys):
        if value == other:
            assert a < b  # ties in id order


@pytest.mark.parametrize("sort", ["date", "-_lastUpdated", "_id"])
def test_previous_links_walk_back_page_by_page(fhir, chart, sort):
    pid, existing = chart
    seen, pages = _walk(fhir, f"Observation?patient={pid}&_sort={sort}&_count=2")
    assert sorted(seen) == sorted(existing) and len(pages) == 6
    assert "previous" not in _links(pages[0])
    for index in range(len(pages) - 1, 0, -1):
        back = fhir.get(_links(pages[index])["previous"])
        assert back.status_code == 200, back.text
        assert [m["id"] for m in _matches(back.json)] == [
            m["id"] for m in _matches(pages[index - 1])
        ]
        assert _links(back.json)["next"]
    assert "total" in pages[-1] and pages[-1]["total"] == len(existing)


def _forge(value: Any) -> str:
    raw = json.dumps(value).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


@pytest.mark.parametrize(
    ("sort", "param", "cursor"),
    [
        ("date", "_after", "not-a-cursor!"),
        ("date", "_after", "abc"),
        ("date", "_before", _forge(["date", "2026-03-01", "x"])),  # date without a zone
        ("date", "_after", _forge(["date", "yesterday", "x"])),
        ("date", "_after", _forge(["-date", "2026-03-01T00:00:00+00:00", "x"])),  # other sort
        ("date", "_after", _forge(["date", "2026-03-01T00:00:00+00:00", "bad id/"])),
        ("date", "_after", _forge(["date", "2026-03-01T00:00:00+00:00"])),
        ("date", "_after", _forge({"a": 1})),
        ("_lastUpdated", "_after", _forge(["_lastUpdated", None, "x"])),
        ("-_id", "_after", _forge(["-_id", 5, "x"])),
        ("value-quantity", "_after", _forge(["value-quantity", "NaN", "x"])),
        ("value-quantity", "_after", _forge(["value-quantity", True, "x"])),
        ("code", "_after", _forge(["code", ["x"], "x"])),
        ("code", "_after", _forge(["code", "a\u0000b", "x"])),  # PostgreSQL refuses NUL
        ("code", "_before", _forge(["code", "x" * 256, "x"])),
        ("date", "_after", _forge(["date", "0001-01-01T00:00:00+14:00", "x"])),  # overflows
        ("-_lastUpdated", "_before", _forge(["-_lastUpdated", "9999-12-31T23:00:00-14:00", "x"])),
        ("value-quantity", "_after", _forge(["value-quantity", 1e400, "x"])),
        ("date,_id", "_after", _forge(["date", None, "x"])),  # several keys page by _offset
        ("date", "_after", base64.urlsafe_b64encode(b"\xff\xfe").decode()),
        ("date", "_after", _forge([[[[]]]])),
    ],
)
def test_a_forged_cursor_is_a_400_naming_it(fhir, chart, sort, param, cursor):
    pid, _ = chart
    response = fhir.get(f"Observation?patient={pid}&_sort={sort}&{param}={cursor}")
    assert_outcome(response, 400, param)


def test_a_cursor_of_a_matching_value_type_pages_there(fhir, chart):
    pid, existing = chart
    cursor = _forge(["value-quantity", 72.5, "0"])
    body = fhir.get(f"Observation?patient={pid}&_sort=value-quantity&_after={cursor}").json
    assert sorted(m["id"] for m in _matches(body)) == sorted(i for i in existing if i > "0")


def test_offset_still_pages_several_keys_and_a_keyed_sort(fhir, chart):
    pid, existing = chart
    several, _ = _walk(fhir, f"Observation?patient={pid}&_sort=date,_id&_count=4")
    assert sorted(several) == sorted(existing)
    first = fhir.get(f"Observation?patient={pid}&_sort=date,_id&_count=4").json
    assert "_offset=4" in _links(first)["next"]
    keyed = fhir.get(f"Observation?patient={pid}&_sort=date&_count=4&_offset=4").json
    assert [m["id"] for m in _matches(keyed)] == several[4:8]
    links = _links(keyed)
    assert "_offset=4" in links["self"] and "previous" in links
    rest, _ = _walk(fhir, links["next"])
    assert rest == several[8:]


def test_restricted_matches_stay_out_of_keyset_pages(fhir, mh_fhir, chart):
    pid, existing = chart
    note = mh_fhir.create(observation(pid, meta={"security": [PSY]}))["id"]
    url = f"Observation?patient={pid}&_sort=-_lastUpdated&_count=2"
    plain, _ = _walk(fhir, url)
    assert note not in plain and sorted(plain) == sorted(existing)
    everything, _ = _walk(mh_fhir, url)
    assert everything[0] == note and sorted(everything[1:]) == sorted(existing)


def test_the_capability_statement_states_the_paging(fhir):
    documentation = fhir.get("metadata").json["rest"][0]["documentation"]
    assert "keyset cursors (_after, _before" in documentation
    assert "sorted by several keys pages by _offset" in documentation


def test_facility_scope_holds_on_keyset_pages_and_their_includes(client, make):
    world = World(client, make)
    url = "Observation?_sort=date&_count=1&_include=Observation:subject"
    scoped, pages = _walk(world.scoped, url)
    assert sorted(scoped) == sorted([world.obs["here"], world.obs["left"]])
    included = {
        e["resource"]["id"]
        for page in pages
        for e in page["entry"]
        if e["search"]["mode"] == "include"
    }
    assert included == {world.here, world.left}
    everyone, _ = _walk(world.everyone, url)
    assert sorted(everyone) == sorted(world.obs.values())
