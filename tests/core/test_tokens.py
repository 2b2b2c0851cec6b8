"""API bearer tokens: created and revoked at the command line, stored as SHA-256 only,
expiring, refused for inactive users, and the permission check behind them."""

from __future__ import annotations

import datetime as dt
import hashlib
import time
import uuid

import pytest
import sqlalchemy as sa

from core.audit import AuditEvent
from core.auth import forget_tokens
from core.cli import main
from core.db import db, utcnow
from core.models import ApiToken, User
from core.users import update_user
from tests.helpers import events, last_event

API = "/api/v1/facilities"
HEALTH_READ = "/fhir/Patient?_count=1"  # clinicians only


@pytest.fixture
def cli(app):
    runner = app.test_cli_runner()
    return lambda *args: runner.invoke(main, list(args))


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def _create(cli, user: User) -> str:
    result = cli("tokens", "create", user.username)
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert len(lines) == 1, result.stdout  # the token, alone
    return lines[0]


def _row(token: str) -> ApiToken:
    db.session.expire_all()
    digest = hashlib.sha256(token.encode()).hexdigest()
    return db.session.scalar(sa.select(ApiToken).where(ApiToken.token_hash == digest))


def test_cli_prints_one_token_that_opens_the_api(cli, client, make):
    user = make.user()
    token = _create(cli, user)
    assert token.startswith("cst_") and len(token) > 40
    response = client.get(API, headers=_bearer(token))
    assert response.status_code == 200, response.json
    row = _row(token)
    assert row.user_id == user.id
    assert dt.timedelta(days=29) < row.expires_at - utcnow() <= dt.timedelta(days=30)
    assert last_event("core:token:create", subject_id=str(row.id)).actor == "cli"


def test_cli_expiry_option(cli, make):
    user = make.user()
    result = cli("tokens", "create", user.username, "--expires-days", "2")
    assert result.exit_code == 0, result.output
    left = _row(result.stdout.strip()).expires_at - utcnow()
    assert dt.timedelta(days=1) < left <= dt.timedelta(days=2)
    refused = cli("tokens", "create", user.username, "--expires-days", "400")
    assert refused.exit_code != 0 and refused.stdout == ""
    assert "expires_days" in refused.output


def test_cli_refuses_an_unknown_user(cli):
    result = cli("tokens", "create", "nobody.here")
    assert result.exit_code != 0
    assert result.stdout == ""
    assert "nobody.here" in result.output


def test_token_is_stored_only_as_its_sha256(cli, make):
    token = _create(cli, make.user())
    row = _row(token)
    assert row.token_hash == hashlib.sha256(token.encode()).hexdigest()
    secret_part = token[len(row.prefix) :]
    stored = db.session.execute(sa.select(*ApiToken.__table__.columns)).all()
    assert stored and not any(secret_part in str(value) for r in stored for value in r)
    audited = db.session.execute(sa.select(*AuditEvent.__table__.columns)).all()
    assert not any(secret_part in str(value) for r in audited for value in r)


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"Authorization": "Bearer"},
        {"Authorization": "Bearer cst_not-a-real-token-at-all-000000000000000"},
        {"Authorization": "Bearer not-even-our-format"},
        {"Authorization": "Basic dXNlcjpwYXNz"},
    ],
)
def test_no_valid_token_is_401_json(client, headers):
    response = client.get(API, headers=headers)
    assert response.status_code == 401
    assert response.is_json and response.json["message"]
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_expired_token_is_401(cli, client, make):
    token = _create(cli, make.user())
    assert client.get(API, headers=_bearer(token)).status_code == 200
    _row(token).expires_at = utcnow() - dt.timedelta(seconds=1)
    db.session.flush()
    forget_tokens()  # a worker trusts a token it saw valid for TOKEN_CACHE_SECONDS
    assert client.get(API, headers=_bearer(token)).status_code == 401


def test_a_trusted_token_is_not_trusted_past_its_expiry(cli, client, make):
    token = _create(cli, make.user())
    _row(token).expires_at = utcnow() + dt.timedelta(seconds=0.6)
    db.session.flush()
    assert client.get(API, headers=_bearer(token)).status_code == 200  # cached now
    time.sleep(0.7)
    assert client.get(API, headers=_bearer(token)).status_code == 401


def test_role_change_and_deactivation_reach_cached_tokens(cli, client, make):
    """A change of rights revokes the user's tokens (Security II): a token cached with the
    old role is refused at once, not answered with the new role's rights."""
    admin = make.actor("admin")
    user = make.user("clinician")
    token = _create(cli, user)
    assert client.get(HEALTH_READ, headers=_bearer(token)).status_code == 200
    update_user(actor=admin, user_id=user.id, role="records")
    assert client.get(HEALTH_READ, headers=_bearer(token)).status_code == 401
    fresh = _create(cli, user)
    assert client.get(API, headers=_bearer(fresh)).status_code == 200
    update_user(actor=admin, user_id=user.id, is_active=False)
    assert client.get(API, headers=_bearer(fresh)).status_code == 401


def test_without_the_cache_every_request_asks_the_database(app, cli, client, make):
    token = _create(cli, make.user())
    app.config["TOKEN_CACHE_SECONDS"] = 0
    try:
        assert client.get(API, headers=_bearer(token)).status_code == 200
        _row(token).expires_at = utcnow() - dt.timedelta(seconds=1)
        db.session.flush()
        assert client.get(API, headers=_bearer(token)).status_code == 401
    finally:
        app.config["TOKEN_CACHE_SECONDS"] = 5.0


@pytest.mark.parametrize("by_prefix", [False, True])
def test_revoked_token_is_401(cli, client, make, by_prefix):
    token = _create(cli, make.user())
    assert client.get(API, headers=_bearer(token)).status_code == 200
    row_id = _row(token).id
    result = cli("tokens", "revoke", token[:12] if by_prefix else token)
    assert result.exit_code == 0, result.output
    assert client.get(API, headers=_bearer(token)).status_code == 401
    assert _row(token).revoked_at is not None
    assert last_event("core:token:revoke", subject_id=str(row_id)).outcome == "success"
    again = cli("tokens", "revoke", token)
    assert again.exit_code != 0 and "No active token" in again.output


def test_token_of_a_deactivated_user_is_401(cli, client, make):
    user = make.user()
    token = _create(cli, user)
    assert client.get(API, headers=_bearer(token)).status_code == 200
    db.session.get(User, user.id).is_active = False  # behind the services' back:
    db.session.flush()
    forget_tokens()  # as after TOKEN_CACHE_SECONDS (update_user forgets at once)
    assert client.get(API, headers=_bearer(token)).status_code == 401


def test_role_without_the_permission_is_403_json_and_audited(cli, client, make):
    user = make.user("auditor")
    token = _create(cli, user)
    request_id = f"req-{uuid.uuid4().hex[:12]}"
    response = client.post(
        API, headers={**_bearer(token), "X-Request-ID": request_id}, json={"code": "NOPE"}
    )
    assert response.status_code == 403
    assert response.is_json and response.json["message"]
    [denied] = events(request_id=request_id)
    assert (denied.tag, denied.outcome, denied.actor_id) == (
        "custody:facility:manage",
        "denied",
        user.id,
    )
