"""The audit log: same transaction as the change, denials that survive, a hash chain that
`custodia audit verify` checks, an append-only table on PostgreSQL, concurrent writers,
and ids and field names only."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import threading
import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest
import sqlalchemy as sa

from core import audit
from core.actor import Actor
from core.audit import GENESIS, AuditEvent, compute_hash
from core.audit_verify import verify_chain
from core.cli import main
from core.db import db, unit_of_work, utcnow
from core.errors import Conflict
from core.models import User
from tests.conftest import is_postgres
from tests.helpers import events

# --- written with the change ---------------------------------------------------------


def _rename(*, actor: Actor, user_id: int, name: str, fail: bool = False) -> None:
    """A service in the house style: change, audit entry, one unit of work."""
    with unit_of_work() as session:
        session.get(User, user_id).full_name = name
        audit.record(
            actor=actor,
            tag="core:user:update",
            subject_type="user",
            subject_id=user_id,
            changed_fields=["full_name"],
        )
        if fail:
            raise Conflict("failed after recording")


def _actor(make, role: str = "admin") -> Actor:
    """An actor with a request id of its own, to find exactly its entries."""
    return dataclasses.replace(make.actor(role), request_id=f"req-{uuid.uuid4().hex[:12]}")


def test_entry_rolls_back_with_the_change(make):
    actor = _actor(make)
    target = make.user(full_name="Original Name")
    db.session.commit()  # keep the set-up when the service rolls back
    with pytest.raises(Conflict):
        _rename(actor=actor, user_id=target.id, name="Never Saved", fail=True)
    db.session.expire_all()
    assert db.session.get(User, target.id).full_name == "Original Name"
    assert events(request_id=actor.request_id) == []


def test_entry_commits_with_the_change_and_is_sealed(make):
    actor = _actor(make)
    target = make.user()
    _rename(actor=actor, user_id=target.id, name="Saved Name")
    db.session.expire_all()
    assert db.session.get(User, target.id).full_name == "Saved Name"
    [event] = events(request_id=actor.request_id)
    assert event.seq is not None and event.sealed_at is not None
    before = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.seq == event.seq - 1))
    assert event.prev_hash == (before.hash if before else GENESIS)
    assert event.hash == compute_hash(event.prev_hash, event)


def test_entries_chain_in_sealing_order(make):
    actor = _actor(make)
    target = make.user()
    for name in ("First Name", "Second Name", "Third Name"):
        _rename(actor=actor, user_id=target.id, name=name)
    first, second, third = events(request_id=actor.request_id)
    assert (second.seq, third.seq) == (first.seq + 1, first.seq + 2)
    assert second.prev_hash == first.hash and third.prev_hash == second.hash


# --- denials -------------------------------------------------------------------------


def test_denied_api_call_is_403_and_audited_once(client, make):
    user = make.user("officer")
    request_id = f"req-{uuid.uuid4().hex[:12]}"
    response = client.post(
        "/api/v1/facilities",
        headers={**make.headers(user=user), "X-Request-ID": request_id},
        json={"code": "NOPE"},
    )
    assert response.status_code == 403
    assert response.is_json and response.json["message"]
    denied = events(request_id=request_id)
    assert [(e.tag, e.outcome, e.actor_id) for e in denied] == [
        ("custody:facility:manage", "denied", user.id)
    ]
    assert denied[0].seq is not None


def test_denied_write_inside_a_unit_via_api_rolls_back_and_is_audited(client, make):
    """A scoped admin passes the route check but is refused inside the service's unit."""
    home, other = make.facility(), make.facility(name="Other Facility")
    admin = make.user("admin", facility_id=home.id)
    request_id = f"req-{uuid.uuid4().hex[:12]}"
    response = client.patch(
        f"/api/v1/facilities/{other.code}",
        headers={**make.headers(user=admin), "X-Request-ID": request_id},
        json={"name": "Renamed By Someone Else"},
    )
    assert response.status_code == 403, response.json
    db.session.expire_all()
    assert db.session.get(type(other), other.id).name == "Other Facility"
    denied = events(request_id=request_id)
    assert [(e.tag, e.outcome, e.subject_id) for e in denied] == [
        ("custody:facility:manage", "denied", str(other.id))
    ]


