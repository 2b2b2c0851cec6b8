"""The `custodia` command: a Flask CLI group bound to the app factory."""

from __future__ import annotations

import sys

import click
from flask import current_app
from flask.cli import FlaskGroup

from core import create_app
from core.actor import Actor
from core.errors import ConfigurationError, DomainError, ValidationFailed


def _fail(err: DomainError) -> None:
    message = err.message
    if isinstance(err, ValidationFailed):
        message += " " + "; ".join(f"{k}: {' '.join(v)}" for k, v in err.errors.items())
    raise click.ClickException(message)


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
    from core import migrate

    migrate.upgrade(revision)
    click.echo(f"database upgraded to {revision}")


@db.command()
@click.argument("revision", default="-1")
def downgrade(revision: str) -> None:
    """Downgrade the schema (default: one revision; 'base' for all)."""
    from core import migrate

    migrate.downgrade(revision)
    click.echo(f"database downgraded to {revision}")


@db.command()
def check() -> None:
    """Fail if the models and the migrated schema differ."""
    from core import migrate

    migrate.check()
    click.echo("no drift between models and migrations")


# --- demo data -----------------------------------------------------------------------


@main.command("seed-demo")
@click.option("--detainees", default=40, show_default=True, type=click.IntRange(0, 100_000))
@click.option("--seed", default=2026, show_default=True, type=int)
def seed_demo(detainees: int, seed: int) -> None:
    """Create synthetic facilities, users (one per role) and people."""
    if current_app.config["CUSTODIA_ENV"] == "production":
        raise click.ClickException("CUSTODIA_ENV=production refuses demo seeding.")
    from custody.seed import seed_demo as run_seed

    try:
        report = run_seed(actor=Actor.system("seed-demo"), detainees=detainees, seed=seed)
    except DomainError as err:
        _fail(err)
    click.echo(report.describe())


# --- users and tokens ----------------------------------------------------------------


@main.group()
def users() -> None:
    """User accounts."""


@users.command("create")
@click.argument("username")
@click.option(
    "--role",
    required=True,
    type=click.Choice(["admin", "supervisor", "officer", "clinician", "records", "auditor"]),
)
@click.option("--facility", "facility_code", default=None, help="limit to one facility (code)")
@click.option("--full-name", default="")
@click.option("--password-stdin", is_flag=True, required=True, help="read the password from stdin")
def users_create(
    username: str, role: str, facility_code: str | None, full_name: str, password_stdin: bool
) -> None:
    """Create a user; the password is read from standard input."""
    from core.users import UserIn, create_user

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
        _fail(err)
    click.echo(f"created user {user.username} ({user.role})")


@main.group()
def tokens() -> None:
    """API bearer tokens."""


@tokens.command("create")
@click.argument("username")
@click.option("--expires-days", default=None, type=int, help="default: TOKEN_DEFAULT_DAYS (30)")
def tokens_create(username: str, expires_days: int | None) -> None:
    """Print one new bearer token, alone, on stdout."""
    from core.auth import create_token

    days = expires_days or current_app.config["TOKEN_DEFAULT_DAYS"]
    try:
        secret = create_token(actor=Actor.system("cli"), username=username, expires_days=days)
    except DomainError as err:
        _fail(err)
    click.echo(secret)


@tokens.command("revoke")
@click.argument("token")
def tokens_revoke(token: str) -> None:
    """Revoke a token (the secret, or its first 12 characters)."""
    from core.auth import revoke_token

    try:
        count = revoke_token(actor=Actor.system("cli"), token=token)
    except DomainError as err:
        _fail(err)
    click.echo(f"revoked {count} token(s)", err=True)


# --- audit ---------------------------------------------------------------------------


@main.group("audit")
def audit_group() -> None:
    """The hash-chained audit log."""


@audit_group.command("verify")
def audit_verify() -> None:
    """Exit 0 when the chain is intact; otherwise print the first bad entry and exit 1."""
    from core.audit import seal_all, verify_chain

    seal_all()
    result = verify_chain()
    click.echo(result.describe())
    if not result.ok:
        sys.exit(1)


@main.group("fhir")
def fhir_group() -> None:
    """The FHIR store."""


@fhir_group.command("import")
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False))
@click.option(
    "--jobs",
    default=1,
    show_default=True,
    help="Worker processes (independent bundles only: files load in no fixed order).",
)
def fhir_import(paths: tuple[str, ...], jobs: int) -> None:
    """Load FHIR R4 Bundle files (transaction, batch or collection)."""
    import time

    from health.fhir.importer import import_files

    actor = Actor.system("fhir-import")
    failed, total, started = 0, 0, time.perf_counter()
    for outcome in import_files(actor=actor, paths=paths, jobs=jobs):
        path, result = outcome.path, outcome.result
        if result is None:
            failed += 1
            click.echo(f"{path}: FAILED {outcome.failure}", err=True)
            continue
        total += result.total
        counts = ", ".join(f"{k} {v}" for k, v in sorted(result.counts.items()))
        click.echo(f"{path}: {result.kind}, {result.total} resources ({counts})")
        for error in result.errors:
            failed += 1
            click.echo(f"{path}: entry failed: {error}", err=True)
    elapsed = time.perf_counter() - started
    click.echo(
        f"imported {total} resources in {elapsed:.1f} s ({total / max(elapsed, 1e-9):.0f}/s)"
    )
    if failed:
        sys.exit(1)


def run() -> None:  # pragma: no cover - console entry point alias
    try:
        main()
    except ConfigurationError as err:
        click.echo(str(err), err=True)
        sys.exit(2)
