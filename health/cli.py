"""Health's commands: `custodia fhir import` (registered by health.init_app); it takes
Bundle JSON files and PDFs with Bundles attached."""

from __future__ import annotations

import sys
import time

import click

from core.actor import Actor
from health.fhir.importer import import_files


@click.group("fhir")
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
    """Load FHIR R4 Bundle files (transaction, batch or collection).

    A PDF (a health-record export or transfer packet) is read for the FHIR Bundles
    attached to it; each is imported like a file and reported as FILE.pdf#NAME.json.
    """
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
