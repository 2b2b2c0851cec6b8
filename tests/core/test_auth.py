"""Authentication: argon2 passwords and their policy, the sign-in page with its cookie
flags, lockout, idle timeout, safe redirects, logout and CSRF, and facility scope."""

from __future__ import annotations

import datetime as dt
import time
from urllib.parse import urlencode, urlsplit

import pytest
import sqlalchemy as sa

from core.auth import LOCKED, LOGIN_FAILED, check_password, hash_password, password_problems
from core.db import db, utcnow
from core.errors import ValidationFailed
from core.models import User
from tests.helpers import PASSWORD, csrf_token, events, last_event

# --- passwords -----------------------------------------------------------------------


def test_passwords_are_argon2id_hashes():
    hashed = hash_password("a-long-pass-phrase-7")
    assert hashed.startswith("$argon2id$")
    assert "a-long-pass-phrase-7" not in hashed
    assert check_password(hashed, "a-long-pass-phrase-7")
    assert not check_password(hashed, "a-long-pass-phrase-8")
    assert not check_password("not-a-hash", "a-long-pass-phrase-7")


def test_created_user_stores_only_the_argon2_hash(make):
    from core.users import UserIn, create_user

    user = create_user(
        actor=make.actor("admin"),
        data=UserIn(username="new.officer", role="officer", password="a-long-pass-phrase-7"),
    )
    assert user.password_hash.startswith("$argon2id$")
    assert check_password(user.password_hash, "a-long-pass-phrase-7")
    event = last_event("core:user:create", subject_id=str(user.id))
    assert "password_hash" in event.changed_fields


@pytest.mark.parametrize(
    "password,username,problem",
    [
        ("short-7", "jdoe", "at least 12"),
        ("password1234", "jdoe", "too easy"),
        ("aaaaaaaaaaaaaaaa", "jdoe", "too easy"),
        ("jdoe-likes-long-walks", "jdoe", "username"),
        ("x" * 129, "jdoe", "at most 128"),
    ],
)
def test_password_policy_rejects(password, username, problem):
    assert any(problem in p for p in password_problems(password, username))


def test_password_policy_accepts_a_long_unrelated_phrase():
    assert password_problems("quiet-river-stone-42", "jdoe") == []


def test_create_user_refuses_a_weak_password(make):
    from core.users import UserIn, create_user

    with pytest.raises(ValidationFailed) as caught:
        create_user(
            actor=make.actor("admin"),
            data=UserIn(username="weak.user", role="officer", password="weak.user-1234"),
        )
    assert "password" in caught.value.errors
    assert db.session.scalar(sa.select(User.id).where(User.username == "weak.user")) is None


# --- sign-in page --------------------------------------------------------------------


def _attempt(client, username: str, password: str, next_url: str | None = None):
    page = client.get("/login")
    query = "?" + urlencode({"next": next_url}) if next_url is not None else ""
    return client.post(
        "/login" + query,
        data={"username": username, "password": password, "csrf_token": csrf_token(page.text)},
    )


def _session_cookie(response) -> str:
    cookies = [
        c for c in response.headers.getlist("Set-Cookie") if c.startswith("custodia_session=")
    ]
    assert len(cookies) == 1, response.headers.getlist("Set-Cookie")
    return cookies[0]


def test_sign_in_redirects_and_sets_a_locked_down_cookie(client, make):
    user = make.user()
    response = _attempt(client, user.username, PASSWORD)
    assert response.status_code == 302
    assert urlsplit(response.location).path == "/dashboard"
    flags = [part.strip().lower() for part in _session_cookie(response).split(";")]
    assert "secure" in flags and "httponly" in flags and "samesite=lax" in flags
    assert client.get("/dashboard").status_code == 200
    assert last_event("core:auth:login", subject_id=str(user.id)).outcome == "success"


def test_wrong_password_is_401_with_a_message(client, make):
    user = make.user()
    response = _attempt(client, user.username, "not-the-password-1")
    assert response.status_code == 401
    assert LOGIN_FAILED in response.text
    assert client.get("/dashboard").status_code == 302  # not signed in
    assert last_event("core:auth:login", subject_id=str(user.id)).outcome == "denied"


def test_unknown_user_gets_the_same_message(client):
    response = _attempt(client, "nobody.here", "not-the-password-1")
    assert response.status_code == 401
    assert LOGIN_FAILED in response.text


def test_deactivated_user_cannot_sign_in(client, make):
    user = make.user(is_active=False)
    response = _attempt(client, user.username, PASSWORD)
    assert response.status_code == 401


def _fail(client, user: User, times: int):
    response = None
    for _ in range(times):
        response = _attempt(client, user.username, "not-the-password-1")
        assert response.status_code == 401
    return response


def _fresh(user: User) -> User:
    db.session.expire_all()
    return db.session.get(User, user.id)


def test_five_failures_lock_the_account_and_are_audited(client, make):
    user = make.user()
    assert LOGIN_FAILED in _fail(client, user, 4).text
    assert LOCKED in _fail(client, user, 1).text
    response = _attempt(client, user.username, PASSWORD)
    assert response.status_code == 401 and LOCKED in response.text
    [lockout] = events("core:auth:lockout", subject_id=str(user.id))
    assert lockout.outcome == "denied" and lockout.changed_fields == ["locked_until"]
    assert _fresh(user).locked_until > utcnow()


def test_failures_within_the_window_lock(client, make):
    user = make.user()
    _fail(client, user, 4)
    _fresh(user).first_failed_at = utcnow() - dt.timedelta(minutes=14)
    db.session.flush()
    assert LOCKED in _fail(client, user, 1).text


