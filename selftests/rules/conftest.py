"""Fixtures for the rules' own tests: a scratch database whose public
schema each test rebuilds from its own SQL, then reflects."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path

import psycopg
import pytest
from psycopg import sql

from conformance.catalog import Catalog, reflect

HERE = Path(__file__).resolve().parent


@pytest.fixture(scope="session")
def scratch_url(pg_url: str) -> Iterator[str]:
    """A database of our own on the self-test server, one per process."""
    name = f"rules_{os.getpid()}"
    with psycopg.connect(pg_url, autocommit=True) as admin:
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    url = psycopg.conninfo.make_conninfo(pg_url, dbname=name)
    try:
        yield url
    finally:
        with psycopg.connect(pg_url, autocommit=True) as admin:
            admin.execute(sql.SQL("DROP DATABASE {} WITH (FORCE)")
                          .format(sql.Identifier(name)))


@pytest.fixture
def schema_of(scratch_url: str) -> Callable[[str], Catalog]:
    """``schema_of(sql)``: a fresh public schema holding ``sql``, reflected."""

    def build(ddl: str) -> Catalog:
        with psycopg.connect(scratch_url, autocommit=True) as conn:
            conn.execute("DROP SCHEMA IF EXISTS public CASCADE")
            conn.execute("CREATE SCHEMA public")
            _drop_other_schemas(conn)
            if ddl.strip():
                conn.execute(ddl)
        return reflect(scratch_url)

    return build


def _drop_other_schemas(conn: psycopg.Connection) -> None:
    rows = conn.execute(
        "SELECT nspname FROM pg_namespace WHERE nspname NOT IN "
        "('public', 'information_schema') AND nspname !~ '^pg_'"
    ).fetchall()
    for (name,) in rows:
        conn.execute(sql.SQL("DROP SCHEMA {} CASCADE")
                     .format(sql.Identifier(name)))
