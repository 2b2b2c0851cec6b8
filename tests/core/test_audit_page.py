"""The auditor's pages: filters, keyset paging, one entry, chain check, CSV export."""

from __future__ import annotations

import csv
import datetime as dt
import html
import io
import re
import uuid

import pytest
import sqlalchemy as sa

from core import audit
from core.actor import Actor
from core.audit import AuditEvent
from core.db import db, unit_of_work


@pytest.fixture
def auditor(client, make):
    return make.login(client, role="auditor")


def _record(tag: str, n: int = 1, **kwargs: object) -> list[int]:
    ids = []
    for i in range(n):
        with unit_of_work():
            event = audit.record(
                actor=kwargs.get("actor") or Actor.system("page-test"),
                tag=tag,
                subject_type=kwargs.get("subject_type", "thing"),
                subject_id=kwargs.get("subject_id", i),
                changed_fields=["status"],
            )
        ids.append(event.id)
    return ids


def _ids(page_html: str) -> list[int]:
    return [int(x) for x in re.findall(r'href="/audit/events/(\d+)"', page_html)]


def _link(page_html: str, name: str) -> str | None:
    match = re.search(rf'href="(/audit/events\?[^"]*{name}=[^"]*)"', page_html)
    return html.unescape(match.group(1)) if match else None


def test_lists_newest_first_and_filters_by_tag_prefix(client, auditor):
    tag = f"test:{uuid.uuid4().hex[:6]}"
    mine = _record(f"{tag}:create", 2) + _record(f"{tag}:update", 1)
    _record("test:elsewhere:create", 2)
    page = client.get(f"/audit/events?tag={tag}")
    assert page.status_code == 200
    assert _ids(page.text) == sorted(mine, reverse=True)
    exact = client.get(f"/audit/events?tag={tag}:update")
    assert _ids(exact.text) == [mine[2]]


def test_each_filter_narrows(client, make, auditor):
    tag = f"test:{uuid.uuid4().hex[:6]}"
    person = make.actor("officer")
    [a] = _record(tag, actor=person, subject_type="bed", subject_id=77)
    [b] = _record(tag, subject_type="unit", subject_id=77)
    cases = {
        f"actor={person.username}": [a],
        "subject_type=bed": [a],
        "subject_id=77": [b, a],
        "outcome=denied": [],
        "outcome=success": [b, a],
        "sealed=no": [],
        "sealed=yes": [b, a],
        f"date_from={dt.date.today()}&date_to={dt.date.today()}": [b, a],
        f"date_to={dt.date.today() - dt.timedelta(days=1)}": [],
    }
    for query, expected in cases.items():
        page = client.get(f"/audit/events?tag={tag}&{query}")
        assert page.status_code == 200, query
        assert _ids(page.text) == expected, query


def test_request_id_filter_finds_a_denial(client, make, auditor):
    officer_client = client.application.test_client()
    make.login(officer_client, role="officer")
    refused = officer_client.get("/admin/users", headers={"X-Request-ID": "deniedreq0001"})
    assert refused.status_code == 403
    page = client.get("/audit/events?request_id=deniedreq0001")
    assert "denied" in page.text and len(_ids(page.text)) == 1


def test_paging_shows_each_entry_once_even_while_entries_arrive(client, auditor):
    tag = f"test:{uuid.uuid4().hex[:6]}"
    ids = _record(tag, 7)
    seen, url = [], f"/audit/events?tag={tag}&per_page=3"
    pages = []
    while url:
        page = client.get(url).text
        pages.append(page)
        seen += _ids(page)
        _record(tag, 1)  # a newer entry arrives between pages; it never shifts the walk
        url = _link(page, "before")
    assert seen == sorted(ids, reverse=True)
    assert [len(_ids(p)) for p in pages] == [3, 3, 1]
    # back towards the newest from the last page: the same pages in reverse
    back = _link(pages[-1], "after")
    assert back and _ids(client.get(back).text) == _ids(pages[1])


def test_bad_filters_are_a_form_message(client, auditor):
    for query in ("date_from=yesterday", "per_page=0", "date_from=2026-05-02&date_to=2026-05-01"):
        page = client.get(f"/audit/events?{query}")
        assert page.status_code == 422, query
        assert "usa-error-message" in page.text, query
    assert client.get("/audit/events?before=notanumber").status_code == 200  # ignored


def test_one_entry(client, auditor):
    [event_id] = _record("test:detail", subject_id=5)
    page = client.get(f"/audit/events/{event_id}")
    event = db.session.get(AuditEvent, event_id)
    assert page.status_code == 200 and event.hash in page.text and "test:detail" in page.text
    assert client.get("/audit/events/99999999").status_code == 404


def _tamper(sql: str, **params: object) -> None:
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(sa.text("SET LOCAL session_replication_role = replica"))
    db.session.execute(sa.text(sql), params)
    db.session.expire_all()


def test_verify_page_says_intact_then_names_the_broken_entry(client, auditor):
    ids = _record("test:verify", 3)
    audit.seal_all()
    ok = client.get("/audit/verify")
    assert ok.status_code == 200 and "The chain is intact" in ok.text
    target = db.session.get(AuditEvent, ids[1])
    _tamper("UPDATE audit_events SET actor = 'mallory' WHERE id = :id", id=ids[1])
    broken = client.get("/audit/verify")
    assert f"broken at entry {target.seq}" in broken.text
    assert f'href="/audit/events/{ids[1]}"' in broken.text


def test_csv_export_follows_the_filters_and_defuses_formulas(client, auditor):
    tag = f"test:{uuid.uuid4().hex[:6]}"
    ids = _record(tag, 3, actor=Actor.system("=HYPERLINK(1)"))
    response = client.get(f"/audit/events.csv?tag={tag}")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    rows = list(csv.DictReader(io.StringIO(response.text)))
    assert [int(r["id"]) for r in rows] == sorted(ids, reverse=True)
    assert all(r["actor"].startswith("'=") for r in rows)


def test_other_roles_cannot_read_the_log(client, make):
    make.login(client, role="admin")
    for path in ("/audit/events", "/audit/verify", "/audit/events.csv"):
        assert client.get(path).status_code == 403, path
