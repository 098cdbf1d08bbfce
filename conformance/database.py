"""The migrated template database, one clone per process, rolled-back tests.

Creating and dropping databases is pytest-postgresql's ``DatabaseJanitor``
(it also ends stray connections to the template before ``CREATE DATABASE
... TEMPLATE``, which PostgreSQL requires: "no other sessions can be
connected to the source database", CREATE DATABASE, manual section 23.3).
"""

from __future__ import annotations

import secrets
import urllib.parse
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

import psycopg
from psycopg.conninfo import conninfo_to_dict
from pytest_postgresql.janitor import DatabaseJanitor

from conformance import migrations as migrations_module

PREFIX = "conformance_"
URL_PARTS = {"user", "password", "host", "port", "dbname"}


@contextmanager
def rolled_back(conn: psycopg.Connection) -> Iterator[psycopg.Connection]:
    """One test or Hypothesis example: everything it writes is undone."""
    with conn.transaction(force_rollback=True):
        yield conn


def with_dbname(url: str, dbname: str) -> str:
    """``url`` pointing at another database on the same server, as a URL."""
    parts = conninfo_to_dict(url)
    parts["dbname"] = dbname
    return to_url(parts)


def to_url(parts: dict) -> str:
    """A ``postgresql://`` URL from conninfo parts (host may be a socket dir)."""
    quote = lambda value: urllib.parse.quote(str(value), safe="")  # noqa: E731
    auth = quote(parts.get("user") or "")
    if parts.get("password"):
        auth += ":" + quote(parts["password"])
    host = quote(parts.get("host") or "")
    port = f":{parts['port']}" if parts.get("port") else ""
    extra = {k: v for k, v in parts.items() if k not in URL_PARTS}
    query = "?" + urllib.parse.urlencode(extra) if extra else ""
    return f"postgresql://{auth}@{host}{port}/{quote(parts['dbname'])}{query}"


def sqlalchemy_url(url: str) -> str:
    """A SQLAlchemy URL (psycopg 3 driver) for a libpq URL or conninfo."""
    from sqlalchemy.engine import URL

    parts = conninfo_to_dict(url)
    return URL.create(
        "postgresql+psycopg",
        username=parts.get("user"),
        password=parts.get("password"),
        host=parts.get("host"),
        port=int(parts["port"]) if parts.get("port") else None,
        database=parts.get("dbname"),
    ).render_as_string(hide_password=False)


@dataclass
class Databases:
    """Every database one pytest run creates on one server, for dropping."""

    server_url: str
    run_id: str = field(default_factory=lambda: secrets.token_hex(4))
    created: list[str] = field(default_factory=list)

    @property
    def template(self) -> str:
        return f"{PREFIX}{self.run_id}_template"

    def janitor(self, dbname: str, template: str | None = None) -> DatabaseJanitor:
        parts = conninfo_to_dict(self.server_url)
        return DatabaseJanitor(
            user=parts.get("user") or "postgres",
            password=parts.get("password"),
            host=parts.get("host") or "localhost",
            port=parts.get("port") or 5432,
            dbname=dbname,
            template_dbname=template,
            maintenance_dbname=parts.get("dbname") or "postgres",
            connection_timeout=10,
        )

    def create_template(self, found: list[migrations_module.Migration]) -> list[int]:
        """Create the template and apply every migration to it, once."""
        self.janitor(self.template).init()
        self.created.append(self.template)
        url = with_dbname(self.server_url, self.template)
        with psycopg.connect(url, autocommit=True) as conn:
            return migrations_module.apply_up(conn, found)

    def clone(self, suffix: str) -> str:
        """A fresh copy of the template for one process; its URL."""
        name = f"{PREFIX}{self.run_id}_{suffix}"
        janitor = self.janitor(name, template=self.template)
        janitor.drop()  # a replaced xdist worker reuses its predecessor's name
        janitor.init()
        if name not in self.created:
            self.created.append(name)
        return with_dbname(self.server_url, name)

    def drop_all(self) -> list[str]:
        """Drop clones first, template last; return failures, one line each."""
        failures = []
        for name in reversed(self.created):
            try:
                self.janitor(name).drop()
            except Exception as error:  # noqa: BLE001 - try the others too
                failures.append(f"{name}: {str(error).strip()}")
        self.created.clear()
        return failures
