"""Custody's command: `custodia seed-demo` (registered by custody.init_app)."""

from __future__ import annotations

import click
from flask import current_app

from core.actor import Actor
from core.commands import fail
from core.errors import DomainError
from custody.seed import seed_demo as run_seed


@click.command("seed-demo")
@click.option("--detainees", default=40, show_default=True, type=click.IntRange(0, 100_000))
@click.option("--seed", default=2026, show_default=True, type=int)
def seed_demo(detainees: int, seed: int) -> None:
    """Create synthetic facilities, users (one per role) and people."""
    if current_app.config["CUSTODIA_ENV"] == "production":
        raise click.ClickException("CUSTODIA_ENV=production refuses demo seeding.")
    try:
        report = run_seed(actor=Actor.system("seed-demo"), detainees=detainees, seed=seed)
    except DomainError as err:
        fail(err)
    click.echo(report.describe())
