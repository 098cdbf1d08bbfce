"""Discovering and applying migration files, one transaction each.

Three layouts are accepted:

- golang-migrate: ``000001_name.up.sql`` with an optional ``.down.sql``;
- plain numbered files: ``001_name.sql``, ``2-name.sql``, ``3.sql``;
- one file, e.g. a ``pg_dump --schema-only`` output (version 1).

Applied versions are recorded in the database's own comment
(``COMMENT ON DATABASE``), not in a table: the static rules require every
table in ``public`` to be in the contract and nothing outside ``public``,
so a ``schema_migrations`` table would pollute the schema under test.
``COMMENT ON DATABASE`` is transactional, so a file and its record commit
together, and ``CREATE DATABASE ... TEMPLATE`` does not copy it, so the
per-worker clones carry no trace of the bookkeeping.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import psycopg
from psycopg import sql

GOLANG = re.compile(r"^(\d+)_(.+)\.(up|down)\.sql$")
PLAIN = re.compile(r"^(\d+)(?:[_-](.*))?\.sql$")
RECORD = re.compile(r"^conformance-migrations: ([\d,]*)$")
# psql meta-commands pg_dump writes around the SQL (\connect; \restrict
# since 17.6/16.10/15.14); the server would reject them.
PSQL_META = re.compile(r"^\\(connect|c|restrict|unrestrict)\b")
COPY_STDIN = re.compile(r"^COPY .* FROM stdin;", re.IGNORECASE)


class MigrationError(Exception):
    """One line: ``path[:line]: what is wrong; what to do``."""


@dataclass(frozen=True)
class Migration:
    version: int
    name: str
    up: Path
    down: Path | None


def discover(path: Path | str) -> list[Migration]:
    """The migrations at ``path`` in version order, every file checked."""
    path = Path(path)
    if not path.exists():
        raise MigrationError(
            f"{path}: migrations path does not exist; check --migrations "
            "(or CONFORMANCE_MIGRATIONS, ini conformance_migrations)"
        )
    if path.is_file():
        migrations = [Migration(1, path.stem, path, None)]
    else:
        migrations = _discover_dir(path)
    for migration in migrations:
        for file in (migration.up, migration.down):
            if file:
                read_sql(file)
    return migrations


def _discover_dir(path: Path) -> list[Migration]:
    files = sorted(p for p in path.iterdir() if p.suffix == ".sql" and p.is_file())
    if not files:
        raise MigrationError(f"{path}: no .sql files in the migrations directory")
    if any(GOLANG.match(p.name) for p in files):
        migrations = _golang(files)
    else:
        migrations = _plain(files)
    return sorted(migrations, key=lambda m: m.version)


def _version_error(file: Path, expected: str) -> MigrationError:
    return MigrationError(f"{file}: cannot tell its version; name it like {expected}")


def _golang(files: list[Path]) -> list[Migration]:
    ups: dict[int, Path] = {}
    downs: dict[int, Path] = {}
    for file in files:
        match = GOLANG.match(file.name)
        if not match:
            raise _version_error(file, "000001_name.up.sql (golang-migrate style)")
        side = ups if match[3] == "up" else downs
        version = int(match[1])
        if version in side:
            raise _duplicate(version, side[version], file)
        side[version] = file
    for version, down in downs.items():
        if version not in ups:
            raise MigrationError(f"{down}: no matching .up.sql for version {version}")
    return [
        Migration(v, GOLANG.match(up.name)[2], up, downs.get(v))
        for v, up in ups.items()
    ]


def _plain(files: list[Path]) -> list[Migration]:
    seen: dict[int, Path] = {}
    for file in files:
        match = PLAIN.match(file.name)
        if not match:
            raise _version_error(file, "001_name.sql")
        version = int(match[1])
        if version in seen:
            raise _duplicate(version, seen[version], file)
        seen[version] = file
    return [
        Migration(v, PLAIN.match(f.name)[2] or f.stem, f, None)
        for v, f in seen.items()
    ]


def _duplicate(version: int, first: Path, second: Path) -> MigrationError:
    return MigrationError(
        f"{second}: version {version} is also used by {first.name}; renumber one"
    )


def read_sql(path: Path) -> str:
    """The file's SQL as the server should see it; one-line errors otherwise."""
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        line = raw[: error.start].count(b"\n") + 1
        raise MigrationError(
            f"{path}:{line}: not UTF-8 (byte 0x{raw[error.start]:02x}); "
            "re-save the file as UTF-8"
        ) from None
    return _strip_psql(path, text)


def _strip_psql(path: Path, text: str) -> str:
    lines = text.split("\n")
    for number, line in enumerate(lines, start=1):
        if COPY_STDIN.match(line):
            raise MigrationError(
                f"{path}:{number}: COPY ... FROM stdin needs psql; "
                "dump with --schema-only or --inserts"
            )
        if PSQL_META.match(line):
            lines[number - 1] = ""  # keep line numbers of later errors right
    return "\n".join(lines)


