"""Soft delete: setting deleted_at touches no other row, a soft-deleted
parent still cascades when hard deleted, and live-only unique keys let a
removed row be re-added."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
from hypothesis import assume, given, note
from hypothesis import strategies as st
from psycopg import sql
from psycopg.types.json import Jsonb

from conformance import graph as g
from conformance.database import rolled_back
from conformance.cascade import (
    attempt,
    graph_of,
    holds,
    over,
    report,
    soft_unique_keys,
)

SOFT = "deleted_at"
WHEN = dt.datetime(2024, 1, 2, 3, 4, 5, tzinfo=dt.timezone.utc)
UNIQUE_VIOLATION = "23505"


def _live(graph: g.Graph, table: str) -> list[g.Key]:
    return [k for k, row in graph.rows.get(table, {}).items()
            if row.get(SOFT) is None]


@over("soft_delete")
@pytest.mark.rule("soft-delete-isolated")
def test_soft_delete_isolated(table, catalog, contract, db_connection,
                              record_findings):
    conn = db_connection
    target = catalog.tables[table]
    require_soft_delete_column(target)
    drawn = graph_of(catalog, table)

    @given(st.data())
    def soft_then_hard(data):
        graph = data.draw(drawn, label="graph")
        assume(_live(graph, table))
        key = data.draw(st.sampled_from(_live(graph, table)), label="key")
        soft = g.update_statement(target, key, {SOFT: WHEN})
        hard = g.delete_statement(target, key)

        with rolled_back(conn):
            g.insert(conn, graph, catalog)
            before = g.snapshot(conn, catalog)
            live = _delete_effect(conn, catalog, hard, before)
            error = attempt(conn, soft)
            after = g.snapshot(conn, catalog)
            problems = _soft_problems(before, after, table, key, error)
            removed = _delete_effect(conn, catalog, hard, after)
            problems += _same_effect(live, removed)
            message = report(conn, graph, catalog, [soft, hard], problems)

        note(message)
        assert not problems, message

    holds(soft_then_hard, record_findings, "soft-delete-isolated", table,
          "soft delete to change only deleted_at, and a hard delete of a "
          "soft-deleted row to do what it does to a live one")


def require_soft_delete_column(table) -> None:
    # The contract calls the table soft-deletable; without the column
    # there is nothing to set, and the property fails on that alone.
    assert SOFT in table.columns, (
        f"{table.name} is soft-deletable in the contract but has no "
        f"{SOFT} column; add it (timestamptz, NULL while live)"
    )


def _soft_problems(before, after, table, key, error) -> list[str]:
    if error is not None:
        return [f"setting {table}.{SOFT} failed: SQLSTATE {error.sqlstate}"]
    key = g.text_key(key)
    expected = {t: dict(rows) for t, rows in before.items()}
    row = after[table].get(key)
    if row is None or row.get(SOFT) is None:
        return [f"{table}{list(key)}.{SOFT} was not set"]
    # The row itself may change (deleted_at, and updated_at if a trigger
    # keeps it); every other row must be exactly as it was.
    expected[table][key] = row
    return g.diff_states(expected, after)


def _delete_effect(conn, catalog, statement, before):
    """What ``statement`` does from ``before``; rolled back afterwards.

    (SQLSTATE and constraint or None, rows removed, rows changed) — the
    database compared with itself, so this says nothing about the oracle
    (that is delete-exact's question), only whether soft delete matters.
    """
    with conn.transaction(force_rollback=True):
        error = attempt(conn, statement)
        after = g.snapshot(conn, catalog)
    failure = error and (error.sqlstate, error.diag.constraint_name)
    removed = {(t, k) for t, rows in before.items() for k in rows
               if k not in after[t]}
    changed = {(t, k): _changes(row, after[t][k])
               for t, rows in before.items() for k, row in rows.items()
               if k in after[t] and after[t][k] != row}
    return failure, removed, changed


def _changes(old: dict, new: dict) -> dict:
    return {c: new.get(c) for c in new if old.get(c) != new.get(c)}


def _same_effect(live, removed) -> list[str]:
    names = ("outcome", "rows deleted", "rows written")
    return [
        f"hard delete of the soft-deleted row differs from a live one in "
        f"{name}: {_short(b)} vs {_short(a)} when live"
        for name, a, b in zip(names, live, removed) if a != b
    ]


def _short(value) -> str:
    text = repr(sorted(value) if isinstance(value, set) else value)
    return text if len(text) < 200 else text[:200] + "..."


@over("soft_unique")
@pytest.mark.rule("soft-delete-unique")
def test_soft_delete_unique(table, catalog, contract, db_connection,
                            record_findings):
    conn = db_connection
    target = catalog.tables[table]
    require_soft_delete_column(target)
    keys = soft_unique_keys(target, contract)
    if not keys:
        pytest.skip(f"{table}: no unique key besides the primary key")
    if table_key_kind(target) != "uuid":
        pytest.skip(f"{table}: copies need a single uuid primary key "
                    "(known gap)")

    drawn = graph_of(catalog, table)

    @given(st.data())
    def duplicate(data):
        graph = data.draw(drawn, label="graph")
        index = data.draw(st.sampled_from(keys), label="index")
        candidates = [k for k in _live(graph, table)
                      if None not in _key_values(graph, table, k, index)]
        assume(candidates)
        key = data.draw(st.sampled_from(candidates), label="row")

        with rolled_back(conn):
            g.insert(conn, graph, catalog)
            steps, problems = _duplicate_steps(conn, catalog, target, key,
                                               index)
            message = report(conn, graph, catalog, steps, problems)

        note(message)
        assert not problems, message

    holds(duplicate, record_findings, "soft-delete-unique", table,
          "duplicates refused among live rows only, by the live key")


def table_key_kind(table) -> str | None:
    if len(table.primary_key) != 1:
        return None
    return table.columns[table.primary_key[0]].type


def _key_values(graph, table, key, index) -> tuple:
    row = graph.rows[table][key]
    return tuple(row.get(c) for c in index.columns)


def _duplicate_steps(conn, catalog, table, key, index):
    """Live duplicate refused; soft delete; duplicate accepted; again."""
    original = g.snapshot(conn, catalog, [table.name])[table.name]
    source = original[g.text_key(key)]
    first, second = (_copy(table, source, index, n) for n in (1, 2))
    soft = g.update_statement(table, key, {SOFT: WHEN})
    soft_first = g.update_statement(table, (first[0],), {SOFT: WHEN})
    steps = [first[1], soft, first[1], soft_first, second[1]]
    expect = [(UNIQUE_VIOLATION, index.name), None, None, None, None]
    problems = []
    for statement, wanted in zip(steps, expect):
        error = attempt(conn, statement)
        problems += _judge(statement, error, wanted, conn)
    return steps, problems


def _copy(table, source: dict, index, n: int):
    """An INSERT of ``source`` with a new key and the same ``index`` key.

    Other unique text columns get a suffix, so only ``index`` can object.
    """
    row = dict(source)
    new_key = _fresh_key(table, n)
    row[table.primary_key[0]] = str(new_key)
    row[SOFT] = None
    for other in table.indexes:
        if other.unique and other.name != index.name:
            for column in other.columns:
                if column in row and column not in index.columns and \
                        isinstance(row[column], str) and \
                        column not in table.primary_key:
                    row[column] = f"{row[column]}~{n}"
    return new_key, _insert_json(table, row)


def _fresh_key(table, n: int) -> uuid.UUID:
    # Outside the graph's numbering (conformance ids 1..n per table).
    return uuid.UUID(int=(0xFFFF << 64) | n)


def _insert_json(table, row: dict) -> sql.Composed:
    # Every column copied as the server spelled it, casts included.
    return sql.SQL(
        "INSERT INTO {} SELECT * FROM jsonb_populate_record(NULL::{}, {})"
    ).format(sql.Identifier(table.name), sql.Identifier(table.name),
             sql.Literal(Jsonb(row)))


def _judge(statement, error, wanted, conn) -> list[str]:
    text = statement.as_string(conn)[:120]
    if wanted is None:
        if error is None:
            return []
        return [f"refused, expected accepted (SQLSTATE {error.sqlstate} "
                f"{error.diag.constraint_name}): {text}"]
    if error is None:
        return [f"accepted, expected SQLSTATE {wanted[0]} on {wanted[1]}: "
                f"{text}"]
    got = (error.sqlstate, error.diag.constraint_name)
    if got != wanted:
        return [f"refused with {got}, expected {wanted}: {text}"]
    return []