# --- verify ----------------------------------------------------------------------------


def _chain(make, n: int = 4) -> list[tuple[int, int, str]]:
    """n new sealed entries as (id, seq, hash), in chain order."""
    actor = _actor(make)
    for i in range(n):
        with unit_of_work():
            audit.record(actor=actor, tag="test:chain", subject_type="thing", subject_id=i)
    rows = events(request_id=actor.request_id)
    assert len(rows) == n and all(r.seq for r in rows)
    return [(r.id, r.seq, r.hash) for r in sorted(rows, key=lambda r: r.seq)]


def _tamper(sql: str, **params: object) -> None:
    """Write around the append-only guard, inside the test's transaction (rolled back)."""
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(sa.text("SET LOCAL session_replication_role = replica"))
    db.session.execute(sa.text(sql), params)
    db.session.expire_all()


def _verify(app):
    return app.test_cli_runner().invoke(main, ["audit", "verify"])


def _assert_broken_at(result, seq: int, event_id: int, words: str) -> None:
    assert result.exit_code != 0, result.output
    assert f"seq={seq} (id={event_id})" in result.output, result.output
    assert words in result.output


def test_verify_passes_on_an_intact_chain(app, make):
    _chain(make)
    result = _verify(app)
    assert result.exit_code == 0, result.output
    assert "audit chain intact" in result.output
    head = db.session.scalars(sa.select(AuditEvent).order_by(AuditEvent.seq.desc())).first()
    assert f"head seq={head.seq} hash={head.hash}" in result.output  # to keep elsewhere


def test_verify_leaves_the_callers_session_alone(make):
    user = make.user()
    _chain(make)
    verify_chain()
    assert user in db.session  # not expunged


def test_verify_names_an_edited_entry(app, make):
    rows = _chain(make)
    edited_id, edited_seq, _ = rows[1]
    _tamper("UPDATE audit_events SET actor = 'mallory' WHERE id = :id", id=edited_id)
    _assert_broken_at(_verify(app), edited_seq, edited_id, "edited")


def test_verify_names_the_entry_after_a_deleted_one(app, make):
    rows = _chain(make)
    _tamper("DELETE FROM audit_events WHERE id = :id", id=rows[1][0])
    next_id, next_seq, _ = rows[2]
    _assert_broken_at(_verify(app), next_seq, next_id, "missing")


def test_verify_names_the_entry_after_an_inserted_one(app, make):
    """A forger who recomputes the inserted entry's own hash is caught at the next link."""
    rows = _chain(make)
    for event_id, seq, _ in reversed(rows[1:]):  # make room at position rows[1]
        _tamper("UPDATE audit_events SET seq = :seq WHERE id = :id", seq=seq + 1, id=event_id)
    forged = AuditEvent(
        seq=rows[1][1],
        occurred_at=utcnow(),
        actor="mallory",
        tag="core:user:create",
        outcome="success",
        changed_fields=[],
        prev_hash=rows[0][2],
    )
    forged.hash = compute_hash(rows[0][2], forged)
    db.session.add(forged)
    db.session.flush()
    displaced_id, displaced_seq, _ = rows[1]
    _assert_broken_at(_verify(app), displaced_seq + 1, displaced_id, "previous-hash link")


def test_verify_names_a_reordered_entry(app, make):
    rows = _chain(make)
    (a_id, a_seq, _), (b_id, b_seq, _) = rows[1], rows[2]
    _tamper("UPDATE audit_events SET seq = -1 WHERE id = :id", id=a_id)
    _tamper("UPDATE audit_events SET seq = :seq WHERE id = :id", seq=a_seq, id=b_id)
    _tamper("UPDATE audit_events SET seq = :seq WHERE id = :id", seq=b_seq, id=a_id)
    _assert_broken_at(_verify(app), a_seq, b_id, "reordered")


