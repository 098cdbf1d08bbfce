"""A throwaway server from local binaries, driven by pytest-postgresql.

pytest-postgresql's ``PostgreSQLExecutor`` already does initdb, port
readiness and ``pg_ctl stop``; it accepts any ``pg_ctl``. What it cannot
do is run as root, which PostgreSQL refuses: then a two-line wrapper in
the run's temporary directory calls ``runuser -u <user> -- pg_ctl "$@"``
and the executor drives the wrapper unchanged.

Layout of one run's directory (``/tmp/conformance-pg-XXXX``):
``pg_ctl`` (the wrapper, root-owned), ``owner.pid`` (the pytest process
that owns the server, for reaping after a SIGKILL), and ``run/`` (owned by
the server's user: ``data/``, the unix socket, ``server.log``).
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import signal
import subprocess
import tempfile
from pathlib import Path

import port_for
from mirakuru.exceptions import ExecutorError
from pytest_postgresql.executors.proc import PostgreSQLExecutor

from conformance.providers import Server, Unavailable
from conformance.providers.url import server_version
from conformance.settings import Settings

PREFIX = "conformance-pg-"
SERVICE_USER = "conformance-pg"  # created only when no ``postgres`` user exists
NOLOGIN = "/usr/sbin/nologin"
BINARIES = ("pg_ctl", "initdb", "postgres")
# Durability buys nothing for a throwaway cluster; loopback only.
SERVER_OPTIONS = (
    "-c listen_addresses=127.0.0.1 -c synchronous_commit=off "
    "-c full_page_writes=off"
)


def has_binaries(bindir: Path) -> bool:
    return all((bindir / name).is_file() for name in BINARIES)


def _pg_config_bindir() -> Path | None:
    if not shutil.which("pg_config"):
        return None
    done = subprocess.run(
        ["pg_config", "--bindir"], capture_output=True, text=True, check=False
    )
    return Path(done.stdout.strip()) if done.returncode == 0 else None


def _debian_bindirs() -> list[Path]:
    # Debian installs each major side by side, off PATH; newest first.
    found = glob.glob("/usr/lib/postgresql/*/bin")
    return sorted(map(Path, found), key=lambda p: _major(p.parent.name), reverse=True)


def _major(name: str) -> int:
    return int(name) if name.isdigit() else -1


def find_bindir(settings: Settings) -> tuple[Path, str]:
    """The first directory holding pg_ctl, initdb and postgres, and how."""
    if settings.postgres_bin:
        if has_binaries(settings.postgres_bin):
            return settings.postgres_bin, "--postgres-bin"
        raise Unavailable(
            f"--postgres-bin={settings.postgres_bin} lacks one of "
            f"{', '.join(BINARIES)}; point it at the server's bin directory"
        )
    on_path = shutil.which("pg_ctl")
    candidates = [
        (Path(on_path).resolve().parent if on_path else None, "PATH"),
        (_pg_config_bindir(), "pg_config --bindir"),
        *((path, "Debian layout") for path in _debian_bindirs()),
    ]
    for path, how in candidates:
        if path and has_binaries(path):
            return path, how
    raise Unavailable(
        "no pg_ctl/initdb/postgres on PATH, from pg_config or in "
        "/usr/lib/postgresql/*/bin; pass --postgres-bin"
    )


def service_user() -> str | None:
    """The unprivileged user that runs the server when we are root."""
    if os.geteuid() != 0:
        return None
    for name in ("postgres", SERVICE_USER):
        try:
            pwd.getpwnam(name)
            return name
        except KeyError:
            continue
    _create_user(SERVICE_USER)
    return SERVICE_USER


def _create_user(name: str) -> None:
    done = subprocess.run(
        ["useradd", "--system", "--no-create-home", "--shell", NOLOGIN, name],
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise Unavailable(
            f"running as root and no 'postgres' user; useradd {name} failed: "
            f"{done.stderr.strip()}; create an unprivileged user named postgres"
        )


def can_execute(user: str, bindir: Path) -> bool:
    paths = [str(bindir / name) for name in BINARIES]
    test = ["test", "-x", paths[0], "-a", "-x", paths[1], "-a", "-x", paths[2]]
    done = subprocess.run(["runuser", "-u", user, "--", *test], cwd="/", check=False)
    return done.returncode == 0


def _write_wrapper(tmp: Path, user: str, pg_ctl: Path) -> Path:
    wrapper = tmp / "pg_ctl"
    # cd /: the caller's directory may be private to root (pg_ctl warns).
    script = f'#!/bin/sh\ncd /\nexec runuser -u {user} -- "{pg_ctl}" "$@"\n'
    wrapper.write_text(script)
    wrapper.chmod(0o755)
    return wrapper


def make_run_dir(user: str | None) -> Path:
    tmp = Path(tempfile.mkdtemp(prefix=PREFIX))
    (tmp / "owner.pid").write_text(str(os.getpid()))
    run = tmp / "run"
    run.mkdir(mode=0o700)
    if user:
        # The server's user must reach run/ but must not own the wrapper.
        tmp.chmod(0o711)
        entry = pwd.getpwnam(user)
        os.chown(run, entry.pw_uid, entry.pw_gid)
    return tmp


class ThrowawayExecutor(PostgreSQLExecutor):
    """``PostgreSQLExecutor`` whose initdb skips the final fsync.

    A throwaway cluster gains nothing from it and it is about a third of
    initdb's time here. Overrides a private hook of pytest-postgresql 10;
    if that hook goes away, initdb simply syncs again.
    """

    def _build_initdb_command(self, initdb_options, pgdata=None):
        options = [*initdb_options, "--no-sync", "--encoding=UTF8"]
        return super()._build_initdb_command(options, pgdata=pgdata)


def _executor(pg_ctl: Path, run: Path, port: int) -> PostgreSQLExecutor:
    return ThrowawayExecutor(
        executable=str(pg_ctl),
        host="127.0.0.1",
        port=port,
        datadir=str(run / "data"),
        unixsocketdir=str(run),
        logfile=str(run / "server.log"),
        startparams="-w",
        dbname="postgres",
        user="postgres",
        postgres_options=SERVER_OPTIONS,
        timeout=60,
    )


def _log_tail(run: Path) -> str:
    try:
        lines = (run / "server.log").read_text(errors="replace").splitlines()
    except OSError:
        return "no server log"
    return lines[-1] if lines else "empty server log"


def boot(bindir: Path, provider: str, detail: str) -> Server:
    """initdb + pg_ctl start in a fresh temporary directory."""
    reap_stale()
    user = service_user()
    if user and not shutil.which("runuser"):
        raise Unavailable("running as root needs runuser (util-linux) to drop root")
    if user and not can_execute(user, bindir):
        raise Unavailable(
            f"user {user} cannot execute {bindir}/pg_ctl (a parent directory "
            f"is not searchable); make it world-executable or pass --postgres-bin"
        )
    tmp = make_run_dir(user)
    pg_ctl = _write_wrapper(tmp, user, bindir / "pg_ctl") if user else bindir / "pg_ctl"
    executor = _executor(pg_ctl, tmp / "run", port_for.select_random())
    stop = _stopper(executor, tmp)
    try:
        _start(executor, tmp / "run")
        url = f"postgresql://postgres@127.0.0.1:{executor.port}/postgres"
        version = server_version(url)
    except BaseException:
        stop()
        raise
    where = f"{detail}, {tmp}" + (f", as user {user}" if user else "")
    return Server(provider, url, version, where, stop)


def _start(executor: PostgreSQLExecutor, run: Path) -> None:
    try:
        executor.start()
        # pg_ctl -w exits 0 once the server accepts connections; the port
        # opens a moment earlier, when connections still get "starting up".
        code = executor.process.wait(timeout=60)
    except (ExecutorError, subprocess.SubprocessError) as error:
        raise Unavailable(f"pg_ctl start failed ({error}): {_log_tail(run)}") from None
    # Forget the launcher: its pid is reaped, so mirakuru must not signal it.
    executor.process = None
    if code != 0:
        raise Unavailable(f"pg_ctl start exited {code}: {_log_tail(run)}")


def _stopper(executor: PostgreSQLExecutor, tmp: Path):
    done = []

    def stop() -> None:
        if done:
            return
        done.append(True)
        try:
            if (tmp / "run" / "data" / "postmaster.pid").exists():
                executor.stop()
        except Exception:  # noqa: BLE001 - the fallback below must still run
            _kill_postmaster(tmp)
        shutil.rmtree(tmp, ignore_errors=True)

    return stop


def _postmaster_pid(tmp: Path) -> int | None:
    try:
        first = (tmp / "run" / "data" / "postmaster.pid").read_text().split()[0]
        return int(first)
    except (OSError, IndexError, ValueError):
        return None


def _kill_postmaster(tmp: Path) -> None:
    pid = _postmaster_pid(tmp)
    if not pid:
        return
    try:
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return
    # The pid may have been reused since; only signal a postgres process.
    if b"postgres" in cmdline:
        os.kill(pid, signal.SIGQUIT)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def reap_stale() -> None:
    """Remove run directories whose owning pytest died (SIGKILL, power cut)."""
    for path in Path(tempfile.gettempdir()).glob(PREFIX + "*"):
        try:
            owner = int((path / "owner.pid").read_text())
        except (OSError, ValueError):
            continue
        if _alive(owner):
            continue
        _kill_postmaster(path)
        shutil.rmtree(path, ignore_errors=True)


def start(settings: Settings) -> Server:
    bindir, how = find_bindir(settings)
    return boot(bindir, "local", f"{bindir} (from {how})")
