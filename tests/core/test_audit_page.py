"""The auditor's pages: filters, keyset paging, one entry, chain check, CSV export."""

from __future__ import annotations

import csv
import dataclasses
import datetime as dt
import html
import io
import re
import uuid

import pytest
import sqlalchemy as sa

from core import audit, audit_queries, audit_verify
from core.actor import Actor
from core.audit import AuditEvent, Outcome
from core.db import db, unit_of_work, utcnow
from core.errors import Forbidden
from core.permissions import ROLE_PERMISSIONS, Permission, Role
from tests.helpers import events

NOT_AUDITORS = [r for r in Role if Permission.AUDIT_READ not in ROLE_PERMISSIONS[r]]


@pytest.fixture
def auditor(client, make):
    return make.login(client, role="auditor")


@pytest.fixture
def tag() -> str:
    """A tag of this test's own, so filters can be checked on its entries alone."""
    return f"test:{uuid.uuid4().hex[:8]}"


def _record(
    tag: str,
    n: int = 1,
    *,
    actor: Actor | None = None,
    subject_type: str = "thing",
    subject_id: object = None,
    outcome: Outcome = Outcome.SUCCESS,
    at: dt.datetime | None = None,
) -> list[int]:
    """`n` entries, each in a unit of work of its own (so each is sealed after it)."""
    ids = []
    for i in range(n):
        with unit_of_work():
            event_id = audit.record(
                actor=actor or Actor.system("page-test"),
                tag=tag,
                subject_type=subject_type,
                subject_id=i if subject_id is None else subject_id,
                outcome=outcome,
                changed_fields=["status"],
                occurred_at=at,
            )
        ids.append(event_id)
    return ids


def _unsealed(tag: str) -> int:
    """An entry that stays unsealed: written without scheduling the sealer."""
    with unit_of_work() as session:
        event = AuditEvent(
            occurred_at=utcnow(),
            actor="page-test",
            tag=tag,
            subject_type="thing",
            subject_id="9",
            outcome="success",
            changed_fields=[],
        )
        session.add(event)
    return event.id


def _ids(page_html: str) -> list[int]:
    return [int(x) for x in re.findall(r'href="/audit/events/(\d+)"', page_html)]


def _link(page_html: str, name: str) -> str | None:
    match = re.search(rf'href="(/audit/events\?[^"]*\b{name}=[^"]*)"', page_html)
    return html.unescape(match.group(1)) if match else None


def _listed(client, query: str) -> list[int]:
    page = client.get(f"/audit/events?{query}")
    assert page.status_code == 200, (query, page.status_code)
    return _ids(page.text)


# --- the list and its filters ----------------------------------------------------------


def test_the_table_shows_every_column(client, make, auditor, tag):
    actor = dataclasses.replace(make.actor("officer"), request_id="req-columns-01")
    [event_id] = _record(tag, actor=actor, subject_type="bed", subject_id=41)
    page = client.get(f"/audit/events?tag={tag}")
    assert page.status_code == 200
    event = db.session.get(AuditEvent, event_id)
    row = re.search(r"<tbody>(.*?)</tbody>", page.text, re.S).group(1)
    when = event.occurred_at.strftime("%Y-%m-%dT%H:%M:%SZ")
    for text in (
        f">{event.seq}</a>",
        f'<time datetime="{when}">{when}</time>',
        actor.username,
        tag,
        "bed 41",
        "success",
        "status",
        "req-columns-01",
        "127.0.0.1",
        ">yes</td>",
    ):
        assert text in row, text
    assert "<caption>" in page.text
    assert page.text.count('<th scope="col">') == 10


def test_lists_newest_first_and_matches_tags_by_whole_parts_or_prefix(client, auditor, tag):
    create = _record(f"{tag}:create", 2)
    update = _record(f"{tag}:update")
    sibling = _record(f"{tag}x:create")  # shares the characters, not the part
    everything = sorted(create + update + sibling, reverse=True)
    assert _listed(client, f"tag={tag}") == sorted(create + update, reverse=True)
    assert _listed(client, f"tag={tag}:") == sorted(create + update, reverse=True)
    assert _listed(client, f"tag={tag}:update") == update
    assert _listed(client, f"tag={tag}:upd") == []
    assert _listed(client, f"tag={tag}:upd*") == update
    assert _listed(client, f"tag={tag}*") == everything


