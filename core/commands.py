"""What every `custodia` command shares, core's (core/cli.py) and the features'."""

from __future__ import annotations

from typing import NoReturn

import click

from core.errors import DomainError, ValidationFailed


def fail(err: DomainError) -> NoReturn:
    """Stop a command on a domain error: its message (and the invalid fields), exit 1."""
    message = err.message
    if isinstance(err, ValidationFailed):
        message += " " + "; ".join(f"{k}: {' '.join(v)}" for k, v in err.errors.items())
    raise click.ClickException(message)
