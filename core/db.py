"""Database plumbing: the declarative base, shared column types and the unit of work.

Services open one unit of work per public call; everything inside it (the change and
its audit entry) commits together or not at all. Nested calls join the outer unit.
"""

from __future__ import annotations

import contextvars
import datetime as dt
import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager
from enum import StrEnum
from typing import Annotated, Any, cast

import psycopg
import sqlalchemy as sa
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import DeclarativeBase, Session, mapped_column

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(sa.types.TypeDecorator[dt.datetime]):
    """A timezone-aware UTC timestamp on every backend.

    SQLite has no time zone type and hands back naive values; this type refuses naive
    input (a naive time is a bug: we cannot know its zone) and always returns UTC.
    """

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: sa.Dialect) -> Any:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given for a UTC timestamp column")
        value = value.astimezone(dt.UTC)
        if dialect.name == "sqlite":
            return value.replace(tzinfo=None)
        return value

    def process_result_value(self, value: dt.datetime | None, dialect: sa.Dialect) -> Any:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=dt.UTC)
        return value.astimezone(dt.UTC)


def one_of(column: str, enum: type[StrEnum]) -> str:
    """CHECK constraint text: `column` holds one of the enum's values."""
    return f"{column} IN ({', '.join(repr(m.value) for m in enum)})"


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


# A JSON document: JSONB on PostgreSQL (indexable, compact), JSON text on SQLite.
JSON_DOCUMENT = sa.JSON().with_variant(JSONB(), "postgresql")
MAX_ID = 2**31 - 1  # ids are INTEGER columns: a larger number names no row

intpk = Annotated[int, mapped_column(sa.Integer, primary_key=True)]
str_code = Annotated[str, mapped_column(sa.String(32))]
str_name = Annotated[str, mapped_column(sa.String(200))]
timestamp = Annotated[dt.datetime, mapped_column(UTCDateTime())]
created_at = Annotated[
    dt.datetime, mapped_column(UTCDateTime(), default=utcnow, server_default=sa.func.now())
]


class Base(DeclarativeBase):
    registry = sa.orm.registry(
        metadata=sa.MetaData(naming_convention=NAMING_CONVENTION),
        type_annotation_map={dt.datetime: UTCDateTime()},
    )


# expire_on_commit=False: what a unit of work wrote stays readable after its commit, so
# a response is built from what the transaction returned, never from a read after the
# commit (a connection lost right after a commit must not turn a committed write into
# an error). A unit that must see other writers' changes locks and refreshes its rows
# (`lock_for_update` then `session.refresh`).
db = SQLAlchemy(model_class=Base, session_options={"expire_on_commit": False})

# What says "the database cannot be reached now" (down, restarting, a dropped or
# terminated connection, no connection free in the pool), as opposed to a request the
# database refused (integrity, data) or a bug.
UNAVAILABLE = (
    sa.exc.OperationalError,
    sa.exc.InterfaceError,
    sa.exc.DisconnectionError,
    sa.exc.TimeoutError,  # the pool's: no connection came free in time
    psycopg.OperationalError,
    psycopg.InterfaceError,
)


# SQLite's driver raises OperationalError for mistakes in a statement too: only these
# mean the file cannot be used now.
SQLITE_UNAVAILABLE = ("unable to open", "database is locked", "disk i/o error", "is full")


def is_unavailable(err: BaseException | None) -> bool:
    """Whether `err` (or the error it was raised from) means the database is unavailable."""
    seen = 0
    while err is not None and seen < 5:
        if isinstance(err, sa.exc.DBAPIError) and err.connection_invalidated:
            return True
        if isinstance(err, UNAVAILABLE):
            return not _sqlite_statement_error(err)
        err, seen = err.__cause__, seen + 1
    return False


def _sqlite_statement_error(err: BaseException) -> bool:
    original = err.orig if isinstance(err, sa.exc.DBAPIError) else err
    if not isinstance(original, sqlite3.Error):
        return False
    text = str(original).lower()
    return not any(marker in text for marker in SQLITE_UNAVAILABLE)


