"""What one cascade example does against the server, shared by the
properties and bench/cascade.py: insert a graph, run a delete or update
in a savepoint, predict it with the oracle, and explain any difference.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

import psycopg
import pytest
from psycopg import sql
from psycopg.types.json import Jsonb

from conformance import graph as g
from conformance.catalog import Catalog, CheckConstraint, ForeignKey
from conformance.contract import SOFT_DELETE_COLUMN
from conformance.findings import Finding
from conformance.oracle import DELETED, FAILS, Outcome, predict
from strategies.derived import Uninsertable
from strategies.graphs import graphs, keyed_tables

_IMMEDIATE = sql.SQL("SET CONSTRAINTS ALL IMMEDIATE")


def graph_of(catalog: Catalog, focus: str | None = None):
    """The graph strategy, or a skip when no graph can be inserted.

    A cycle of NOT NULL keys leaves no insertion order; rule
    fk-cycle-insertable reports that, the generated properties cannot run.
    Call it before @given, where a skip is clean.
    """
    try:
        return graphs(catalog, focus=focus)
    except Uninsertable as why:
        pytest.skip(f"no object graph can be inserted: {why}")


def action_of(contract):
    """The contract's action where it states one, else the catalog's."""

    def action(fk: ForeignKey) -> str:
        return contract.expected_action(fk) or fk.on_delete

    return action


def server_check(conn: psycopg.Connection):
    """The oracle's CHECK evaluator: the server evaluates the expression
    over the predicted row, in a savepoint, and nothing is written."""
    cache: dict = {}

    def check(table: str, constraint: CheckConstraint, row: dict):
        key = (table, constraint.name, json.dumps(row, sort_keys=True))
        if key not in cache:
            cache[key] = _evaluate(conn, table, constraint, row)
        return cache[key]

    return check


def _evaluate(conn, table: str, constraint: CheckConstraint, row: dict):
    query = sql.SQL(
        "SELECT ({}) FROM jsonb_populate_record(NULL::{}, %s) AS t"
    ).format(sql.SQL(constraint.expression), sql.Identifier(table))
    with conn.transaction(), conn.cursor() as cur:
        cur.execute(query, [Jsonb(row)])
        return cur.fetchone()[0]


def server_default(conn: psycopg.Connection, catalog: Catalog):
    """The oracle's SET DEFAULT values, as the server computes them.

    Evaluated once per column and example; a volatile default (a fresh
    uuid) would differ from the one the action writes: known gap, and no
    V1 key is SET DEFAULT.
    """
    cache: dict = {}

    def default_of(table: str, column: str):
        if (table, column) not in cache:
            col = catalog.tables[table].columns[column]
            cache[table, column] = _default_value(conn, col)
        return cache[table, column]

    return default_of


def _default_value(conn, column):
    if column.default is None:
        return None
    query = sql.SQL("SELECT to_jsonb(({})::{})").format(
        sql.SQL(column.default), sql.SQL(column.type))
    with conn.transaction(), conn.cursor() as cur:
        cur.execute(query)
        return cur.fetchone()[0]


def attempt(conn: psycopg.Connection, statement: sql.Composable):
    """Run ``statement`` in a savepoint; the error it raised, or None.

    Deferred checks are forced at the end so they count against it. Any
    error the server raises counts (a trigger's RAISE too); a lost
    connection does not, it ends the test.
    """
    try:
        with conn.transaction(), conn.cursor() as cur:
            cur.execute(statement)
            cur.execute(_IMMEDIATE)
    except (psycopg.OperationalError, psycopg.InterfaceError):
        raise
    except psycopg.Error as error:
        return error
    return None


@dataclass
class Step:
    """One delete (or update) and what came of it."""

    table: str
    key: g.Key
    statement: sql.Composable
    outcome: Outcome | None
    error: psycopg.Error | None
    before: g.State
    after: g.State
    problems: list[str] = field(default_factory=list)


def delete_row(conn, catalog: Catalog, contract, table: str, key: g.Key,
               *, before: g.State | None = None) -> Step:
    before = before if before is not None else g.snapshot(conn, catalog)
    target = g.text_key(key)
    outcome = predict(before, catalog, table, target,
                      action_of=action_of(contract),
                      check=server_check(conn),
                      default_of=server_default(conn, catalog))
    statement = g.delete_statement(catalog.tables[table], key)
    error = attempt(conn, statement)
    after = g.snapshot(conn, catalog)
    step = Step(table, target, statement, outcome, error, before, after)
    step.problems = judge(step)
    return step


def judge(step: Step) -> list[str]:
    """Differences between prediction and server, one line each."""
    outcome, error = step.outcome, step.error
    if outcome.verdict not in (DELETED, FAILS):
        return [f"schema defect: the outcome is {outcome.summary()}"]
    if outcome.verdict == FAILS and error is None:
        return [f"the delete succeeded; predicted {outcome.summary()}"] + \
            g.diff_states(step.before, step.after)
    if outcome.verdict == DELETED and error is not None:
        return [f"the delete failed with {describe(error)}; "
                f"predicted {outcome.summary()}"]
    if outcome.verdict == FAILS:
        return _failure_matches(outcome, error)
    return g.diff_states(outcome.expected(step.before), step.after)


def _failure_matches(outcome: Outcome, error: psycopg.Error) -> list[str]:
    diag = error.diag
    for v in outcome.violations:
        same_kind = v.sqlstate == error.sqlstate
        same_object = (v.constraint == diag.constraint_name
                       if v.constraint else v.column == diag.column_name)
        if same_kind and same_object and v.table == diag.table_name:
            return []
    return [f"the delete failed with {describe(error)}; predicted "
            f"{outcome.summary()}"]


def describe(error: psycopg.Error) -> str:
    diag = error.diag
    what = diag.constraint_name or diag.column_name or "?"
    return f"SQLSTATE {error.sqlstate} on {diag.table_name}.{what}"


def report(conn, graph: g.Graph, catalog: Catalog, statements,
           problems: list[str], outcomes=(), *, anti_joins=False) -> str:
    """The assertion message: first problem, replayable script, the rest.

    The first line doubles as the finding's ``actual``.
    """
    script = g.render_script(conn, graph, catalog, statements,
                             anti_joins=anti_joins)
    predicted = [f"-- predicted: {o.summary()}" for o in outcomes]
    return "\n".join([
        problems[0] if problems else "no problem",
        "-- replay on a fresh database of this schema (psql -f):",
        script,
        *predicted,
        "-- differences (actual vs predicted):",
        *problems,
    ])


def holds(prop, record_findings, rule: str, table: str | None,
          expected: str) -> None:
    """Run a Hypothesis property; a failure becomes a finding, then fails."""
    try:
        prop()
    except AssertionError as error:
        first = str(error).splitlines()[0] if str(error) else "failed"
        record_findings([Finding(
            rule, table, None, expected, first[:300],
            "replay the script printed in the test output with psql",
        )])
        raise


# --- which tables a property runs over -----------------------------------


def over(kind: str):
    """Run a test once per table of ``kind`` (CONTRACT_TABLE_SETS)."""

    def mark(test):
        test.cascade_tables = kind
        return test

    return mark


def _all(catalog, contract):
    return keyed_tables(catalog)


def _soft_delete(catalog, contract):
    # Declared soft-deletable counts even without the column: the
    # property then fails on the missing column, naming the table.
    return [t for t in sorted(catalog.tables) if contract.is_soft_delete(t)]


def _soft_unique(catalog, contract):
    return [t for t in _soft_delete(catalog, contract)
            if SOFT_DELETE_COLUMN not in catalog.tables[t].columns
            or soft_unique_keys(catalog.tables[t], contract)]


def _registered(catalog, contract):
    return sorted(set(catalog.tables) | set(contract.tables))


CONTRACT_TABLE_SETS = {
    "all": _all,
    "soft_delete": _soft_delete,
    "soft_unique": _soft_unique,
    "registered": _registered,
}


def soft_unique_keys(table, contract):
    """The unique keys of a soft-deletable table, primary key aside.

    Each must hold among live rows only; a full one (a mutant, or a
    schema that forgot the predicate) refuses to re-add a removed row and
    fails the property. A contract exception to soft-delete-unique-partial
    exempts a key.
    """
    return [ix for ix in table.indexes
            if ix.unique and ix.constraint != "p"
            and not contract.exception_for("soft-delete-unique-partial",
                                           table.name, ix.name)]
