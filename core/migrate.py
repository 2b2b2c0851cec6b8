"""Alembic, driven from the app (no alembic.ini needed): `custodia db upgrade`."""

from __future__ import annotations

from alembic import command
from alembic.config import Config

from core.config import PROJECT_ROOT

MIGRATIONS = PROJECT_ROOT / "migrations"


def alembic_config() -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option(
        "file_template",
        "%%(year)d%%(month).2d%%(day).2d_%%(hour).2d%%(minute).2d_%%(rev)s_%%(slug)s",
    )
    return config


def upgrade(revision: str = "head") -> None:
    command.upgrade(alembic_config(), revision)


def downgrade(revision: str = "-1") -> None:
    command.downgrade(alembic_config(), revision)


def check() -> None:
    """Raise if the models and the migrated schema differ (alembic check)."""
    command.check(alembic_config())


def revision(message: str) -> None:
    command.revision(alembic_config(), message=message, autogenerate=True)