@pytest.mark.parametrize(
    "field,value",
    [
        ("occurred_at", dt.datetime(2001, 1, 1, tzinfo=dt.UTC)),
        ("actor_id", 999999),
        ("actor", "mallory"),
        ("tag", "core:user:delete"),
        ("subject_type", "facility"),
        ("subject_id", "999999"),
        ("outcome", "denied"),
        ("changed_fields", ["password_hash"]),
        ("request_id", "forged-request"),
        ("client_addr", "203.0.113.9"),
        ("seq", 424242),
    ],
)
def test_hash_covers_every_field(field, value):
    event = AuditEvent(
        seq=7,
        occurred_at=utcnow(),
        actor_id=1,
        actor="someone",
        tag="core:user:update",
        subject_type="user",
        subject_id="1",
        outcome="success",
        changed_fields=["full_name"],
        request_id="req-1",
        client_addr="127.0.0.1",
    )
    original = compute_hash(GENESIS, event)
    setattr(event, field, value)
    assert compute_hash(GENESIS, event) != original
    assert compute_hash("f" * 64, event) != compute_hash(GENESIS, event)


# --- append-only on PostgreSQL -------------------------------------------------------


@pytest.fixture
def pg(app):
    if not is_postgres():
        pytest.skip("the append-only trigger exists on PostgreSQL only")


def _refused(sql: str, **params: object) -> None:
    with pytest.raises(sa.exc.DBAPIError, match="append-only"), db.session.begin_nested():
        db.session.execute(sa.text(sql), params)


def _unsealed_row() -> int:
    event = AuditEvent(
        occurred_at=utcnow(),
        actor="someone",
        tag="test:unsealed",
        outcome="success",
        changed_fields=[],
    )
    db.session.add(event)
    db.session.flush()
    return event.id


@pytest.mark.postgres
def test_trigger_refuses_editing_a_sealed_entry(pg, make):
    event_id = _chain(make, 1)[0][0]
    _refused("UPDATE audit_events SET actor = 'mallory' WHERE id = :id", id=event_id)
    _refused("UPDATE audit_events SET hash = :h WHERE id = :id", h="0" * 64, id=event_id)
    _refused("UPDATE audit_events SET seq = NULL, hash = NULL WHERE id = :id", id=event_id)


@pytest.mark.postgres
def test_trigger_refuses_editing_an_unsealed_entry(pg, make):
    event_id = _unsealed_row()
    _refused("UPDATE audit_events SET tag = 'forged' WHERE id = :id", id=event_id)
    _refused(  # sealing that also changes content
        "UPDATE audit_events SET seq = 999999, hash = :h, actor = 'x' WHERE id = :id",
        h="0" * 64,
        id=event_id,
    )


@pytest.mark.postgres
def test_trigger_refuses_delete_and_truncate(pg, make):
    event_id = _chain(make, 1)[0][0]
    _refused("DELETE FROM audit_events WHERE id = :id", id=event_id)
    _refused("TRUNCATE audit_events")
    assert db.session.get(AuditEvent, event_id) is not None


@pytest.mark.postgres
def test_trigger_allows_sealing(pg, make):
    event_id = _unsealed_row()
    assert audit.seal_all() >= 1
    db.session.expire_all()
    sealed = db.session.get(AuditEvent, event_id)
    assert sealed.seq is not None and sealed.hash == compute_hash(sealed.prev_hash, sealed)


# --- concurrent writers (PostgreSQL, real commits) -----------------------------------

THREADS, WRITES = 8, 25


@pytest.mark.no_rollback
def test_concurrent_writers_cannot_fork_the_chain(app, caplog):
    """On PostgreSQL the advisory lock serialises sealers; on SQLite (the demo database)
    sealers wait for the write lock instead of failing with "database is locked"."""
    tag = f"test:concurrency:{uuid.uuid4().hex[:8]}"
    with app.app_context():
        assert isinstance(db.engine, sa.engine.Engine)  # the real engine, not a test connection
    start = threading.Barrier(THREADS)

    def writer(n: int) -> None:
        with app.app_context():
            actor = Actor.system(f"writer-{n}")
            start.wait(timeout=30)
            for i in range(WRITES):
                with unit_of_work():
                    audit.record(
                        actor=actor, tag=tag, subject_type="writer", subject_id=n * 100 + i
                    )
            db.session.remove()

    with caplog.at_level("WARNING", logger="custodia.audit"), ThreadPoolExecutor(THREADS) as pool:
        for future in [pool.submit(writer, n) for n in range(THREADS)]:
            future.result()
    assert not [r for r in caplog.records if "sealing deferred" in r.getMessage()]

    with app.app_context():
        ours = db.session.scalars(sa.select(AuditEvent).where(AuditEvent.tag == tag)).all()
        assert len(ours) == THREADS * WRITES
        assert all(e.seq is not None and e.hash for e in ours)  # sealed without a sweep
        seqs = db.session.scalars(sa.select(AuditEvent.seq).order_by(AuditEvent.seq)).all()
        assert None not in seqs
        assert seqs == list(range(1, len(seqs) + 1))  # contiguous, no duplicates, no fork
        result = verify_chain()
        assert result.ok, result.describe()
        assert result.checked == len(seqs)
        db.session.remove()


