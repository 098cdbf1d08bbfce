"""A server somebody else runs, named by ``--postgres-url``.

The harness only creates and drops its own uniquely named databases
there; the database named in the URL is used for ``CREATE DATABASE`` and
``DROP DATABASE`` only, never written to.
"""

from __future__ import annotations

import psycopg

from conformance.providers import Server, Unavailable
from conformance.settings import Settings


def server_version(url: str, timeout: int = 5) -> str:
    """``SHOW server_version`` on ``url``; ``Unavailable`` if it does not answer."""
    try:
        with psycopg.connect(url, connect_timeout=timeout) as conn:
            return conn.execute("SHOW server_version").fetchone()[0]
    except psycopg.Error as error:
        reason = str(error).strip().splitlines()[0]
        raise Unavailable(f"cannot connect to {redact(url)}: {reason}") from None


def redact(url: str) -> str:
    """The URL without its password, for headers and error lines."""
    try:
        parts = psycopg.conninfo.conninfo_to_dict(url)
    except psycopg.ProgrammingError:
        return "<unparsable URL>"
    host = parts.get("host", "")
    port = parts.get("port", "")
    user = parts.get("user", "")
    return f"postgresql://{user}@{host}:{port}/{parts.get('dbname', '')}"


def start(settings: Settings) -> Server:
    url = settings.postgres_url
    if not url:
        raise Unavailable("no --postgres-url or CONFORMANCE_POSTGRES_URL given")
    version = server_version(url)
    return Server("url", url, version, redact(url), stop=lambda: None)
