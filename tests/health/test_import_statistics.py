"""`custodia fhir import` leaves the planner statistics of every FHIR table fresh: ANALYZE
runs on them once the files are in (pg_stat_user_tables on PostgreSQL, sqlite_stat1 on
SQLite)."""

from __future__ import annotations

import sqlalchemy as sa

from core import migrate
from core.cli import main
from core.db import db
from health.fhir.maintenance import FHIR_TABLES
from tests.conftest import drop_database, fresh_database, make_app
from tests.helpers import fhir_samples

SYNTHEA = sorted((fhir_samples() / "synthea-r4-bundles").glob("*.json"))[:2]


def _analyzed(connection: sa.Connection) -> dict[str, bool]:
    """Per FHIR table: are its statistics as fresh as its rows?"""
    if connection.dialect.name == "postgresql":
        rows = connection.execute(
            sa.text(
                "SELECT relname, last_analyze IS NOT NULL AND n_mod_since_analyze = 0 "
                "FROM pg_stat_user_tables WHERE relname IN :names"
            ).bindparams(sa.bindparam("names", expanding=True)),
            {"names": list(FHIR_TABLES)},
        ).all()
        return {name: bool(fresh) for name, fresh in rows}
    exists = "SELECT 1 FROM sqlite_master WHERE name = 'sqlite_stat1'"
    names: set[str] = set()
    if connection.execute(sa.text(exists)).first():
        names = set(connection.execute(sa.text("SELECT tbl FROM sqlite_stat1")).scalars())
    return {name: name in names for name in FHIR_TABLES}


def test_import_analyzes_every_fhir_table():
    url = fresh_database("import_stats")
    application = make_app(url)
    try:
        with application.app_context():
            migrate.upgrade("head")
            with db.engine.connect() as connection:
                before = _analyzed(connection)
            result = application.test_cli_runner().invoke(
                main, ["fhir", "import", *map(str, SYNTHEA)]
            )
            assert result.exit_code == 0, result.output
            with db.engine.connect() as connection:
                after = _analyzed(connection)
                loaded = connection.execute(sa.text("SELECT count(*) FROM fhir_idx_reference"))
                assert loaded.scalar_one() > 0
            db.session.remove()
            db.engine.dispose()
    finally:
        drop_database(url)
    assert set(after) == set(FHIR_TABLES)
    assert not all(before.values())  # a fresh database has no such statistics yet
    assert after == {name: True for name in FHIR_TABLES}