# -- the record of applied versions -------------------------------------------


def applied_versions(conn: psycopg.Connection) -> list[int]:
    """Versions recorded in the current database's comment, ascending."""
    comment = conn.execute(
        "SELECT shobj_description(oid, 'pg_database') FROM pg_database"
        " WHERE datname = current_database()"
    ).fetchone()[0]
    match = RECORD.match(comment or "")
    if not match or not match[1]:
        return []
    return sorted(int(v) for v in match[1].split(","))


def _record(conn: psycopg.Connection, versions: Iterable[int]) -> None:
    text = "conformance-migrations: " + ",".join(str(v) for v in sorted(versions))
    dbname = conn.info.dbname
    conn.execute(
        sql.SQL("COMMENT ON DATABASE {} IS {}").format(
            sql.Identifier(dbname), sql.Literal(text)
        )
    )


# -- applying -----------------------------------------------------------------


def apply_up(conn: psycopg.Connection, migrations: list[Migration]) -> list[int]:
    """Apply the ups not yet recorded, in version order; return those applied."""
    done = set(applied_versions(conn))
    applied = []
    for migration in sorted(migrations, key=lambda m: m.version):
        if migration.version in done:
            continue
        done.add(migration.version)
        _apply_file(conn, migration.up, done)
        applied.append(migration.version)
    return applied


def apply_down(
    conn: psycopg.Connection, migrations: list[Migration], to: int = 0
) -> list[int]:
    """Revert recorded versions above ``to``, newest first; return those reverted."""
    done = set(applied_versions(conn))
    reverted = []
    for migration in sorted(migrations, key=lambda m: m.version, reverse=True):
        if migration.version not in done or migration.version <= to:
            continue
        if migration.down is None:
            raise MigrationError(
                f"{migration.up}: no .down.sql to revert version {migration.version}"
            )
        done.discard(migration.version)
        _apply_file(conn, migration.down, done)
        reverted.append(migration.version)
    return reverted


def _apply_file(conn: psycopg.Connection, path: Path, record: set[int]) -> None:
    text = read_sql(path)
    try:
        with conn.transaction():
            # No parameters: psycopg sends the simple query protocol, so the
            # whole file, many statements and dollar quotes, goes in one call.
            conn.execute(text)
            _record(conn, record)
    except psycopg.Error as error:
        raise MigrationError(_locate(conn, path, text, error)) from None


def _locate(
    conn: psycopg.Connection, path: Path, text: str, error: psycopg.Error
) -> str:
    diag = error.diag
    message = diag.message_primary or str(error).splitlines()[0]
    code = f" (SQLSTATE {diag.sqlstate})" if diag.sqlstate else ""
    if diag.statement_position:
        line = text[: int(diag.statement_position) - 1].count("\n") + 1
    else:
        line = _failing_statement_line(conn, text)
    return f"{path}:{line}: {message}{code}"


def _failing_statement_line(conn: psycopg.Connection, text: str) -> int:
    """Re-run statement by statement, rolled back, to find where it failed.

    The server gives no position for errors raised while executing (a
    duplicate key, a column that already exists); only parse errors carry
    one. Known gap: the splitter knows quotes, dollar quotes and comments
    but not ``BEGIN ATOMIC`` bodies; the line then falls back to 1.
    """
    if conn.closed or conn.broken:
        return 1
    try:
        with conn.transaction(force_rollback=True):
            for line, statement in split_statements(text):
                try:
                    with conn.transaction():
                        conn.execute(statement)
                except psycopg.Error:
                    return line
    except psycopg.Error:
        pass
    return 1


STATEMENT_TOKENS = re.compile(
    r"--[^\n]*|/\*.*?\*/|'(?:[^']|'')*'|\"(?:[^\"]|\"\")*\""
    r"|(\$[A-Za-z_0-9]*\$)|;",
    re.DOTALL,
)


def split_statements(text: str) -> list[tuple[int, str]]:
    """``(first line, statement)`` for each ``;``-terminated statement."""
    statements, start, pos = [], 0, 0
    while match := STATEMENT_TOKENS.search(text, pos):
        pos = match.end()
        if match[1]:  # a dollar quote: skip to its closing tag
            close = text.find(match[1], pos)
            pos = len(text) if close < 0 else close + len(match[1])
        elif match[0] == ";":
            statements.append(_statement(text, start, pos))
            start = pos
    if text[start:].strip():
        statements.append(_statement(text, start, len(text)))
    return [s for s in statements if s[1].strip(" \n\t;")]


LEADING_NOISE = re.compile(r"(?:\s+|--[^\n]*)*")


def _statement(text: str, start: int, end: int) -> tuple[int, str]:
    """The statement and the line of its first token (comments skipped)."""
    lead = LEADING_NOISE.match(text, start, end).end()
    return text[:lead].count("\n") + 1, text[start:end]
