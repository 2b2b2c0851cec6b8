"""Alembic environment: the app's metadata, the app's engine; batch mode on SQLite."""

from __future__ import annotations

from contextlib import contextmanager

from alembic import context

import core.models  # noqa: F401  (register tables)
import custody.tables  # noqa: F401
import health.fhir.models  # noqa: F401
from core.audit import AuditEvent  # noqa: F401
from core.db import UTCDateTime, db
from core.events import OutboxEvent  # noqa: F401


def _include_object(obj, name, type_, reflected, compare_to):
    return not (type_ == "table" and name == "alembic_version")


def _render_item(type_, obj, autogen_context):
    """Render our UTC type as plain DateTime(timezone=True): revisions import no app code."""
    if type_ == "type" and isinstance(obj, UTCDateTime):
        return "sa.DateTime(timezone=True)"
    return False


@contextmanager
def _sqlite_foreign_keys_off(connection):
    """SQLite alters a table by rebuilding it (batch mode): copy, DROP the old table,
    rename the copy. With foreign keys enforced, that DROP deletes the rows referencing
    the table (ON DELETE CASCADE: every API token when `users` is rebuilt) or fails.
    SQLite's documented procedure: enforcement off for the change (a pragma that only
    works outside a transaction), then `foreign_key_check`, then on again."""
    if connection.dialect.name != "sqlite" or connection.in_transaction():
        yield
        return
    raw = connection.connection.driver_connection
    raw.execute("PRAGMA foreign_keys = OFF")
    try:
        yield
        broken = raw.execute("PRAGMA foreign_key_check").fetchall()
        if broken:
            raise RuntimeError(f"Migration left rows with broken foreign keys: {broken[:5]}")
    finally:
        raw.execute("PRAGMA foreign_keys = ON")


def run_migrations() -> None:
    connection = context.config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    with db.engine.connect() as conn, _sqlite_foreign_keys_off(conn):
        _run(conn)
        conn.commit()


def _run(connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=db.metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
        include_object=_include_object,
        render_item=_render_item,
        transaction_per_migration=True,
    )
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    raise SystemExit("Offline (SQL script) migrations are not supported; run against a database.")
run_migrations()
