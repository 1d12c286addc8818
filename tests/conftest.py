"""Fixtures: a migrated database (SQLite or PostgreSQL), a real OpenID provider
process on loopback, the app, and an HTTP client.

The database is chosen with ``--db sqlite|postgres`` (or PLENUM_TEST_DB). Each test
starts from empty tables; the schema is made by running the Alembic migrations, so the
migrations themselves are under test.
"""

from __future__ import annotations

import os
import secrets
import sys
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from sqlalchemy import text
from starlette.testclient import TestClient

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "platform"))
sys.path.insert(0, str(ROOT))

from plenum.app import Plenum, create_app  # noqa: E402
from plenum.db import Database  # noqa: E402
from plenum.demo import GROUP_ROLES  # noqa: E402
from plenum.migrate import upgrade  # noqa: E402
from plenum.models import metadata  # noqa: E402
from plenum.settings import Settings  # noqa: E402
from tests.support.oidc import Provider  # noqa: E402
from tests.support.processes import free_port, python_process  # noqa: E402
from tests.support.units import ARRANGED, ArrangedFirst, ArrangeSession  # noqa: E402

PG_ADMIN = "postgresql://postgres@127.0.0.1:5432/postgres"


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--db",
        choices=("sqlite", "postgres"),
        default=os.environ.get("PLENUM_TEST_DB", "sqlite"),
        help="database the suite runs against",
    )


def pytest_report_header(config: pytest.Config) -> str:
    return f"plenum database: {config.getoption('--db')}"


@pytest.fixture(scope="session")
def database_url(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    if request.config.getoption("--db") == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('db') / 'plenum.db'}"
        upgrade(url)
        yield url
        return
    name = f"plenum_test_{secrets.token_hex(4)}"
    try:
        admin = psycopg.connect(PG_ADMIN, autocommit=True, connect_timeout=5)
    except psycopg.OperationalError as exc:
        if os.environ.get("PLENUM_TEST_REQUIRE_POSTGRES") == "1":
            pytest.fail(f"PostgreSQL is required but not reachable: {exc}")
        pytest.skip(f"PostgreSQL not reachable at 127.0.0.1:5432, skipping: {exc}")
    with admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    url = f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}"
    upgrade(url)
    yield url
    with psycopg.connect(PG_ADMIN, autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="session")
def database(database_url: str) -> Iterator[Database]:
    db = Database(database_url)
    yield db
    db.dispose()


@pytest.fixture(autouse=True)
def _empty_tables(request: pytest.FixtureRequest) -> Iterator[None]:
    yield
    if "database" not in request.fixturenames:
        return
    db: Database = request.getfixturevalue("database")
    with db.engine.begin() as connection:
        if not connection.execute(ANY_ROWS).first():
            return  # nothing was written: nothing to empty
        if db.is_sqlite:
            for name in TABLES:  # children before parents
                connection.execute(text(f'DELETE FROM "{name}"'))
        else:
            # TRUNCATE, not DELETE: rows come back in the order they were written (a test
            # that reads without ORDER BY must not see them shuffled by reused space).
            quoted = ", ".join(f'"{name}"' for name in TABLES)
            connection.execute(text(f"TRUNCATE {quoted} RESTART IDENTITY CASCADE"))


TABLES = [table.name for table in reversed(metadata.sorted_tables)]
# One cheap statement tells whether a test wrote anything at all; a TRUNCATE of every
# table costs about 0.2 s on PostgreSQL, minutes over a run.
ANY_ROWS = text(
    " UNION ALL ".join(f'SELECT 1 WHERE EXISTS (SELECT 1 FROM "{name}")' for name in TABLES)
)


@pytest.fixture(scope="session")
def provider() -> Iterator[Provider]:
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    script = ROOT / "tests" / "support" / "oidc_provider.py"
    with python_process(
        script, "--port", str(port), ready_url=url + "/.well-known/openid-configuration"
    ):
        yield Provider(url)


@pytest.fixture
def settings(database_url: str, provider: Provider, database: Database) -> Settings:
    return Settings(
        env="test",
        database_url=database_url,
        secret_key="test-secret-key-not-for-production",
        base_url="http://testserver",
        oidc_issuer=provider.url,
        oidc_client_id="plenum-test",
        oidc_client_secret="plenum-test-secret",
        oidc_group_roles=GROUP_ROLES,
    )


@pytest.fixture
def app(settings: Settings) -> Plenum:
    made = create_app(settings)
    made.add_middleware(ArrangedFirst)
    return made


@pytest.fixture
def client(app: Plenum) -> Iterator[TestClient]:
    with TestClient(app, base_url="http://testserver", follow_redirects=False) as test_client:
        yield test_client


@pytest.fixture
def session(database: Database) -> Iterator[object]:
    with ArrangeSession(database.engine, expire_on_commit=False) as db_session:
        ARRANGED.append(db_session)
        try:
            yield db_session
        finally:
            ARRANGED.remove(db_session)
