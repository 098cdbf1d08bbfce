"""Servers and databases for the V1 schema self tests.

V1 must apply on Debian's PostgreSQL 15 and on the embedded PostgreSQL 16
the suite falls back to on fresh machines, so every database-backed test
here runs once per server. Both are started through the harness's own
providers (``local`` on the Debian binaries, ``embedded``), once per
session, loopback only, and stopped afterwards. Migrations go through
``conformance.migrations``, the runner the suite itself uses.
"""

from __future__ import annotations

import tomllib
import uuid
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from psycopg import sql

from conformance import migrations as runner
from conformance.providers import Server, Unavailable, embedded, local
from conformance.settings import Settings

ROOT = Path(__file__).resolve().parents[2]
SQL_DIR = ROOT / "fixtures" / "sql"
CONTRACT = ROOT / "fixtures" / "contract.toml"
PG15_BIN = Path("/usr/lib/postgresql/15/bin")


def _settings() -> Settings:
    return Settings(
        postgres="embedded",
        postgres_url=None,
        postgres_bin=None,
        postgres_image="postgres:15",
        migrations=SQL_DIR,
        hypothesis_db=None,
        rootdir=ROOT,
    )


def _boot(flavour: str) -> Server:
    if flavour == "pg15":
        if not local.has_binaries(PG15_BIN):
            raise Unavailable(f"no PostgreSQL 15 binaries in {PG15_BIN}")
        return local.boot(PG15_BIN, "local", f"{PG15_BIN}")
    return embedded.start(_settings())


@pytest.fixture(scope="session", params=["pg15", "pg16-embedded"])
def v1_server(request: pytest.FixtureRequest) -> Iterator[Server]:
    """A throwaway server per flavour; skipped where it cannot start."""
    try:
        server = _boot(request.param)
    except Unavailable as why:
        pytest.skip(f"{request.param}: {why}")
    expected = "15." if request.param == "pg15" else "16."
    try:
        assert server.version.startswith(expected), server.version
        yield server
    finally:
        server.stop()


@pytest.fixture
def empty_db(v1_server: Server) -> Iterator[str]:
    """URL of a new, empty database, dropped after the test."""
    name = f"v1_{uuid.uuid4().hex[:12]}"
    admin = v1_server.url
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(
            sql.Identifier(name)))
    yield admin.rsplit("/", 1)[0] + "/" + name
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(sql.SQL("DROP DATABASE {} WITH (FORCE)").format(
            sql.Identifier(name)))


@pytest.fixture
def v1_migrations() -> list[runner.Migration]:
    return runner.discover(SQL_DIR)


@pytest.fixture
def migrate(v1_migrations):
    """migrate(url, to=None): apply ups, or revert down to version ``to``."""

    def run(url: str, to: int | None = None) -> None:
        with psycopg.connect(url, autocommit=True) as conn:
            if to is None:
                runner.apply_up(conn, v1_migrations)
            else:
                runner.apply_down(conn, v1_migrations, to=to)

    return run


@pytest.fixture
def v1_contract() -> dict:
    with open(CONTRACT, "rb") as fh:
        return tomllib.load(fh)


@pytest.fixture
def v1_db(empty_db: str, migrate) -> str:
    """URL of a database with every V1 up migration applied."""
    migrate(empty_db)
    return empty_db
