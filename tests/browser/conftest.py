"""Browser tests: the real app on a live server, driven by Debian's chromium.

A session-wide server runs the app in a thread against its own database, built by
`upgrade head` and filled by the demo seed, exactly what `make run` serves. Tests sign
in with the demo accounts. Playwright's own browsers cannot be downloaded here, so we
launch `/usr/bin/chromium` (ENVIRONMENT.md).
"""

from __future__ import annotations

import os
import shutil
import threading
from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask
from werkzeug.serving import make_server

from core import migrate
from core.actor import Actor
from core.db import db
from tests.conftest import drop_database, fresh_database, make_app

CHROMIUM = os.environ.get("CUSTODIA_CHROMIUM", "/usr/bin/chromium")
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "tests/browser/" in str(item.fspath).replace(os.sep, "/"):
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def live_app() -> Iterator[Flask]:
    from custody.seed import seed_demo

    url = fresh_database("browser")
    application = make_app(url)
    with application.app_context():
        migrate.upgrade("head")
        seed_demo(actor=Actor.system("browser-tests"), detainees=20, seed=7)
        db.session.remove()
    yield application
    with application.app_context():
        db.engine.dispose()
    drop_database(url)


def _static_read_whole(app: Any) -> Any:
    """The live server's static files are read whole and closed before sending: when
    chromium drops a connection mid-transfer (it does, on navigation), werkzeug's
    development server would leave the open file to the collector, and its
    ResourceWarning would fail whichever test runs next (filterwarnings = error)."""

    def serve(environ: dict, start_response: Any) -> Any:
        result = app(environ, start_response)
        if not environ.get("PATH_INFO", "").startswith("/static/"):
            return result
        try:
            return [b"".join(result)]
        finally:
            if hasattr(result, "close"):
                result.close()

    return serve


@pytest.fixture(scope="session")
def base_url(live_app: Flask) -> Iterator[str]:
    server = make_server("127.0.0.1", 0, _static_read_whole(live_app), threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=10)


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    if not shutil.which(CHROMIUM):
        message = f"no chromium at {CHROMIUM} (apt-get install chromium)"
        if os.environ.get("CUSTODIA_REQUIRE_BROWSER"):
            pytest.fail(message)  # CI installs it: a skip must not pass for success
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser: object, base_url: str) -> Iterator[object]:
    """A fresh browser context per test (its own cookies), failing on console errors:
    a CSP violation or a missing asset shows up there."""
    context = browser.new_context(base_url=base_url)  # type: ignore[attr-defined]
    tab = context.new_page()
    problems: list[str] = []

    def on_console(message: object) -> None:
        text = message.text  # type: ignore[attr-defined]
        # A 4xx page (a refused sign-in) is logged as "Failed to load resource"; the
        # responses are checked below instead, where we know what kind they were.
        if message.type == "error" and "Failed to load resource" not in text:  # type: ignore[attr-defined]
            problems.append(text)

    def on_response(response: object) -> None:
        status = response.status  # type: ignore[attr-defined]
        document = response.request.resource_type == "document"  # type: ignore[attr-defined]
        if status >= 500 or (status >= 400 and not document):  # a missing asset too
            problems.append(f"{status} {response.url}")  # type: ignore[attr-defined]

    tab.on("console", on_console)
    tab.on("pageerror", lambda e: problems.append(str(e)))
    tab.on("response", on_response)
    tab.problems = problems  # type: ignore[attr-defined]
    yield tab
    context.close()
    assert not problems, "browser console errors:\n" + "\n".join(problems)
