"""Domain events: one part of the system reacts to another's change in the same
transaction, and partners read every event, in order, from an outbox table.

A writer publishes inside its unit of work::

    class BookingOpened(Event):  # subclassing makes a frozen, keyword-only dataclass
        kind = "custody.booking.opened"
        booking_id: int
        facility_code: str

        def subject(self) -> tuple[str, str]:
            return ("booking", str(self.booking_id))

    with unit_of_work():
        ...
        publish(BookingOpened(booking_id=booking.id, facility_code="ELP"))

`publish` appends the event to the `events` outbox table, then runs every subscriber
of the event's class (and of its base classes) synchronously, in the same transaction:
their writes commit with the change, and an exception in one propagates, so the whole
unit, outbox row included, rolls back. Do not catch a subscriber's exception inside the
unit and carry on: the outbox row stays. Events published by a subscriber are handled
the same way, up to `MAX_DEPTH` levels deep.

Features register subscribers in their `init_app` with `subscribe`; registering the same
handler again changes nothing (tests create many apps). Subscribers are kept per
process, not per app.

**Payloads never carry health content**, nor names or free text: ids, codes, types,
states and times only. The outbox is read by partners who may see no clinical data.

A partner feed reads rows by `seq`. Identity values are handed out when a row is
inserted, not when its transaction commits, so on PostgreSQL a row with a lower `seq`
can become visible after one with a higher `seq`. A feed that remembers "the last seq
I read" must therefore not read up to the newest row: stay behind the rows of
transactions still running (for example read only rows older than a few seconds, or
below the lowest `seq` still uncommitted).
"""

from __future__ import annotations

import abc
import dataclasses
import datetime as dt
import decimal
import enum
import math
import re
import threading
import uuid
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any, ClassVar, TypeAlias, TypeVar, cast, dataclass_transform

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from core.db import JSON_DOCUMENT, Base, db, in_unit_of_work, utcnow

JSONValue: TypeAlias = "str | int | float | bool | list[JSONValue] | dict[str, JSONValue] | None"

KIND = re.compile(r"[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+")
MAX_DEPTH = 8  # an event handled by a subscriber that publishes … this many levels deep


class EventError(RuntimeError):
    """Events used the wrong way: a programming error, not bad input."""


class PublishOutsideUnitOfWork(EventError):
    """`publish` was called with no unit of work open."""


class EventDepthExceeded(EventError):
    """Subscribers kept publishing events beyond `MAX_DEPTH` levels (a loop?)."""


# --- events --------------------------------------------------------------------------


@dataclass_transform(kw_only_default=True, frozen_default=True)
class Event(abc.ABC):
    """Base of every domain event: each subclass is made a frozen, keyword-only
    dataclass (do not decorate it yourself) and declares

    - `kind`: a class-level dotted name, `<feature>.<thing>.<what happened>`, e.g.
      `custody.booking.opened` (plain `kind = "..."` or `kind: ClassVar[str] = "..."`);
    - `subject()`: (subject type, subject id) the event is about;
    - optionally `payload()`: the JSON stored in the outbox; by default every field,
      made JSON-safe (`json_safe`). Ids, codes, types and times only: never health
      content, names or free text.
    """

    kind: ClassVar[str]

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        kind = cls.__dict__.get("kind")
        if kind is not None and not (
            isinstance(kind, str) and len(kind) <= 100 and KIND.fullmatch(kind)
        ):
            raise TypeError(f"{cls.__name__}.kind must be dotted, like custody.booking.opened")
        dataclasses.dataclass(frozen=True, kw_only=True)(cls)
        if any(f.name == "kind" for f in dataclasses.fields(cls)):  # type: ignore[arg-type]
            raise TypeError(f"{cls.__name__}.kind must be a class attribute (ClassVar[str])")

    @abc.abstractmethod
    def subject(self) -> tuple[str, str]:
        """(subject type, subject id) this event is about, e.g. ("booking", "42")."""

    def payload(self) -> dict[str, JSONValue]:
        """What the outbox keeps: every field, JSON-safe. Never health content."""
        values = {f.name: getattr(self, f.name) for f in dataclasses.fields(self)}  # type: ignore[arg-type]
        return {name: json_safe(value) for name, value in values.items()}


def json_safe(value: Any) -> JSONValue:
    """`value` as JSON: aware datetimes as ISO 8601 in UTC, dates ISO, enum members
    their value, tuples, lists and sets lists (sets sorted), dataclasses dicts, Decimal
    and UUID strings. Anything else (a naive datetime, an object) is a TypeError."""
    if isinstance(value, enum.Enum):
        return json_safe(value.value)
    if isinstance(value, float) and not math.isfinite(value):
        raise TypeError("NaN and infinity have no JSON form")
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, dt.datetime):
        if value.tzinfo is None:
            raise TypeError("naive datetime in an event: give it a time zone")
        return value.astimezone(dt.UTC).isoformat()
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, decimal.Decimal | uuid.UUID):
        return str(value)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: json_safe(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, Mapping):
        return {str(json_safe(k)): json_safe(v) for k, v in value.items()}
    if isinstance(value, set | frozenset):
        items = [json_safe(item) for item in value]
        try:
            return sorted(items)  # type: ignore[type-var]
        except TypeError:  # mixed types
            return sorted(items, key=repr)
    if isinstance(value, Sequence) and not isinstance(value, bytes | bytearray):
        return [json_safe(item) for item in value]
    raise TypeError(f"{type(value).__name__} is not JSON-safe in an event payload")