def test_actor_is_exact_or_a_prefix(client, make, auditor, tag):
    stem = f"act{uuid.uuid4().hex[:6]}"
    short = make.actor("officer", username=stem)
    longer = make.actor("officer", username=stem + "b")
    [a] = _record(tag, actor=short)
    [b] = _record(tag, actor=longer)
    assert _listed(client, f"tag={tag}&actor={stem}") == [a]
    assert _listed(client, f"tag={tag}&actor={stem}b") == [b]
    assert _listed(client, f"tag={tag}&actor={stem}*") == [b, a]
    assert _listed(client, f"tag={tag}&actor=%25") == []  # LIKE wildcards are literal
    assert _listed(client, f"tag={tag}&actor=%25*") == []


def test_each_filter_narrows(client, make, auditor, tag):
    person = dataclasses.replace(make.actor("officer"), request_id="req-narrow-01")
    [a] = _record(tag, actor=person, subject_type="bed", subject_id=77)
    [b] = _record(tag, subject_type="unit", subject_id=77)
    [c] = _record(tag, subject_type="unit", subject_id="A-9", outcome=Outcome.DENIED)
    [d] = _record(tag, subject_type="unit", subject_id=5, outcome=Outcome.FAILURE)
    e = _unsealed(tag)  # last: any later commit would seal it
    cases = {
        "": [e, d, c, b, a],
        f"actor={person.username}": [a],
        "subject_type=bed": [a],
        "subject_type=unit": [d, c, b],
        "subject_id=77": [b, a],
        "subject_id=A-9": [c],
        "outcome=success": [e, b, a],
        "outcome=denied": [c],
        "outcome=failure": [d],
        "request_id=req-narrow-01": [a],
        "sealed=yes": [d, c, b, a],
        "sealed=no": [e],
        "subject_type=unit&outcome=denied": [c],
    }
    for query, expected in cases.items():
        assert _listed(client, f"tag={tag}&{query}") == expected, query


def test_days_are_utc_and_both_ends_are_included(client, auditor, tag):
    [late] = _record(tag, at=dt.datetime(2024, 3, 5, 23, 59, 59, 999999, tzinfo=dt.UTC))
    [early] = _record(tag, at=dt.datetime(2024, 3, 6, 0, 0, tzinfo=dt.UTC))
    [later] = _record(tag, at=dt.datetime(2024, 3, 7, 12, 0, tzinfo=dt.UTC))
    cases = {
        "date_to=2024-03-05": [late],
        "date_from=2024-03-06": [later, early],
        "date_from=2024-03-06&date_to=2024-03-06": [early],
        "date_from=2024-03-05&date_to=2024-03-07": [later, early, late],
        "date_from=2024-03-08": [],
        "date_from=0001-01-01&date_to=9999-12-31": [later, early, late],  # no overflow
    }
    for query, expected in cases.items():
        assert _listed(client, f"tag={tag}&{query}") == expected, query


def test_request_id_filter_finds_a_real_denial(client, make, auditor):
    officer_client = client.application.test_client()
    make.login(officer_client, role="officer")
    refused = officer_client.get("/audit/events", headers={"X-Request-ID": "deniedreq0001"})
    assert refused.status_code == 403
    page = client.get("/audit/events?request_id=deniedreq0001&outcome=denied")
    assert len(_ids(page.text)) == 1 and Permission.AUDIT_READ.value in page.text


def test_filters_are_kept_in_page_and_export_links(client, auditor, tag):
    _record(tag, 3)
    page = client.get(f"/audit/events?tag={tag}&outcome=success&per_page=2&junk=1").text
    older = _link(page, "before")
    assert older and f"tag={tag}" in older and "outcome=success" in older
    assert "per_page=2" in older and "junk" not in older
    export = re.search(r'href="(/audit/events\.csv[^"]*)"', page).group(1)
    assert f"tag={tag}" in html.unescape(export) and "before" not in export


# --- paging --------------------------------------------------------------------------


