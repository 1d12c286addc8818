"""Running Alembic from Python: used by `plenum migrate`, the demo and the tests."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config

from plenum.settings import ROOT


def alembic_config(database_url: str, root: Path = ROOT) -> Config:
    """Alembic's configuration; ``root`` holds alembic.ini and migrations/ (PLENUM_ROOT)."""
    config = Config(str(root / "alembic.ini"))
    config.set_main_option("script_location", str(root / "migrations"))
    config.attributes["database_url"] = database_url
    return config


def upgrade(database_url: str, revision: str = "head", root: Path = ROOT) -> None:
    command.upgrade(alembic_config(database_url, root), revision)
