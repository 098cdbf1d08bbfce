"""Every row of a graph goes away by deleting its owners: each root row
(an account) deletes, nothing owned survives its owner, and what the
owners leave behind can then be deleted too."""

from __future__ import annotations

import pytest
from hypothesis import given, note
from hypothesis import strategies as st

from conformance import graph as g
from conformance.contract import OWNERSHIP
from conformance.database import rolled_back
from conformance.oracle import DELETED, predict
from steps import action_of, delete_row, holds, report
from strategies.graphs import graphs


@pytest.mark.rule("owner-delete-complete")
def test_owner_delete_complete(catalog, contract, db_connection,
                               record_findings):
    conn = db_connection
    roots = [r for r in contract.roots if r in catalog.tables]

    @given(st.data())
    def delete_owners(data):
        graph = data.draw(graphs(catalog), label="graph")

        with rolled_back(conn):
            g.insert(conn, graph, catalog)
            initial = g.snapshot(conn, catalog)
            done, problems = _delete_roots(conn, catalog, contract, roots)
            problems += _orphans(conn, catalog, contract, initial)
            more, stuck = _delete_leftovers(conn, catalog, contract)
            done += more
            problems += [p for s in done for p in s.problems] + stuck
            message = report(conn, graph, catalog,
                             [s.statement for s in done], problems,
                             [s.outcome for s in done])

        note(message)
        assert not problems, message

    holds(delete_owners, record_findings, "owner-delete-complete", None,
          "every row removable by deleting its owners")


def _delete_roots(conn, catalog, contract, roots):
    """Delete every root row still present, roots in contract order."""
    done, problems = [], []
    for table in roots:
        for key in list(g.snapshot(conn, catalog, [table])[table]):
            step = delete_row(conn, catalog, contract, table, key)
            done.append(step)
            if step.error is not None:
                problems.append(f"deleting root {table}{list(key)} was "
                                f"refused: SQLSTATE {step.error.sqlstate} "
                                f"on {step.error.diag.constraint_name}")
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


def _delete_leftovers(conn, catalog, contract):
    """Delete what is left, one row at a time, until nothing moves.

    A row the oracle says cannot go yet (a RESTRICT from a row still
    there) waits for a later pass; rows left at the fixed point are stuck.
    """
    done = []
    while True:
        state = g.snapshot(conn, catalog)
        target = _first_deletable(catalog, contract, state)
        if target is None:
            break
        done.append(delete_row(conn, catalog, contract, *target,
                               before=state))
    left = g.snapshot(conn, catalog)
    stuck = [f"stuck: {t}{list(k)}: {_why(catalog, contract, left, t, k)}"
             for t, rows in left.items() for k in rows]
    return done, stuck


def _first_deletable(catalog, contract, state):
    # Asking the oracle first keeps the database out of blocked attempts.
    for table, rows in state.items():
        for key in rows:
            outcome = predict(state, catalog, table, key,
                              action_of=action_of(contract))
            if outcome.verdict == DELETED:
                return table, key
    return None


def _why(catalog, contract, state, table, key) -> str:
    return predict(state, catalog, table, key,
                   action_of=action_of(contract)).summary()
