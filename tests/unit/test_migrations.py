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


def test_the_oidc_migration_drops_the_trailing_slash_of_issuers(database):
    """Members stored under ``https://idp.example/`` are found again under the issuer
    without the slash; where both spellings hold the subject, both rows are left."""
    from alembic import command
    from alembic.script import ScriptDirectory
    from sqlalchemy import text

    from plenum.migrate import alembic_config

    config = alembic_config(database.url)
    (script,) = [
        s
        for s in ScriptDirectory.from_config(config).walk_revisions()
        if s.path.endswith("_oidc.py")
    ]
    rows = [
        ("https://idp.example/", "alone"),
        ("https://idp.example/", "twice"),
        ("https://idp.example", "twice"),
        ("https://other.example", "plain"),
    ]
    command.downgrade(config, str(script.down_revision))
    try:
        with database.engine.begin() as connection:
            for issuer, subject in rows:
                connection.execute(
                    text(
                        "INSERT INTO member (issuer, subject, display_name, email, member_number,"
                        " locale, delivery, created_at, last_login_at) VALUES (:i, :s, '', '', '',"
                        " '', 'daily', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"
                    ),
                    {"i": issuer, "s": subject},
                )
    finally:
        command.upgrade(config, "head")
    with database.engine.connect() as connection:
        found = connection.execute(text("SELECT issuer, subject FROM member")).all()
    assert sorted(found) == sorted(
        [
            ("https://idp.example", "alone"),
            ("https://idp.example/", "twice"),
            ("https://idp.example", "twice"),
            ("https://other.example", "plain"),
        ]
    )