@sa.event.listens_for(sa.engine.Engine, "connect")
def _sqlite_connect(dbapi_connection: Any, _record: Any) -> None:
    """SQLite: enforce foreign keys, wait on locks, and let SQLAlchemy own transactions.

    pysqlite defers BEGIN until the first write, so a SAVEPOINT can silently become the
    outermost transaction and RELEASE would commit it. Turning the driver's own
    transaction handling off and emitting BEGIN ourselves makes SAVEPOINT and rollback
    behave as on PostgreSQL.
    """
    if type(dbapi_connection).__module__.startswith("sqlite3"):
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.execute("PRAGMA busy_timeout = 15000")  # writers queue; a loaded machine is slow
        cursor.execute("PRAGMA journal_mode = WAL")  # readers do not wait for the writer
        cursor.close()


IDLE_PING_SECONDS = 10.0


def ping_when_idle(engine: sa.Engine, idle_seconds: float = IDLE_PING_SECONDS) -> None:
    """Check a pooled connection before use only if it sat idle `idle_seconds` or more
    (SQLAlchemy's pessimistic disconnect handling, without a round trip per checkout
    under load). A dead one is replaced; the pool then reconnects transparently."""

    @sa.event.listens_for(engine, "checkout")
    def _checkout(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
        last = record.info.get("checked_in_at")
        if last is not None and time.monotonic() - last < idle_seconds:
            return
        try:
            alive = engine.dialect.do_ping(dbapi_connection)
        except Exception as err:
            raise sa.exc.DisconnectionError("connection lost while idle") from err
        if not alive:
            raise sa.exc.DisconnectionError("connection lost while idle")

    @sa.event.listens_for(engine, "checkin")
    def _checkin(_dbapi_connection: Any, record: Any) -> None:
        record.info["checked_in_at"] = time.monotonic()


@sa.event.listens_for(sa.engine.Engine, "begin")
def _sqlite_begin(connection: sa.engine.Connection) -> None:
    if connection.dialect.name == "sqlite":
        connection.exec_driver_sql("BEGIN")


_in_unit: contextvars.ContextVar[bool] = contextvars.ContextVar("in_unit_of_work", default=False)
_after_commit: contextvars.ContextVar[list[Any] | None] = contextvars.ContextVar(
    "after_commit", default=None
)
_after_unit: contextvars.ContextVar[list[Any] | None] = contextvars.ContextVar(
    "after_unit", default=None
)


@contextmanager
def unit_of_work() -> Iterator[sa.orm.Session]:
    """One transaction for one service call.

    The outermost unit commits (or rolls back on any exception); nested units only
    flush, so a service calling another service stays in one transaction. Callbacks
    registered with `after_unit` run once the outer unit has ended, committed or rolled
    back (before its exception propagates); those registered with `after_commit` run
    only once it has committed.
    """
    session = cast(Session, db.session)  # the scoped session proxies the request's one
    if _in_unit.get():
        yield session
        session.flush()
        return
    _end_stale_read(session)
    token = _in_unit.set(True)
    on_commit: list[Any] = []
    on_end: list[Any] = []
    commit_token = _after_commit.set(on_commit)
    end_token = _after_unit.set(on_end)
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        _in_unit.reset(token)
        _after_commit.reset(commit_token)
        _after_unit.reset(end_token)
        for callback in on_end:
            callback()
    for callback in on_commit:
        callback()


@contextmanager
def reading() -> Iterator[sa.Connection]:
    """A connection for reads outside any unit of work (inside one: the unit's own, to
    see what it wrote). On PostgreSQL it is in autocommit: each statement reads its own
    snapshot and costs one round trip, with no BEGIN and ROLLBACK around it (the hot
    read paths: one statement each)."""
    bind = db.engine
    if _in_unit.get() or not isinstance(bind, sa.Engine):  # (tests bind one connection)
        yield db.session.connection()
        return
    with _connect(bind) as conn:
        yield conn


def _connect(engine: sa.Engine) -> sa.Connection:
    """A pooled connection, in autocommit on PostgreSQL."""
    conn = engine.connect()
    if engine.dialect.name == "postgresql":
        conn = conn.execution_options(isolation_level="AUTOCOMMIT")
    return conn


def is_autocommit(connection: sa.Connection) -> bool:
    return connection.get_execution_options().get("isolation_level") == "AUTOCOMMIT"


@contextmanager
def planned_for_values(connection: Any) -> Iterator[None]:
    """Statements run in this block are planned for their actual values every time.

    psycopg prepares a statement on its 5th execution, and PostgreSQL may then settle on
    a generic plan; for FHIR searches (patient, code, date as parameters) a generic plan
    was up to 6x slower (49 ms against 8 ms at 200,000 resources). Turning psycopg's
    prepares off for the block (a client-side setting, no round trip) keeps every other
    statement's cheap generic plans. `connection`: a Session or a Connection."""
    raw = _driver_connection(connection)
    if not hasattr(raw, "prepare_threshold"):  # not psycopg (SQLite)
        yield
        return
    before = raw.prepare_threshold
    raw.prepare_threshold = None
    try:
        yield
    finally:
        raw.prepare_threshold = before


def _driver_connection(connection: Any) -> Any:
    conn = connection if isinstance(connection, sa.Connection) else connection.connection()
    return conn.connection.driver_connection


@contextmanager
def autocommit() -> Iterator[sa.Connection]:
    """A connection outside the session on which each statement is its own transaction
    (PostgreSQL: autocommit, no BEGIN/COMMIT round trips; SQLite: committed on exit).
    For one self-contained write outside any unit of work. (The tests bind one
    connection for everything: there it is a unit of work.)"""
    bind = db.engine
    if not isinstance(bind, sa.Engine):
        with unit_of_work() as session:
            yield session.connection()
        return
    with _connect(bind) as conn:
        yield conn
        conn.commit()  # SQLite (in autocommit there is nothing left to commit)


def _end_stale_read(scoped: Any) -> None:
    """SQLite: a unit must not inherit a read transaction begun by reads before it (a
    permission check, say). In WAL mode such a transaction keeps an old snapshot, and
    its first write fails at once with "database is locked" if another writer committed
    since. Ending it (nothing is pending) lets the unit take the write lock and wait."""
    session = scoped()
    if (
        session.in_transaction()
        and not (session.new or session.dirty or session.deleted)
        and session.get_bind().dialect.name == "sqlite"
    ):
        session.commit()


def after_commit(callback: Any) -> None:
    """Run `callback` after the current outer unit of work commits (now if none is open)."""
    callbacks = _after_commit.get()
    if callbacks is None:
        callback()
    elif callback not in callbacks:
        callbacks.append(callback)


def after_unit(callback: Any) -> None:
    """Run `callback` once the current outer unit of work ends, whether it committed or
    rolled back (now if none is open). Each callback runs outside any unit."""
    callbacks = _after_unit.get()
    if callbacks is None:
        callback()
    elif callback not in callbacks:
        callbacks.append(callback)


def in_unit_of_work() -> bool:
    return _in_unit.get()


def lock_for_update(session: sa.orm.Session, model: type[Any], ids: list[int]) -> None:
    """Serialise writers on these rows until the transaction ends. PostgreSQL: row locks
    (`SELECT … FOR UPDATE`, in id order so two writers cannot deadlock). SQLite: take the
    database's write lock now (a write that touches no row does), before the transaction
    reads anything a concurrent writer could make stale."""
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        table = model.__table__
        session.execute(
            sa.select(table.c.id).where(table.c.id.in_(ids)).order_by(table.c.id).with_for_update()
        )
    elif dialect == "sqlite":
        session.execute(sa.text(f"UPDATE {model.__tablename__} SET id = id WHERE 0 = 1"))  # noqa: S608
