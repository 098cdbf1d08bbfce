"""A tiny conformance project, run in a subprocess, and a leftover detector.

Each run gets its own ``TMPDIR`` (``run_tmp``), so everything the harness
creates there (run directories, sockets, copied binaries) is ours to
inspect: after the run it must be empty, and no process may still name it.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import tempfile
import textwrap
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

INI = """\
[pytest]
addopts = -p no:cacheprovider
markers =
    schema: schema family
    constraints: constraints family
    cascade: cascade family
"""

SCHEMA_TEST = """\
from conformance.plugin import database_url_for


def test_template_has_table(db):
    row = db.execute("SELECT to_regclass('public.items')").fetchone()
    assert row[0] == "items"


def test_url_at_collection(pytestconfig, database_url):
    assert database_url_for(pytestconfig) == database_url
"""

CONFTEST = """\
import os

import pytest

pytest_plugins = ["conformance.plugin"]


@pytest.fixture(scope="session", autouse=True)
def note_url(database_url):
    # Each process that runs tests writes its database URL once.
    out = os.environ.get("SELFTEST_URLS")
    if out:
        with open(out, "a") as fh:
            fh.write(database_url + "\\n")
"""

CASCADE_TEST = """\
import os
import signal
import time

import pytest


@pytest.mark.parametrize("n", range(4))
def test_rows_do_not_leak(db, n):
    # A duplicate key here means an earlier test's row survived.
    db.execute("INSERT INTO items (id, note) VALUES (1, %s)", (str(n),))
    assert db.execute("SELECT count(*) FROM items").fetchone()[0] == 1


def test_sleep_when_asked():
    started = os.environ.get("SELFTEST_STARTED")
    if started:
        open(started, "w").close()
        time.sleep(120)


def test_kill_worker_when_asked(request):
    if os.environ.get("SELFTEST_KILL") and hasattr(request.config, "workerinput"):
        os.kill(os.getpid(), signal.SIGKILL)
"""


@dataclass
class Run:
    returncode: int
    output: str

    def header(self, key: str) -> str:
        """The first ``conformance: <key> ...`` header line."""
        for line in self.output.splitlines():
            if line.startswith(f"conformance: {key}"):
                return line
        raise AssertionError(f"no 'conformance: {key}' line in:\n{self.output}")


def write_project(root: Path) -> Path:
    root.mkdir()
    (root / "pytest.ini").write_text(INI)
    (root / "conftest.py").write_text(CONFTEST)
    sql = root / "sql"
    sql.mkdir()
    (sql / "000001_items.up.sql").write_text(
        "CREATE TABLE items (id int PRIMARY KEY, note text);\n"
    )
    (sql / "000001_items.down.sql").write_text("DROP TABLE items;\n")
    for family, body in (("schema", SCHEMA_TEST), ("cascade", CASCADE_TEST)):
        (root / "tests" / family).mkdir(parents=True)
        test_file = root / "tests" / family / f"test_{family}.py"
        test_file.write_text(textwrap.dedent(body))
    return root


def _clean_env(tmpdir: Path) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("CONFORMANCE_", "PYTEST_", "SELFTEST_"))
    }
    env["TMPDIR"] = str(tmpdir)
    return env


@dataclass
class Project:
    root: Path
    tmpdir: Path

    def env(self, **extra: str) -> dict[str, str]:
        return {**_clean_env(self.tmpdir), **extra}

    def command(self, *args: str) -> list[str]:
        return [sys.executable, "-m", "pytest", "--migrations", "sql", *args]

    def run(self, *args: str, env: dict[str, str] | None = None, timeout=120) -> Run:
        done = subprocess.run(
            self.command(*args),
            cwd=self.root,
            env=env or self.env(),
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            timeout=timeout,
        )
        return Run(done.returncode, done.stdout)

    def start(self, *args: str, env: dict[str, str]) -> subprocess.Popen:
        # Its own session: the test signals the group as a terminal would.
        return subprocess.Popen(
            self.command(*args),
            cwd=self.root,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            start_new_session=True,
        )

    def leftovers(self) -> list[str]:
        # pytest-of-<user> is pytest's own base temp, not the suite's.
        found = [
            f"file {p}"
            for p in self.tmpdir.iterdir()
            if not p.name.startswith("pytest-of-")
        ]
        return found + [f"process {p}" for p in processes_naming(self.tmpdir)]


def processes_naming(path: Path) -> list[str]:
    """Command lines of live processes mentioning ``path``."""
    needle = str(path).encode()
    found = []
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            cmdline = (proc / "cmdline").read_bytes()
        except OSError:
            continue
        if needle in cmdline:
            readable = cmdline.replace(b"\0", b" ").decode(errors="replace")
            found.append(f"{proc.name}: {readable[:120]}")
    return found


def wait_for(path: Path, proc: subprocess.Popen, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while not path.exists():
        if proc.poll() is not None:
            raise AssertionError(f"run ended early:\n{proc.stdout.read()}")
        if time.monotonic() > deadline:
            os.killpg(proc.pid, signal.SIGKILL)
            raise AssertionError(f"{path} never appeared")
        time.sleep(0.05)


@pytest.fixture
def wait_for_file():
    """``wait_for_file(path, proc)``: block until a test of the run wrote it."""
    return wait_for


@pytest.fixture
def run_tmp() -> Iterator[Path]:
    """A TMPDIR the server's unprivileged user can traverse (pytest's is 0700)."""
    path = Path(tempfile.mkdtemp(prefix="selftest-harness-"))
    path.chmod(0o755)
    yield path
    shutil.rmtree(path, ignore_errors=True)


@pytest.fixture
def project(tmp_path: Path, run_tmp: Path) -> Project:
    return Project(write_project(tmp_path / "proj"), run_tmp)