def test_paging_walks_each_entry_once_both_ways_while_entries_arrive(client, auditor, tag):
    ids = _record(tag, 7)
    arrived: list[int] = []
    pages, texts = [], []
    url = f"/audit/events?tag={tag}&per_page=3"
    while url:  # towards the oldest
        text = client.get(url).text
        pages.append(_ids(text))
        texts.append(text)
        arrived += _record(tag)  # a newer entry arrives between pages
        url = _link(text, "before")
    assert [i for page in pages for i in page] == sorted(ids, reverse=True)
    assert [len(p) for p in pages] == [3, 3, 1]
    assert _link(texts[0], "after") is None and _link(texts[1], "after")

    back, url = [], _link(texts[-1], "after")
    while url:  # and back towards the newest
        text = client.get(url).text
        back.append(_ids(text))
        existing = ids + arrived
        arrived += _record(tag)
        url = _link(text, "after")
    assert back[0] == pages[1] and back[1] == pages[0]  # the same pages, in reverse
    walked = [i for page in reversed(back) for i in page] + pages[-1]
    assert walked == sorted(set(walked), reverse=True)  # no entry twice, order kept
    assert set(walked) == set(existing)  # none skipped, new arrivals included


def test_page_size_has_a_default_and_bounds(client, make, auditor, tag):
    with unit_of_work():
        for i in range(audit_queries.MAX_PAGE + 5):
            audit.record(actor=Actor.system("bulk"), tag=tag, subject_type="thing", subject_id=i)
    assert len(_listed(client, f"tag={tag}")) == 50
    assert len(_listed(client, f"tag={tag}&per_page=200")) == 200
    search = audit_queries.search_events
    auditor_actor = make.actor("auditor")
    filters = audit_queries.AuditFilter(tag=tag)
    assert len(search(actor=auditor_actor, filters=filters, limit=10_000).events) == 200
    assert len(search(actor=auditor_actor, filters=filters, limit=0).events) == 1
    assert len(search(actor=auditor_actor, filters=filters, limit=-3).events) == 1


# --- bad input -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("date_from=yesterday", "Not a valid date"),
        ("date_to=2026-02-30", "Not a valid date"),
        ("date_from=2026-05-02&date_to=2026-05-01", "The end comes before the start."),
        ("per_page=abc", "Not a valid integer"),
        ("per_page=0", "between 1 and 200"),
        ("per_page=201", "between 1 and 200"),
        ("per_page=99999999999999999999999", "between 1 and 200"),
        ("outcome=maybe", "Not a valid choice"),
        ("sealed=perhaps", "Not a valid choice"),
        ("subject_id=a%00b", "Remove the control characters."),
        ("actor=%01", "Remove the control characters."),
    ],
)
def test_bad_filters_are_a_message_next_to_the_field(client, auditor, query, message):
    for path in ("/audit/events", "/audit/events.csv"):
        page = client.get(f"{path}?{query}")
        assert page.status_code == 422, (path, query)
        assert "usa-error-message" in page.text and message in page.text, (path, query)
        assert 'aria-invalid="true"' in page.text


@pytest.mark.parametrize(
    "query",
    [
        "subject_id=' OR 1=1 --",
        "subject_id=" + "x" * 500,
        "subject_id=%25_%5C",
        "tag=%5C*",
        "request_id=ü",
        "before=notanumber",
        "after=-4",
        "before=99999999999999999999",
    ],
)
def test_any_text_is_searchable_and_bad_cursors_are_ignored(client, auditor, query):
    assert client.get(f"/audit/events?{query}").status_code == 200, query


# --- one entry -----------------------------------------------------------------------


def test_one_entry_shows_every_field(client, make, auditor, tag):
    actor = dataclasses.replace(make.actor("officer"), request_id="req-detail-01")
    _record(tag)
    [event_id] = _record(tag, actor=actor, subject_type="booking", subject_id=5)
    event = db.session.get(AuditEvent, event_id)
    page = client.get(f"/audit/events/{event_id}")
    assert page.status_code == 200
    for text in (
        event.hash,
        event.prev_hash,
        event.occurred_at.isoformat(),
        actor.username,
        f"user id {actor.user_id}",
        tag,
        "booking 5",
        "status",
        "req-detail-01",
        "127.0.0.1",
        f"Chain position (seq)</dt><dd>{event.seq}</dd>",
    ):
        assert text in page.text, text
    assert "/audit/events?request_id=req-detail-01" in page.text
    assert client.get("/audit/events/99999999").status_code == 404


# --- the chain check -----------------------------------------------------------------


def _tamper(sql: str, **params: object) -> None:
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(sa.text("SET LOCAL session_replication_role = replica"))
    db.session.execute(sa.text(sql), params)
    db.session.expire_all()


