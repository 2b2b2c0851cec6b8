"""The `custodia` command line: creating users, and what production refuses."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import sqlalchemy as sa

from core.auth import check_password
from core.cli import main
from core.db import db
from core.models import User
from tests.conftest import PRODUCTION_ENV, PRODUCTION_OVERRIDES, TEST_SECRET, make_app
from tests.helpers import last_event

CLOSED_PORT_URL = "postgresql+psycopg://postgres@127.0.0.1:1/nowhere"
CUSTODIA = Path(sys.executable).with_name("custodia")


@pytest.fixture
def cli(app):
    runner = app.test_cli_runner()
    return lambda *args, input=None: runner.invoke(main, list(args), input=input)


def _user(username: str) -> User | None:
    db.session.expire_all()
    return db.session.scalar(sa.select(User).where(User.username == username))


def test_users_create_reads_the_password_from_stdin(cli):
    result = cli(
        "users",
        "create",
        "cli.officer",
        "--role",
        "officer",
        "--password-stdin",
        input="quiet-river-stone-42\n",
    )
    assert result.exit_code == 0, result.output
    assert "created user cli.officer (officer)" in result.stdout
    user = _user("cli.officer")
    assert user.role == "officer" and user.facility_id is None
    assert user.password_hash.startswith("$argon2id$")
    assert check_password(user.password_hash, "quiet-river-stone-42")
    event = last_event("core:user:create", subject_id=str(user.id))
    assert event.actor == "cli" and event.client_addr == "local"


def test_users_create_with_a_facility_scope(cli, make):
    facility = make.facility()
    result = cli(
        "users",
        "create",
        "scoped.officer",
        "--role",
        "officer",
        "--facility",
        facility.code.lower(),
        "--password-stdin",
        input="quiet-river-stone-42\n",
    )
    assert result.exit_code == 0, result.output
    assert _user("scoped.officer").facility_id == facility.id


@pytest.mark.parametrize(
    "password,message",
    [
        ("short-7", "at least 12"),
        ("password1234", "too easy"),
        ("weak.officer-walks", "username"),
    ],
)
def test_users_create_refuses_a_weak_password(cli, password, message):
    result = cli(
        "users",
        "create",
        "weak.officer",
        "--role",
        "officer",
        "--password-stdin",
        input=password + "\n",
    )
    assert result.exit_code != 0
    assert message in result.output
    assert _user("weak.officer") is None


def test_users_create_refuses_a_duplicate_and_an_unknown_role(cli, make):
    existing = make.user()
    duplicate = cli(
        "users",
        "create",
        existing.username,
        "--role",
        "officer",
        "--password-stdin",
        input="quiet-river-stone-42\n",
    )
    assert duplicate.exit_code != 0 and "already exists" in duplicate.output
    unknown = cli("users", "create", "someone", "--role", "wizard", "--password-stdin", input="x\n")
    assert unknown.exit_code != 0 and "wizard" in unknown.output


def _production_app():
    return make_app(CLOSED_PORT_URL, **PRODUCTION_OVERRIDES, TESTING=False)


def test_seed_demo_is_refused_in_production():
    production = _production_app()
    result = production.test_cli_runner().invoke(main, ["seed-demo"])
    assert result.exit_code != 0
    assert "CUSTODIA_ENV=production refuses demo seeding" in result.output


def _console(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "SECRET_KEY"}}
    return subprocess.run(
        [str(CUSTODIA), *args],
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_console_script_refuses_seeding_in_production():
    done = _console(
        "seed-demo",
        CUSTODIA_ENV="production",
        SECRET_KEY=TEST_SECRET,
        DATABASE_URL=CLOSED_PORT_URL,
        **PRODUCTION_ENV,
    )
    assert done.returncode != 0
    assert "refuses demo seeding" in done.stderr
    assert "OperationalError" not in done.stderr  # refused before touching the database


def test_console_script_refuses_production_without_a_secret_key():
    done = _console("seed-demo", CUSTODIA_ENV="production", DATABASE_URL=CLOSED_PORT_URL)
    assert done.returncode != 0
    assert "SECRET_KEY must be set" in done.stderr
    assert "Traceback" not in done.stderr


def test_users_create_offers_every_role_mental_health_included(cli):
    result = cli(
        "users",
        "create",
        "cli.therapist",
        "--role",
        "mental_health",
        "--password-stdin",
        input="quiet-river-stone-42\n",
    )
    assert result.exit_code == 0, result.output
    assert _user("cli.therapist").role == "mental_health"
    refused = cli("users", "create", "cli.x", "--role", "janitor", "--password-stdin", input="x\n")
    assert refused.exit_code != 0 and "mental_health" in refused.output
