"""The `custodia` command: a Flask CLI group bound to the app factory.

Core's own commands are defined here. A feature adds its commands to the app's CLI
group when the factory composes it (`core.features.Registry.add_command`); FlaskGroup
builds the app with the factory and lists those beside these (`custodia seed-demo`,
`custodia fhir import`).
"""

from __future__ import annotations

import sys

import click
from flask import current_app
from flask.cli import FlaskGroup

from core import create_app, migrate
from core.actor import Actor
from core.audit import seal_all
from core.audit_verify import verify_chain
from core.auth import create_token, revoke_token
from core.commands import fail
from core.errors import ConfigurationError, DomainError
from core.pdf.cli import pdf_group
from core.permissions import Role
from core.users import UserIn, create_user


@click.group(cls=FlaskGroup, create_app=lambda: create_app(), add_version_option=False)
def main() -> None:
    """Custodia records system."""


# --- database ------------------------------------------------------------------------


@main.group()
def db() -> None:
    """Alembic migrations on DATABASE_URL."""


@db.command()
@click.argument("revision", default="head")
def upgrade(revision: str) -> None:
    """Upgrade the schema (default: to head)."""
    migrate.upgrade(revision)
    click.echo(f"database upgraded to {revision}")


@db.command()
@click.argument("revision", default="-1")
def downgrade(revision: str) -> None:
    """Downgrade the schema (default: one revision; 'base' for all)."""
    migrate.downgrade(revision)
    click.echo(f"database downgraded to {revision}")


@db.command()
def check() -> None:
    """Fail if the models and the migrated schema differ."""
    migrate.check()
    click.echo("no drift between models and migrations")


# --- users and tokens ----------------------------------------------------------------


@main.group()
def users() -> None:
    """User accounts."""


@users.command("create")
@click.argument("username")
@click.option(
    "--role",
    required=True,
    type=click.Choice([role.value for role in Role]),
)
@click.option("--facility", "facility_code", default=None, help="limit to one facility (code)")
@click.option("--full-name", default="")
@click.option("--password-stdin", is_flag=True, required=True, help="read the password from stdin")
def users_create(
    username: str, role: str, facility_code: str | None, full_name: str, password_stdin: bool
) -> None:
    """Create a user; the password is read from standard input."""
    password = sys.stdin.readline().rstrip("\r\n")
    try:
        user = create_user(
            actor=Actor.system("cli"),
            data=UserIn(
                username=username,
                role=role,
                password=password,
                full_name=full_name,
                facility_code=facility_code,
            ),
        )
    except DomainError as err:
        fail(err)
    click.echo(f"created user {user.username} ({user.role})")


@main.group()
def tokens() -> None:
    """API bearer tokens."""


@tokens.command("create")
@click.argument("username")
@click.option("--expires-days", default=None, type=int, help="default: TOKEN_DEFAULT_DAYS (30)")
def tokens_create(username: str, expires_days: int | None) -> None:
    """Print one new bearer token, alone, on stdout."""
    days = expires_days or current_app.config["TOKEN_DEFAULT_DAYS"]
    try:
        secret = create_token(actor=Actor.system("cli"), username=username, expires_days=days)
    except DomainError as err:
        fail(err)
    click.echo(secret)


@tokens.command("revoke")
@click.argument("token")
def tokens_revoke(token: str) -> None:
    """Revoke a token (the secret, or its first 12 characters)."""
    try:
        count = revoke_token(actor=Actor.system("cli"), token=token)
    except DomainError as err:
        fail(err)
    click.echo(f"revoked {count} token(s)", err=True)


# --- audit ---------------------------------------------------------------------------


@main.group("audit")
def audit_group() -> None:
    """The hash-chained audit log."""


@audit_group.command("verify")
def audit_verify() -> None:
    """Exit 0 when the chain is intact; otherwise print the first bad entry and exit 1."""
    seal_all()
    result = verify_chain()
    click.echo(result.describe())
    if not result.ok:
        sys.exit(1)


main.add_command(pdf_group)


def run() -> None:  # pragma: no cover - console entry point alias
    try:
        main()
    except ConfigurationError as err:
        click.echo(str(err), err=True)
        sys.exit(2)