# --- ids and field names only --------------------------------------------------------

AUDIT_COLUMNS = {
    "id",
    "facility_id",
    "detail",  # ids, hashes and a stated purpose only (core.exports)
    "seq",
    "occurred_at",
    "actor_id",
    "actor",
    "tag",
    "subject_type",
    "subject_id",
    "outcome",
    "changed_fields",
    "request_id",
    "client_addr",
    "prev_hash",
    "hash",
    "sealed_at",
}


def test_audit_table_has_no_room_for_content(app):
    assert set(AuditEvent.__table__.columns.keys()) == AUDIT_COLUMNS
    inspected = {c["name"] for c in sa.inspect(db.engine).get_columns("audit_events")}
    assert inspected == AUDIT_COLUMNS


def test_record_keeps_ids_and_field_names(make):
    actor = _actor(make)
    with unit_of_work():
        event_id = audit.record(
            actor=actor,
            tag="core:user:update",
            subject_type="user",
            subject_id=42,
            changed_fields=["full_name", "role", "full_name"],
        )
    db.session.expire_all()
    stored = db.session.get(AuditEvent, event_id)
    assert stored.subject_id == "42" and isinstance(stored.subject_id, str)
    assert stored.changed_fields == ["full_name", "role"]
    assert (stored.actor_id, stored.actor) == (actor.user_id, actor.username)


def test_a_real_service_audits_names_not_values(make):
    from core.users import update_user

    actor = _actor(make)
    target = make.user()
    update_user(actor=actor, user_id=target.id, full_name="Zebediah Quillfeather")
    [event] = events(request_id=actor.request_id)
    assert event.changed_fields == ["full_name"]
    assert event.subject_id == str(target.id)
    row = db.session.execute(
        sa.select(*AuditEvent.__table__.columns).where(AuditEvent.id == event.id)
    ).one()
    assert "Zebediah" not in json.dumps([str(v) for v in row])


@pytest.mark.no_rollback
def test_background_sealing_seals_soon_after_the_commit(app):
    """AUDIT_SEALING=background: the request does not seal; this process's sealer thread
    does, moments later, and the chain stays intact."""
    import time

    tag = f"test:background:{uuid.uuid4().hex[:8]}"
    app.config["AUDIT_SEALING"] = "background"
    try:
        with app.app_context():
            for n in range(5):
                with unit_of_work():
                    audit.record(actor=Actor.system("bg"), tag=tag, subject_type="t", subject_id=n)
            deadline = time.monotonic() + 15
            while time.monotonic() < deadline:
                db.session.rollback()  # a new snapshot (SQLite keeps the old one otherwise)
                rows = db.session.scalars(sa.select(AuditEvent).where(AuditEvent.tag == tag)).all()
                if len(rows) == 5 and all(r.seq is not None for r in rows):
                    break
                time.sleep(0.05)
            assert len(rows) == 5 and all(r.seq is not None for r in rows)
            assert verify_chain().ok
            db.session.remove()
    finally:
        app.config["AUDIT_SEALING"] = "inline"


def test_unknown_sealing_mode_is_refused():
    from core.config import load_config
    from core.errors import ConfigurationError

    with pytest.raises(ConfigurationError):
        load_config({"AUDIT_SEALING": "later"}, {"SECRET_KEY": "x" * 40})
