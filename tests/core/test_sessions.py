"""Sessions and credentials end when they must: logout, a password reset, a role, scope
or active-flag change end every page session of the user at once (a copied cookie in
another browser too); a reset or a change of rights revokes the user's API tokens;
lockout holds under parallel attempts; guessable passwords are refused."""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest
import sqlalchemy as sa

from core import migrate
from core.actor import Actor
from core.auth import LOCKED, LOGIN_FAILED, authenticate, password_problems
from core.db import db
from core.models import User
from core.users import UserIn, create_user, set_password, update_user
from tests.conftest import drop_database, fresh_database, is_postgres, make_app
from tests.helpers import PASSWORD, csrf_token


def _copy_session(source, target) -> None:
    """Another browser holding a copy of the session cookie."""
    cookie = source.get_cookie("custodia_session")
    target.set_cookie(cookie.key, cookie.value, domain=cookie.domain, secure=cookie.secure)


@pytest.fixture
def other_browser(app):
    return app.test_client()


def test_logout_ends_a_copied_session_in_another_browser(client, other_browser, make):
    make.login(client)
    _copy_session(client, other_browser)
    assert other_browser.get("/dashboard").status_code == 200  # the copy works...
    token = csrf_token(client.get("/dashboard").text)
    client.post("/logout", data={"csrf_token": token})
    response = other_browser.get("/dashboard")  # ...until its owner signs out
    assert response.status_code == 302 and "/login" in response.headers["Location"]


@pytest.mark.parametrize(
    "change",
    [
        lambda admin, user: set_password(actor=admin, user_id=user.id, password="new-" + PASSWORD),
        lambda admin, user: update_user(actor=admin, user_id=user.id, role="records"),
        lambda admin, user: update_user(actor=admin, user_id=user.id, is_active=False),
    ],
    ids=["password reset", "role change", "deactivation"],
)
def test_a_reset_or_a_change_of_rights_ends_sessions_and_tokens(client, make, change):
    user = make.user("officer")
    make.login(client, user=user)
    headers = {"Authorization": f"Bearer {make.token(user=user)}"}
    assert client.get("/dashboard").status_code == 200
    assert client.get("/api/v1/facilities", headers=headers).status_code == 200
    change(make.actor("admin"), user)
    assert client.get("/dashboard").status_code == 302
    response = client.get("/api/v1/facilities", headers=headers)
    assert response.status_code == 401 and response.json["message"]


def test_a_name_change_keeps_the_session(client, make):
    user = make.user("officer")
    make.login(client, user=user)
    update_user(actor=make.actor("admin"), user_id=user.id, full_name="A. N. Other")
    assert client.get("/dashboard").status_code == 200


@pytest.mark.parametrize(
    "password",
    ["Summer2026!!", "Password1234!", "qwertyuiop12", "officer.jones2026", "custodia-2026!"],
)
def test_guessable_passwords_are_refused(password):
    assert "This password is too easy to guess." in password_problems(password, "officer.jones")


def test_a_long_random_passphrase_is_accepted():
    assert password_problems("granite-river-table-77", "officer.jones") == []
    assert password_problems(PASSWORD, "someone") == []


# --- lockout under parallel attempts (real commits, one connection per thread) ---------

ATTEMPTS = 24
THRESHOLD = 5


@pytest.fixture(scope="module")
def lockout_app() -> Iterator:
    if not is_postgres():
        pytest.skip("parallel sign-ins are counted under PostgreSQL's row lock")
    url = fresh_database("lockout_race")
    app = make_app(url)
    with app.app_context():
        migrate.upgrade("head")
        create_user(
            actor=Actor.system("test"),
            data=UserIn(username="race.target", full_name="R", role="officer", password=PASSWORD),
        )
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()
    drop_database(url)


def _attempt(app, start: threading.Barrier) -> str | None:
    with app.app_context():
        start.wait(timeout=30)
        result = authenticate(
            username="race.target",
            password="wrong-" + PASSWORD,
            actor=Actor.anonymous("race", "127.0.0.1"),
            threshold=THRESHOLD,
            window=app.config["LOCKOUT_WINDOW"],
        )
        db.session.remove()
        return result.message


@pytest.mark.postgres  # SQLite (development only) has no row locks
@pytest.mark.no_rollback
def test_parallel_wrong_passwords_lock_after_exactly_the_threshold(lockout_app):
    start = threading.Barrier(ATTEMPTS)
    with ThreadPoolExecutor(ATTEMPTS) as pool:
        answers = Counter(pool.map(lambda _: _attempt(lockout_app, start), range(ATTEMPTS)))
    # Each attempt is counted after the one before it (the user's row lock): exactly
    # THRESHOLD were judged, the rest met the lock.
    assert answers == {LOGIN_FAILED: THRESHOLD - 1, LOCKED: ATTEMPTS - THRESHOLD + 1}, answers
    with lockout_app.app_context():
        user = db.session.scalar(sa.select(User).where(User.username == "race.target"))
        assert user.failed_logins == THRESHOLD and user.locked_until is not None
        db.session.remove()
