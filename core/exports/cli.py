"""`custodia exports verify FILE` and `custodia exports worker`."""

from __future__ import annotations

import sys
from pathlib import Path

import click
from flask import current_app
from redis import Redis
from rq import SimpleWorker

from core.exports.jobs import QUEUE
from core.exports.models import ExportRecord
from core.exports.verify import Verdict, verify_bytes
from core.features import facility_directory
from core.i18n import local_time


@click.group("exports")
def exports_group() -> None:
    """PDF exports."""


@exports_group.command("verify")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def verify(path: Path) -> None:
    """Say whether FILE is a PDF this system produced, and whether it was altered.
    Exit 0: unaltered; 1: ALTERED; 2: not produced by this system."""
    result = verify_bytes(path.read_bytes())
    record = result.record
    if result.verdict is Verdict.UNALTERED and record is not None:
        click.echo(f"{path}: produced by Custodia, unaltered (SHA-256 {result.sha256}).")
        click.echo(_described(record))
    elif result.verdict is Verdict.ALTERED and record is not None:
        click.echo(f"{path}: ALTERED: {result.reason} (SHA-256 {result.sha256}).")
        click.echo("The original: " + _described(record))
    else:
        click.echo(f"{path}: not produced by this system (SHA-256 {result.sha256}).")
    sys.exit(int(result.verdict))


def _described(record: ExportRecord) -> str:
    zone = None
    if record.facility_id is not None:
        found = facility_directory().by_ids([record.facility_id]).get(record.facility_id)
        zone = found.time_zone if found else None
    return (
        f"{record.kind} export {record.id}, made {local_time(record.created_at, zone)} "
        f"by {record.requested_by} for {record.person} ({record.subject_type} "
        f"{record.subject_id}); purpose: {record.purpose or 'none given'}; "
        f"{record.pages} pages."
    )


@exports_group.command("worker")
@click.option("--burst", is_flag=True, help="Stop when the queue is empty.")
def worker(burst: bool) -> None:
    """Render queued exports (RQ queue "exports" on REDIS_URL), in this process, with
    the app (its warm renderer and database pool) kept between jobs."""
    url = current_app.config.get("REDIS_URL")
    if not url:
        raise click.ClickException(
            "REDIS_URL is not set: without Redis the web process renders exports itself."
        )
    connection = Redis.from_url(url)
    SimpleWorker([QUEUE], connection=connection).work(burst=burst)
