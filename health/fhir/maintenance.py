"""Planner statistics after a bulk load: `analyze()` runs `ANALYZE` on the FHIR tables
(the current rows, the history and every search index), so the first searches after an
import are planned on the real row counts instead of an empty table's. Autovacuum would
get there too, but only after its threshold and its nap: a patient-scoped `_sort=-date`
search took 145 s before a manual ANALYZE and 0.3 s after (issue 12). SQLite's ANALYZE
fills `sqlite_stat1`; it is as cheap there."""

from __future__ import annotations

import sqlalchemy as sa

from core.db import db, unit_of_work
from health.fhir.models import INDEX_TABLES, table_of
from health.fhir.store import HISTORY, RESOURCES

# Every table a FHIR write fills, in a fixed order (names from the models, never input).
FHIR_TABLES: tuple[str, ...] = tuple(
    dict.fromkeys(
        [RESOURCES.name, HISTORY.name] + [table_of(m).name for m in INDEX_TABLES.values()]
    )
)


def analyze(tables: tuple[str, ...] = FHIR_TABLES) -> None:
    """ANALYZE each table in one unit of work of its own, after the load has been
    committed (PostgreSQL allows ANALYZE inside a transaction; VACUUM it would not)."""
    with unit_of_work():
        for table in tables:
            db.session.execute(sa.text(f'ANALYZE "{table}"'))
