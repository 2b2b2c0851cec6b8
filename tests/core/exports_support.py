"""What the export tests share: an app that also composes the export probe feature
(tests/core/export_probe.py), on the run's database, and reading PDFs back."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator

from flask import Flask

from core import migrate
from core.config import FEATURES
from core.db import db
from tests.conftest import make_app

PROBE = "tests.core.export_probe"


def probe_app(database_url: str, **overrides: object) -> Iterator[Flask]:
    application = make_app(database_url, FEATURES=(*FEATURES, PROBE), **overrides)
    with application.app_context():
        migrate.upgrade("head")
        db.engine.dispose()
    yield application
    with application.app_context():
        db.engine.dispose()


def pdf_text(data: bytes) -> str:
    assert data.startswith(b"%PDF-"), data[:40]
    done = subprocess.run(
        ["pdftotext", "-layout", "-", "-"], input=data, capture_output=True, check=True
    )
    return done.stdout.decode()