def test_failures_spread_over_more_than_15_minutes_do_not_lock(client, make):
    user = make.user()
    _fail(client, user, 4)
    _fresh(user).first_failed_at = utcnow() - dt.timedelta(minutes=16)
    db.session.flush()
    assert LOGIN_FAILED in _fail(client, user, 1).text
    assert _fresh(user).failed_logins == 1 and _fresh(user).locked_until is None
    assert _attempt(client, user.username, PASSWORD).status_code == 302
    assert events("core:auth:lockout", subject_id=str(user.id)) == []


def test_an_expired_lock_no_longer_refuses(client, make):
    user = make.user()
    _fail(client, user, 5)
    locked = _fresh(user)
    locked.first_failed_at = utcnow() - dt.timedelta(minutes=31)
    locked.locked_until = utcnow() - dt.timedelta(minutes=1)
    db.session.flush()
    assert LOGIN_FAILED in _fail(client, user, 1).text  # an ordinary failure, not "locked"
    assert _attempt(client, user.username, PASSWORD).status_code == 302


def test_unlock_user_clears_the_lock(client, make):
    from core.users import unlock_user

    user = make.user()
    _fail(client, user, 5)
    admin = make.actor("admin")
    unlock_user(actor=admin, user_id=user.id)
    assert _fresh(user).locked_until is None and _fresh(user).failed_logins == 0
    assert _attempt(client, user.username, PASSWORD).status_code == 302
    event = last_event("core:user:unlock", subject_id=str(user.id))
    assert event.actor_id == admin.user_id


# --- idle timeout --------------------------------------------------------------------


def _set_last_seen(client, seconds_ago: int) -> None:
    with client.session_transaction() as session:
        session["last_seen"] = int(time.time()) - seconds_ago


def test_idle_for_15_minutes_signs_out(client, make):
    make.login(client)
    _set_last_seen(client, 16 * 60)
    response = client.get("/dashboard")
    assert response.status_code == 302
    assert urlsplit(response.location).path == "/login"
    assert client.get("/dashboard").status_code == 302  # the session is gone


def test_activity_keeps_the_session_alive(client, make):
    make.login(client)
    _set_last_seen(client, 14 * 60)
    assert client.get("/dashboard").status_code == 200
    with client.session_transaction() as session:
        assert session["last_seen"] >= int(time.time()) - 5  # refreshed by the request
    _set_last_seen(client, 14 * 60)
    assert client.get("/dashboard").status_code == 200


# --- redirects, logout, CSRF ---------------------------------------------------------


def _stays_on_site(location: str) -> bool:
    """Read the Location as a browser does (tabs and newlines dropped, backslash = slash)."""
    seen = location.replace("\t", "").replace("\n", "").replace("\r", "").replace("\\", "/")
    parts = urlsplit(seen)
    return seen.startswith("/") and not parts.scheme and not parts.netloc


def test_next_to_another_host_goes_to_the_dashboard(client, make):
    user = make.user()
    response = _attempt(client, user.username, PASSWORD, next_url="//evil.example")
    assert response.status_code == 302
    assert response.location == "/dashboard"


@pytest.mark.parametrize(
    "target",
    [
        "//evil.example",
        "https://evil.example/dashboard",
        "/\\evil.example",
        "/\t/evil.example",
        "\\\\evil.example",
        "javascript:alert(1)",
    ],
)
def test_next_never_leaves_the_site(client, make, target):
    user = make.user()
    response = _attempt(client, user.username, PASSWORD, next_url=target)
    assert response.status_code == 302
    assert _stays_on_site(response.location), response.location


def test_next_within_the_site_is_followed(client, make):
    user = make.user()
    response = _attempt(client, user.username, PASSWORD, next_url="/facilities")
    assert response.location == "/facilities"


def test_logout_needs_post_with_csrf_and_is_audited(client, make):
    user = make.login(client)
    assert client.get("/logout").status_code == 405
    assert client.post("/logout").status_code == 400
    assert client.get("/dashboard").status_code == 200  # still signed in
    token = csrf_token(client.get("/dashboard").text)
    response = client.post("/logout", data={"csrf_token": token})
    assert response.status_code == 302 and urlsplit(response.location).path == "/login"
    assert client.get("/dashboard").status_code == 302
    event = last_event("core:auth:logout", subject_id=str(user.id))
    assert event.actor_id == user.id and event.outcome == "success"


def test_login_without_csrf_token_is_400(client, make):
    user = make.user()
    response = client.post("/login", data={"username": user.username, "password": PASSWORD})
    assert response.status_code == 400
    assert client.get("/dashboard").status_code == 302
    assert events("core:auth:login", subject_id=str(user.id)) == []


# --- facility scope ------------------------------------------------------------------


def test_scoped_officer_reaches_only_their_facility(client, make):
    home, other = make.facility(), make.facility()
    officer = make.user("officer", facility_id=home.id)
    headers = make.headers(user=officer)
    refused = client.get(f"/api/v1/facilities/{other.code}", headers=headers)
    assert refused.status_code == 403 and refused.json["message"]
    assert client.get(f"/api/v1/facilities/{home.code}", headers=headers).status_code == 200
    listed = client.get("/api/v1/facilities", headers=headers).json["items"]
    assert [f["code"] for f in listed] == [home.code]
    denied = last_event("custody:facility:read", actor_id=officer.id)
    assert denied.outcome == "denied" and denied.subject_id == str(other.id)


def test_unscoped_officer_sees_every_facility(client, make):
    home, other = make.facility(), make.facility()
    listed = client.get("/api/v1/facilities", headers=make.headers("officer")).json["items"]
    assert {home.code, other.code} <= {f["code"] for f in listed}
