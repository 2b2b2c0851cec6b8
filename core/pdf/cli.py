"""`custodia pdf check FILE...`: run the PDF/A-3b and PDF/UA-1 checks on files.

The same checks as `core.pdf.conformance.check_pdf`, for exports saved to disk or
received from elsewhere; exit 1 when any file fails, so a script or CI can rely on it.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from core.pdf.conformance import ConformanceReport, check_pdf


@click.group("pdf")
def pdf_group() -> None:
    """PDF exports."""


@pdf_group.command("check")
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False))
@click.option("--failures-only", is_flag=True, help="List only the checks that failed.")
def pdf_check(paths: tuple[str, ...], failures_only: bool) -> None:
    """Check PDF/A-3b and PDF/UA-1 rules a program can decide (not a full veraPDF)."""
    failed = False
    for path in paths:
        report = check_pdf(Path(path).read_bytes())
        failed = failed or not report.passed
        click.echo(describe(path, report, failures_only=failures_only))
    if failed:
        sys.exit(1)


def describe(path: str, report: ConformanceReport, *, failures_only: bool = False) -> str:
    verdict = "PASSED" if report.passed else f"FAILED ({len(report.failures)} checks)"
    ua = "present" if report.ua_identified else "absent"
    lines = [f"{path}: {verdict}", f"  PDF/UA identification present: {ua}"]
    for check in report.checks:
        if failures_only and check.ok:
            continue
        mark = "ok  " if check.ok else "FAIL"
        detail = f": {check.detail}" if check.detail and not check.ok else ""
        lines.append(f"  {mark} {check.rule} {check.description}{detail}")
    return "\n".join(lines)
