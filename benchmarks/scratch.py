"""A scratch database for one benchmark run: a temporary SQLite file, or a PostgreSQL
database created next to the one `url` names and dropped by the returned callable."""

from __future__ import annotations

import tempfile
from collections.abc import Callable

import sqlalchemy as sa


def scratch_database(url: str | None, suffix: str) -> tuple[str, Callable[[], None]]:
    if not url:
        folder = tempfile.mkdtemp(prefix="custodia-bench-")
        return f"sqlite:///{folder}/bench.db", lambda: None
    base = sa.engine.make_url(url)
    name = f"{base.database}_bench_{suffix}"
    admin = sa.create_engine(base.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))

    def drop() -> None:
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()

    return base.set(database=name).render_as_string(hide_password=False), drop
