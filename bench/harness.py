#!/usr/bin/env python3
"""What the harness costs against doing the same by hand, measured side by side.

    .venv/bin/python bench/harness.py [--bindir DIR] [--rounds N] [--workers N]

For each phase, the median over the rounds of: the harness (local provider,
DatabaseJanitor, the migration runner) and the bare path (the same binaries
started by hand with initdb and pg_ctl, the same files applied with psql,
CREATE DATABASE ... TEMPLATE per worker). Prints both and their ratio; the
target is a total ratio of at most 1.5. Figures, not a test: nothing fails.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from conformance import migrations  # noqa: E402
from conformance.database import Databases, with_dbname  # noqa: E402
from conformance.providers import local  # noqa: E402

PHASES = ("server boot", "template creation", "migrations", "clone per worker")


class Clock:
    def __init__(self) -> None:
        self.figures: dict[str, float] = {}
        self.last = time.perf_counter()

    def lap(self, phase: str, divide: int = 1) -> None:
        now = time.perf_counter()
        self.figures[phase] = (now - self.last) / divide
        self.last = now


def harness_round(bindir: Path, found, workers: int) -> dict[str, float]:
    clock = Clock()
    server = local.boot(bindir, "local", "bench")
    clock.lap("server boot")
    databases = Databases(server.url)
    try:
        databases.janitor(databases.template).init()
        databases.created.append(databases.template)
        clock.lap("template creation")
        import psycopg

        url = with_dbname(server.url, databases.template)
        with psycopg.connect(url, autocommit=True) as conn:
            migrations.apply_up(conn, found)
        clock.lap("migrations")
        for n in range(workers):
            databases.clone(f"gw{n}")
        clock.lap("clone per worker", divide=workers)
    finally:
        databases.drop_all()
        server.stop()
    return clock.figures


def _as_user(args: list[str]) -> list[str]:
    user = local.service_user()
    return ["runuser", "-u", user, "--", *args] if user else args


def _run(args: list[str]) -> None:
    subprocess.run(_as_user(args), check=True, cwd="/", capture_output=True)


def bare_round(bindir: Path, found, workers: int) -> dict[str, float]:
    tmp = Path(tempfile.mkdtemp(prefix="bench-bare-"))
    user = local.service_user()
    if user:
        shutil.chown(tmp, user)
    port = str(local.port_for.select_random())
    data = str(tmp / "data")
    psql = [str(bindir / "psql"), "-X", "-q", "-h", "127.0.0.1", "-p", port]
    psql += ["-U", "postgres"]
    clock = Clock()
    try:
        _run([str(bindir / "initdb"), "-D", data, "-U", "postgres", "-A", "trust",
              "--no-sync", "-E", "UTF8"])
        _run([str(bindir / "pg_ctl"), "start", "-w", "-D", data, "-l", str(tmp / "log"),
              "-o", f"-F -p {port} -k {tmp} -c listen_addresses=127.0.0.1"])
        clock.lap("server boot")
        _run([*psql, "-d", "postgres", "-c", "CREATE DATABASE bench_template"])
        clock.lap("template creation")
        for migration in found:
            _run([*psql, "-d", "bench_template", "-v", "ON_ERROR_STOP=1", "-1",
                  "-f", str(migration.up)])
        clock.lap("migrations")
        for n in range(workers):
            _run([*psql, "-d", "postgres", "-c",
                  f"CREATE DATABASE bench_gw{n} TEMPLATE bench_template"])
        clock.lap("clone per worker", divide=workers)
    finally:
        stop = [str(bindir / "pg_ctl"), "stop", "-D", data, "-m", "f"]
        subprocess.run(_as_user(stop), cwd="/", capture_output=True, check=False)
        shutil.rmtree(tmp, ignore_errors=True)
    return clock.figures


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bindir", type=Path, default=None)
    parser.add_argument("--migrations", type=Path, default=ROOT / "fixtures" / "sql")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--workers", type=int, default=4)
    args = parser.parse_args()
    bindir = args.bindir or local._debian_bindirs()[0]
    found = migrations.discover(args.migrations)
    runs = {"harness": [], "bare": []}
    for _ in range(args.rounds):  # interleaved, so machine noise hits both
        runs["bare"].append(bare_round(bindir, found, args.workers))
        runs["harness"].append(harness_round(bindir, found, args.workers))
    report(bindir, found, args, runs)
    return 0


def report(bindir, found, args, runs) -> None:
    median = {
        side: {p: statistics.median(r[p] for r in rounds) for p in PHASES}
        for side, rounds in runs.items()
    }
    print(f"binaries {bindir}; {len(found)} migration files; {args.workers} workers; "
          f"median of {args.rounds} rounds; {os.cpu_count()} CPUs")
    print(f"{'phase':<20}{'harness s':>12}{'bare s':>12}{'ratio':>8}")
    for phase in PHASES:
        h, b = median["harness"][phase], median["bare"][phase]
        print(f"{phase:<20}{h:>12.3f}{b:>12.3f}{h / b:>8.2f}")
    total = {s: median[s]["server boot"] + median[s]["template creation"]
             + median[s]["migrations"] + args.workers * median[s]["clone per worker"]
             for s in median}
    ratio = total["harness"] / total["bare"]
    print(f"{'total (all workers)':<20}{total['harness']:>12.3f}{total['bare']:>12.3f}"
          f"{ratio:>8.2f}")
    print(f"target: ratio <= 1.5 -> {'met' if ratio <= 1.5 else 'NOT met'}")


if __name__ == "__main__":
    sys.exit(main())
