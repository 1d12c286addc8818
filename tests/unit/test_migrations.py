"""Alembic is the only way the schema changes: models and migrations must agree."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from plenum.models import metadata
from plenum.search.index import include_in_autogenerate


def test_autogenerate_finds_no_difference(database):
    with database.engine.connect() as connection:
        # the same options as migrations/env.py: the full-text index is outside the models
        opts = {"compare_type": True, "include_name": include_in_autogenerate}
        context = MigrationContext.configure(connection, opts=opts)
        differences = compare_metadata(context, metadata)
    assert differences == []


def test_migrations_reach_head(database):
    from alembic.script import ScriptDirectory
    from sqlalchemy import text

    from plenum.migrate import alembic_config

    head = ScriptDirectory.from_config(alembic_config(database.url)).get_current_head()
    with database.engine.connect() as connection:
        current = connection.execute(text("SELECT version_num FROM alembic_version")).scalar()
    assert current == head
