"""Every row of a graph goes away by deleting its owners: each root row
(an account) deletes, nothing owned outlives its owner, and what the
owners leave behind can then be deleted too.

Judged on the database alone: whether a delete matches the oracle is
delete-exact's question; this one asks whether everything can go.
"""

from __future__ import annotations

import pytest
from hypothesis import given, note
from hypothesis import strategies as st

from conformance import graph as g
from conformance.contract import OWNERSHIP
from conformance.database import rolled_back
from conformance.cascade import attempt, graph_of, holds, report

# Enough passes for any chain of RESTRICTs a graph of tens of rows holds.
MAX_PASSES = 10


@pytest.mark.rule("owner-delete-complete")
def test_owner_delete_complete(catalog, contract, db_connection,
                               record_findings):
    conn = db_connection
    roots = [r for r in contract.roots if r in catalog.tables]
    drawn = graph_of(catalog)

    @given(st.data())
    def delete_owners(data):
        graph = data.draw(drawn, label="graph")

        with rolled_back(conn):
            g.insert(conn, graph, catalog)
            initial = g.snapshot(conn, catalog)
            done, problems = _delete_roots(conn, catalog, roots)
            problems += _orphans(conn, catalog, contract, initial)
            more, stuck = _delete_leftovers(conn, catalog)
            message = report(conn, graph, catalog, done + more,
                             problems + stuck)

        note(message)
        assert not problems + stuck, message

    holds(delete_owners, record_findings, "owner-delete-complete", None,
          "every row removable by deleting its owners")


def _delete_roots(conn, catalog, roots):
    """Delete every root row still present, roots in contract order."""
    done, problems = [], []
    for table in roots:
        for key in list(g.snapshot(conn, catalog, [table])[table]):
            statement = g.delete_statement(catalog.tables[table], key)
            done.append(statement)
            error = attempt(conn, statement)
            if error is not None:
                problems.append(
                    f"deleting root {table}{list(key)} was refused: "
                    f"SQLSTATE {error.sqlstate} on "
                    f"{error.diag.constraint_name or error.diag.column_name}"
                )
    return done, problems


def _orphans(conn, catalog, contract, initial) -> list[str]:
    """Rows that had an owner and outlived it.

    A NULL ownership key that was NULL from the start (a system job with
    no account) is not an orphan; one that became NULL, or names a row
    that is gone, is.
    """
    state = g.snapshot(conn, catalog)
    problems = []
    for fk in catalog.foreign_keys:
        if contract.kind_for(fk) != OWNERSHIP:
            continue
        parents = {tuple(r[c] for c in fk.ref_columns)
                   for r in state[fk.ref_table].values()}
        for key, row in state[fk.table].items():
            owner = tuple(initial[fk.table][key][c] for c in fk.columns)
            value = tuple(row[c] for c in fk.columns)
            if None not in owner and value not in parents:
                problems.append(f"orphan: {fk.table}{list(key)} outlived "
                                f"its owner ({fk.name} = {list(value)})")
    return problems


def _delete_leftovers(conn, catalog):
    """Delete what is left, row by row, in passes, until nothing moves.

    A row held back by a RESTRICT from a row still there goes in a later
    pass; rows left when a pass removes nothing are stuck.
    """
    done = []
    for _ in range(MAX_PASSES):
        state = g.snapshot(conn, catalog)
        if not g.count_rows(state):
            return done, []
        done += _one_pass(conn, catalog, state)
        if g.count_rows(g.snapshot(conn, catalog)) == g.count_rows(state):
            break
    left = g.snapshot(conn, catalog)
    return done, [f"stuck: {t}{list(k)} survives every delete"
                  for t, rows in left.items() for k in rows]


def _one_pass(conn, catalog, state) -> list:
    done = []
    for table, rows in state.items():
        for key in rows:
            statement = g.delete_statement(catalog.tables[table], key)
            if attempt(conn, statement) is None:
                done.append(statement)
    return done
