"""The unit of work: one transaction per service call, nested calls join it, callbacks
after commit or after the unit ends, and denials written once outside the rollback."""

from __future__ import annotations

import contextlib

import pytest
import sqlalchemy as sa

from core import audit
from core.access import authorize
from core.db import after_commit, after_unit, db, in_unit_of_work, unit_of_work
from core.errors import Conflict, Forbidden
from core.models import User
from core.permissions import Permission
from tests.helpers import events


def _full_name(user_id: int) -> str:
    db.session.expire_all()
    return db.session.scalar(sa.select(User.full_name).where(User.id == user_id))


def _saved(user: User) -> User:
    """Commit the set-up (in tests: release its savepoint) so a rollback keeps it."""
    db.session.commit()
    return user


def _rename(user_id: int, name: str) -> None:
    db.session.get(User, user_id).full_name = name


def test_outer_unit_commits_and_runs_after_commit_callbacks(make):
    user = make.user()
    ran: list[str] = []
    with unit_of_work():
        _rename(user.id, "Renamed Once")
        after_commit(lambda: ran.append("commit"))
        after_unit(lambda: ran.append("end"))
        assert in_unit_of_work()
        assert ran == []
    assert not in_unit_of_work()
    assert ran == ["end", "commit"]
    assert _full_name(user.id) == "Renamed Once"


def test_exception_rolls_back_and_skips_after_commit(make):
    user = _saved(make.user(full_name="Original Name"))
    ran: list[str] = []
    with pytest.raises(Conflict), unit_of_work():
        _rename(user.id, "Never Saved")
        after_commit(lambda: ran.append("commit"))
        after_unit(lambda: ran.append("end"))
        raise Conflict("stop")
    assert ran == ["end"]
    assert not in_unit_of_work()
    assert _full_name(user.id) == "Original Name"


def test_nested_unit_joins_the_outer_transaction(make):
    user = _saved(make.user(full_name="Original Name"))
    ran: list[str] = []
    with pytest.raises(Conflict), unit_of_work():
        with unit_of_work():
            _rename(user.id, "Inner Change")
            after_commit(lambda: ran.append("inner commit"))
        assert ran == []  # the inner unit did not commit
        raise Conflict("outer fails after the inner unit finished")
    assert ran == []
    assert _full_name(user.id) == "Original Name"


def test_callbacks_outside_a_unit_run_at_once():
    ran: list[str] = []
    after_commit(lambda: ran.append("commit"))
    after_unit(lambda: ran.append("end"))
    assert ran == ["commit", "end"]


def _write_then_authorize(*, actor, user_id: int) -> None:
    """A service that writes (with its audit entry) and only then finds it may not."""
    with unit_of_work():
        _rename(user_id, "Written Before Refusal")
        audit.record(
            actor=actor,
            tag="core:user:update",
            subject_type="user",
            subject_id=user_id,
            changed_fields=["full_name"],
        )
        authorize(actor, Permission.USER_MANAGE, subject_type="user", subject_id=user_id)


def test_denial_inside_a_unit_rolls_back_the_work_and_survives(make):
    officer = make.actor("officer")
    target = _saved(make.user(full_name="Original Name"))
    with pytest.raises(Forbidden) as caught:
        _write_then_authorize(actor=officer, user_id=target.id)
    assert _full_name(target.id) == "Original Name"
    mine = events(actor_id=officer.user_id)
    assert [(e.tag, e.outcome) for e in mine] == [("core:user:manage", "denied")]
    denied = mine[0]
    assert denied.subject_type == "user" and denied.subject_id == str(target.id)
    assert denied.seq is not None and denied.hash  # sealed like any entry
    # The error still carries the draft; writing it again (the HTTP handler does) is a no-op.
    audit.persist_denial(caught.value.audit)
    assert len(events(actor_id=officer.user_id)) == 1


def test_denial_outside_any_unit_is_written_once(make):
    from core.users import UserIn, create_user

    officer = make.actor("officer")
    with pytest.raises(Forbidden):
        create_user(
            actor=officer,
            data=UserIn(username="not.created", role="admin", password="a-long-pass-phrase-7"),
        )
    assert db.session.scalar(sa.select(User.id).where(User.username == "not.created")) is None
    denied = events("core:user:manage", actor_id=officer.user_id)
    assert [e.outcome for e in denied] == ["denied"]


def test_denial_handled_inside_a_unit_is_still_written_once(make):
    officer = make.actor("officer")
    user = _saved(make.user(full_name="Original Name"))
    with unit_of_work():
        _rename(user.id, "Committed Change")
        with contextlib.suppress(Forbidden):
            authorize(officer, Permission.AUDIT_READ, subject_type="audit_event")
        assert not events(actor_id=officer.user_id)  # not yet: written after the unit
    assert _full_name(user.id) == "Committed Change"
    assert [e.tag for e in events(actor_id=officer.user_id)] == ["core:audit:read"]


def test_record_outside_a_unit_is_refused(make):
    with pytest.raises(RuntimeError, match="unit of work"):
        audit.record(actor=make.actor(), tag="core:user:update")
