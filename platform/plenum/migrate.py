"""Running Alembic from Python: used by `plenum migrate`, the demo and the tests."""

from __future__ import annotations

from alembic import command
from alembic.config import Config

from plenum.settings import ROOT


def alembic_config(database_url: str) -> Config:
    config = Config(str(ROOT / "alembic.ini"))
    config.set_main_option("script_location", str(ROOT / "migrations"))
    config.attributes["database_url"] = database_url
    return config


def upgrade(database_url: str, revision: str = "head") -> None:
    command.upgrade(alembic_config(database_url), revision)