def test_verify_page_says_intact_and_changes_nothing(client, auditor):
    _record("test:verify", 3)
    pending = _unsealed("test:verify")
    before = db.session.scalar(sa.select(sa.func.count()).select_from(AuditEvent))
    page = client.get("/audit/verify")
    assert page.status_code == 200 and "The chain is intact" in page.text
    assert "1 newer entry is not sealed yet" in page.text
    assert audit_verify.verify_chain().describe() in page.text
    assert db.session.get(AuditEvent, pending).seq is None  # a read: nothing sealed
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditEvent)) == before


@pytest.mark.parametrize(
    ("sql", "broken", "problem"),
    [
        ("UPDATE audit_events SET actor = 'mallory' WHERE id = :id", 1, "was edited"),
        ("DELETE FROM audit_events WHERE id = :id", 2, "missing or was inserted"),
    ],
)
def test_verify_page_names_the_broken_entry(client, auditor, sql, broken, problem):
    ids = _record("test:verify", 3)
    target = db.session.get(AuditEvent, ids[broken])
    seq, target_id = target.seq, target.id
    _tamper(sql, id=ids[1])
    page = client.get("/audit/verify")
    assert page.status_code == 200
    assert f"The chain is broken at entry {seq}" in page.text and problem in page.text
    assert f'href="/audit/events/{target_id}"' in page.text
    assert f"BROKEN at entry seq={seq} (id={target_id})" in page.text


# --- CSV -----------------------------------------------------------------------------


def test_csv_export_follows_the_filters_and_defuses_formulas(client, auditor, tag):
    actor = dataclasses.replace(Actor.system("=HYPERLINK(1)"), request_id="-2-cmd")
    ids = _record(tag, 3, actor=actor)
    _record("test:elsewhere")
    response = client.get(f"/audit/events.csv?tag={tag}")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(response.text)))
    assert [int(r["id"]) for r in rows] == sorted(ids, reverse=True)
    assert all(r["actor"] == "'=HYPERLINK(1)" for r in rows)
    assert all(r["request_id"] == "'-2-cmd" for r in rows)
    assert rows[0]["hash"] == db.session.get(AuditEvent, ids[-1]).hash


def test_csv_export_is_capped(client, auditor, tag, monkeypatch):
    _record(tag, 4)
    monkeypatch.setattr("core.views.audit.EXPORT_CAP", 3)
    rows = list(csv.DictReader(io.StringIO(client.get(f"/audit/events.csv?tag={tag}").text)))
    assert len(rows) == 3


# --- who may --------------------------------------------------------------------------


@pytest.mark.parametrize("role", NOT_AUDITORS)
def test_other_roles_are_refused_and_the_refusal_is_recorded(client, make, role):
    [event_id] = _record("test:secret")
    user = make.login(client, role=role.value)
    for path in (
        "/audit/events",
        f"/audit/events/{event_id}",
        "/audit/verify",
        "/audit/events.csv",
    ):
        assert client.get(path).status_code == 403, path
    denied = events(tag=Permission.AUDIT_READ.value, actor_id=user.id, outcome="denied")
    assert len(denied) == 4


def test_the_service_checks_the_permission_itself(make):
    with pytest.raises(Forbidden):
        audit_queries.search_events(actor=make.actor("admin"))
    with pytest.raises(Forbidden):
        audit_queries.export_events(
            actor=make.actor("records"), filters=audit_queries.AuditFilter(), cap=1
        )
    with pytest.raises(Forbidden):
        audit_queries.verify(actor=make.actor("officer"))


def test_pages_need_no_script_or_inline_style_and_label_every_control(client, auditor, tag):
    [event_id] = _record(tag)
    for path in (f"/audit/events?tag={tag}", f"/audit/events/{event_id}", "/audit/verify"):
        text = client.get(path).text
        assert " style=" not in text and "<style" not in text, path
        assert not re.search(r"<script(?![^>]*\bsrc=)", text), path
        assert not re.search(r"\bon[a-z]+=", text), path
    form = client.get("/audit/events?date_from=nope").text
    controls = re.findall(r'<(?:input|select)[^>]*\bid="([^"]+)"', form)
    assert len(controls) == 10
    labels = re.findall(r'<label class="usa-label[^"]*" for="([^"]+)"', form)
    assert sorted(labels) == sorted(controls)
