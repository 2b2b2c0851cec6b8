"""Domain events: subscribers run in the publisher's transaction, and every event is
kept, in order, in the outbox table."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterator
from enum import StrEnum
from typing import ClassVar

import pytest
import sqlalchemy as sa

from core import audit, events
from core.actor import Actor
from core.db import db, unit_of_work
from core.events import (
    Event,
    EventDepthExceeded,
    OutboxEvent,
    PublishOutsideUnitOfWork,
    publish,
    subscribe,
)
from core.models import User
from tests.helpers import events as audit_events


class Colour(StrEnum):
    RED = "red"


class UserRenamed(Event):
    kind = "core.test.user_renamed"
    user_id: int
    at: dt.datetime
    colour: Colour = Colour.RED
    codes: tuple[str, ...] = ()

    def subject(self) -> tuple[str, str]:
        return ("user", str(self.user_id))


class UserNoted(Event):
    kind: ClassVar[str] = "core.test.user_noted"
    user_id: int

    def subject(self) -> tuple[str, str]:
        return ("user", str(self.user_id))

    def payload(self) -> dict[str, events.JSONValue]:
        return {"user": str(self.user_id)}


NOW = dt.datetime(2026, 12, 1, 9, 30, tzinfo=dt.timezone(dt.timedelta(hours=-6)))


@pytest.fixture(autouse=True)
def _no_leftover_subscribers() -> Iterator[None]:
    saved = dict(events._subscribers)
    yield
    events._subscribers.clear()
    events._subscribers.update(saved)


def _outbox() -> list[OutboxEvent]:
    return list(db.session.scalars(sa.select(OutboxEvent).order_by(OutboxEvent.seq)))


def _full_name(user_id: int) -> str | None:
    db.session.expire_all()
    return db.session.scalar(sa.select(User.full_name).where(User.id == user_id))


def _saved(make) -> User:
    user = make.user(full_name="Original Name")
    db.session.commit()  # in tests: releases the set-up's savepoint, so a rollback keeps it
    return user


def _audit_rename(event: UserRenamed) -> None:
    audit.record(
        actor=Actor.system("events"),
        tag="core:test:renamed",
        subject_type="user",
        subject_id=event.user_id,
    )


def test_subscriber_writes_commit_with_the_change(make):
    user = _saved(make)
    subscribe(UserRenamed, _audit_rename)
    with unit_of_work():
        db.session.get(User, user.id).full_name = "New Name"
        publish(UserRenamed(user_id=user.id, at=NOW), request_id="req-12345678")
    assert _full_name(user.id) == "New Name"
    assert [e.subject_id for e in audit_events("core:test:renamed")] == [str(user.id)]
    [row] = _outbox()
    assert (row.kind, row.subject_type, row.subject_id) == (
        "core.test.user_renamed",
        "user",
        str(user.id),
    )
    assert row.payload == {
        "user_id": user.id,
        "at": "2026-12-01T15:30:00+00:00",
        "colour": "red",
        "codes": [],
    }
    assert row.request_id == "req-12345678"
    assert row.occurred_at.tzinfo is not None


def test_failing_subscriber_rolls_back_the_change_and_the_outbox_row(make):
    user = _saved(make)

    def refuse(event: UserRenamed) -> None:
        raise ValueError("subscriber refuses")

    subscribe(UserRenamed, _audit_rename)
    subscribe(UserRenamed, refuse)
    with pytest.raises(ValueError, match="subscriber refuses"), unit_of_work():
        db.session.get(User, user.id).full_name = "Never Saved"
        publish(UserRenamed(user_id=user.id, at=NOW))
    assert _full_name(user.id) == "Original Name"
    assert _outbox() == []
    assert audit_events("core:test:renamed") == []


def test_outbox_rows_keep_the_publishing_order(make):
    user = _saved(make)
    with unit_of_work():
        first = publish(UserRenamed(user_id=user.id, at=NOW, codes=("a", "b")))
        second = publish(UserNoted(user_id=user.id))
    with unit_of_work():
        third = publish(UserNoted(user_id=user.id + 1))
    assert first < second < third
    rows = _outbox()
    assert [(r.seq, r.kind, r.subject_id) for r in rows] == [
        (first, "core.test.user_renamed", str(user.id)),
        (second, "core.test.user_noted", str(user.id)),
        (third, "core.test.user_noted", str(user.id + 1)),
    ]
    assert rows[0].payload["codes"] == ["a", "b"]
    assert rows[1].payload == {"user": str(user.id)}
    assert [r.seq for r in events.outbox(after=first)] == [second, third]


def test_publish_outside_a_unit_of_work_is_refused(app):
    with pytest.raises(PublishOutsideUnitOfWork, match="unit of work"):
        publish(UserNoted(user_id=1))
    assert _outbox() == []


def test_subscribing_twice_runs_the_handler_once(app):
    seen: list[int] = []

    def note(event: UserNoted) -> None:
        seen.append(event.user_id)

    subscribe(UserNoted, note)
    subscribe(UserNoted, note)  # a second app's init_app registers it again
    with unit_of_work():
        publish(UserNoted(user_id=7))
    assert seen == [7]


def test_subscribers_of_a_base_class_see_every_subclass(app):
    seen: list[str] = []
    subscribe(Event, lambda event: seen.append(event.kind))
    with unit_of_work():
        publish(UserNoted(user_id=1))
        publish(UserRenamed(user_id=1, at=NOW))
    assert seen == ["core.test.user_noted", "core.test.user_renamed"]


def test_events_published_by_a_subscriber_are_handled_and_kept_after_their_cause(app):
    seen: list[str] = []

    def follow_up(event: UserRenamed) -> None:
        publish(UserNoted(user_id=event.user_id))

    subscribe(UserRenamed, follow_up)
    subscribe(UserNoted, lambda event: seen.append("noted"))
    with unit_of_work():
        publish(UserRenamed(user_id=3, at=NOW), request_id="req-abcdefgh")
    assert seen == ["noted"]
    rows = _outbox()
    assert [r.kind for r in rows] == ["core.test.user_renamed", "core.test.user_noted"]
    assert [r.request_id for r in rows] == ["req-abcdefgh", "req-abcdefgh"]  # inherited


def test_a_publishing_loop_stops_at_the_depth_limit_and_rolls_back(app):
    def again(event: UserNoted) -> None:
        publish(UserNoted(user_id=event.user_id + 1))

    subscribe(UserNoted, again)
    with pytest.raises(EventDepthExceeded), unit_of_work():
        publish(UserNoted(user_id=1))
    assert _outbox() == []


def test_events_are_frozen_keyword_only_dataclasses():
    event = UserNoted(user_id=1)
    assert dataclasses.is_dataclass(event)
    with pytest.raises(dataclasses.FrozenInstanceError):
        event.user_id = 2  # type: ignore[misc]
    with pytest.raises(TypeError):
        UserNoted(1)  # type: ignore[misc]


def test_an_event_class_needs_a_dotted_kind_kept_out_of_its_fields():
    with pytest.raises(TypeError, match="dotted"):

        class Bad(Event):
            kind = "NoDots"

            def subject(self) -> tuple[str, str]:
                return ("x", "1")

    with pytest.raises(TypeError, match="dotted"):

        class TooLong(Event):
            kind = "core.test." + "x" * 100

            def subject(self) -> tuple[str, str]:
                return ("x", "1")

    with pytest.raises(TypeError, match="ClassVar"):

        class AlsoBad(Event):
            kind: str = "core.test.bad"  # type: ignore[misc]

            def subject(self) -> tuple[str, str]:
                return ("x", "1")


def test_payloads_refuse_what_json_cannot_carry():
    with pytest.raises(TypeError, match="naive"):
        UserRenamed(user_id=1, at=dt.datetime(2026, 1, 1)).payload()
    assert events.json_safe({"when": dt.date(2026, 1, 2), "set": {10, 9}}) == {
        "when": "2026-01-02",
        "set": [9, 10],
    }
    with pytest.raises(TypeError, match="not JSON-safe"):
        events.json_safe(object())


class Oversized(Event):
    kind = "core.test.oversized"

    def subject(self) -> tuple[str, str]:
        return ("user", "9" * 65)


def test_a_subject_too_long_for_the_outbox_is_refused(app):
    with pytest.raises(events.EventError, match="64"), unit_of_work():
        publish(Oversized())
