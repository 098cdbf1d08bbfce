"""Figures, not a test: what Hypothesis costs on the user-deletion property.

One run, two sides over the same graphs:

* hypothesis: the property as tests/cascade runs it (draw a graph and a
  user, insert, delete, predict, compare), driven by @given;
* plain: the graphs Hypothesis drew, replayed in a loop that inserts,
  deletes and compares exactly the same way, with no Hypothesis at all.

Prints examples per second for each and their ratio (target <= 2x).

    .venv/bin/python bench/cascade.py                     # own server (pg_ctl)
    .venv/bin/python bench/cascade.py --postgres-url URL  # a server you run
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import psycopg
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from conformance import graph as g  # noqa: E402
from conformance.cascade import delete_row  # noqa: E402
from conformance.catalog import reflect  # noqa: E402
from conformance.contract import Contract  # noqa: E402
from conformance.database import Databases, rolled_back  # noqa: E402
from conformance.migrations import discover  # noqa: E402
from conformance.providers import launch  # noqa: E402
from conformance.settings import Settings  # noqa: E402
from strategies.graphs import graphs  # noqa: E402
from strategies.registry import load_default_entries  # noqa: E402

ROOT_TABLE = "users"


def main() -> None:
    args = _arguments()
    launched = launch(_settings(args))
    databases = Databases(launched.server.url)
    try:
        databases.create_template(discover(ROOT / "fixtures" / "sql"))
        url = databases.clone("bench")
        _bench(url, args.examples, launched.server.version)
    finally:
        databases.drop_all()
        launched.server.stop()


def _arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--postgres-url", help="superuser URL of a server "
                        "to create databases on (default: start one)")
    parser.add_argument("--examples", type=int, default=200)
    return parser.parse_args()


def _settings(args) -> Settings:
    return Settings(
        postgres="url" if args.postgres_url else "local",
        postgres_url=args.postgres_url, postgres_bin=None,
        postgres_image="postgres:15", migrations=ROOT / "fixtures" / "sql",
        hypothesis_db=None, rootdir=ROOT,
    )


def _bench(url: str, examples: int, version: str) -> None:
    load_default_entries()
    catalog = reflect(url)
    contract = Contract.load(ROOT / "fixtures" / "contract.toml")
    contract.validate(catalog)
    with psycopg.connect(url, autocommit=True) as conn:
        drawn, hypo = _with_hypothesis(conn, catalog, contract, examples)
        plain = _plain_loop(conn, catalog, contract, drawn)
    rows = statistics.mean(graph.count() for graph, _ in drawn)
    _print(version, len(drawn), rows, hypo, plain)


def _one_example(conn, catalog, contract, graph, key) -> None:
    with rolled_back(conn):
        g.insert(conn, graph, catalog)
        step = delete_row(conn, catalog, contract, ROOT_TABLE, key)
    assert not step.problems, step.problems


def _with_hypothesis(conn, catalog, contract, examples):
    drawn = []

    @settings(max_examples=examples, deadline=None, database=None,
              derandomize=True, suppress_health_check=list(HealthCheck))
    @given(st.data())
    def user_deletion(data):
        graph = data.draw(graphs(catalog, focus=ROOT_TABLE))
        key = data.draw(st.sampled_from(graph.keys(ROOT_TABLE)))
        _one_example(conn, catalog, contract, graph, key)
        drawn.append((graph, key))

    start = time.perf_counter()
    user_deletion()
    return drawn, time.perf_counter() - start


def _plain_loop(conn, catalog, contract, drawn) -> float:
    start = time.perf_counter()
    for graph, key in drawn:
        _one_example(conn, catalog, contract, graph, key)
    return time.perf_counter() - start


def _print(version, count, rows, hypo, plain) -> None:
    print(f"PostgreSQL {version}; {count} examples, {rows:.1f} rows per graph")
    for label, seconds in (("hypothesis", hypo), ("plain loop", plain)):
        print(f"{label:>11}: {count / seconds:7.1f} examples/s "
              f"({1000 * seconds / count:6.2f} ms each)")
    print(f"      ratio: {hypo / plain:.2f}x (target <= 2x)")


if __name__ == "__main__":
    main()