# --- the outbox ----------------------------------------------------------------------


class OutboxEvent(Base):
    """One published event, in publishing order (`seq`): what a partner feed reads."""

    __tablename__ = "events"

    seq: Mapped[int] = mapped_column(
        sa.BigInteger().with_variant(sa.Integer(), "sqlite"), primary_key=True
    )
    occurred_at: Mapped[dt.datetime]
    kind: Mapped[str] = mapped_column(sa.String(100))
    subject_type: Mapped[str] = mapped_column(sa.String(64))
    subject_id: Mapped[str] = mapped_column(sa.String(64))
    payload: Mapped[dict[str, Any]] = mapped_column(JSON_DOCUMENT)
    request_id: Mapped[str | None] = mapped_column(sa.String(64))

    __table_args__ = (sa.Index("ix_events_subject", "subject_type", "subject_id"),)


_TABLE = cast(sa.Table, OutboxEvent.__table__)
_INSERT = sa.insert(_TABLE).returning(_TABLE.c.seq)


def outbox(*, after: int = 0, limit: int = 100) -> list[OutboxEvent]:
    """Outbox rows with `seq` above `after`, oldest first (see the module's note on
    reading a feed while writers are running)."""
    query = sa.select(OutboxEvent).where(OutboxEvent.seq > after).order_by(OutboxEvent.seq)
    return list(db.session.scalars(query.limit(limit)))


# --- subscribing and publishing ------------------------------------------------------

E = TypeVar("E", bound=Event)
Handler: TypeAlias = Callable[[Any], None]

_subscribers: dict[type[Event], tuple[Handler, ...]] = {}
_lock = threading.Lock()
_depth: ContextVar[int] = ContextVar("event_depth", default=0)
_request_id: ContextVar[str | None] = ContextVar("event_request_id", default=None)


def subscribe(event_type: type[E], handler: Callable[[E], None]) -> None:
    """Run `handler(event)` for every published `event_type` (or subclass) event, in
    the publisher's transaction. Registering the same handler again changes nothing."""
    if not (isinstance(event_type, type) and issubclass(event_type, Event)):
        raise EventError(f"subscribe to an Event class, not {event_type!r}")
    with _lock:
        handlers = _subscribers.get(event_type, ())
        if handler not in handlers:
            _subscribers[event_type] = (*handlers, handler)


def unsubscribe(event_type: type[E], handler: Callable[[E], None]) -> None:
    """Forget a subscriber (tests); unknown ones are ignored."""
    with _lock:
        handlers = tuple(h for h in _subscribers.get(event_type, ()) if h != handler)
        _subscribers[event_type] = handlers


@contextmanager
def subscribed(event_type: type[E], handler: Callable[[E], None]) -> Iterator[None]:
    """`handler` subscribed for the duration of the block (tests)."""
    subscribe(event_type, handler)
    try:
        yield
    finally:
        unsubscribe(event_type, handler)


def subscribers(event_type: type[Event]) -> list[Handler]:
    """The handlers an event of `event_type` runs, the most specific class's first."""
    found: list[Handler] = []
    for cls in event_type.__mro__:
        for handler in _subscribers.get(cls, ()):
            if handler not in found:
                found.append(handler)
    return found


def publish(event: Event, *, request_id: str | None = None) -> int:
    """Append `event` to the outbox and run its subscribers, all in the open unit of
    work; returns the outbox row's `seq`. `request_id` (e.g. `actor.request_id`) is
    kept with the row; events published by subscribers inherit it."""
    if not in_unit_of_work():
        raise PublishOutsideUnitOfWork(
            f"publish({type(event).__name__}) needs an open unit of work: "
            "call it inside `with unit_of_work():`"
        )
    if not isinstance(event, Event):
        raise EventError(f"publish an Event, not {type(event).__name__}")
    depth = _depth.get()
    if depth >= MAX_DEPTH:
        raise EventDepthExceeded(
            f"{type(event).__name__}: subscribers published events {MAX_DEPTH} levels deep"
        )
    request_id = request_id or _request_id.get()
    seq = _append(event, request_id)
    depth_token, request_token = _depth.set(depth + 1), _request_id.set(request_id)
    try:
        for handler in subscribers(type(event)):
            handler(event)
    finally:
        _depth.reset(depth_token)
        _request_id.reset(request_token)
    return seq


def _append(event: Event, request_id: str | None) -> int:
    kind = getattr(type(event), "kind", None)
    if not isinstance(kind, str):
        raise EventError(f"{type(event).__name__} declares no kind")
    subject_type, subject_id = (_text(part) for part in event.subject())
    if len(subject_type) > 64 or len(subject_id) > 64:
        raise EventError(f"{type(event).__name__}.subject(): at most 64 characters each")
    row = {
        "occurred_at": utcnow(),
        "kind": kind,
        "subject_type": subject_type,
        "subject_id": subject_id,
        "payload": event.payload(),
        "request_id": request_id,
    }
    return int(db.session.execute(_INSERT, row).scalar_one())


def _text(value: object) -> str:
    return str(value.value) if isinstance(value, enum.Enum) else str(value)
