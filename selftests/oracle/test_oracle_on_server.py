"""The oracle's round model against a real server.

The same graph, p <- c (cascade), p <- x <- g (cascade), g -> c
(RESTRICT), deletes or fails depending on which of p's two cascades was
created first: the oracle must call it order-dependent, and must agree
with the server wherever it does not.
"""

from __future__ import annotations

import psycopg
import pytest

from conformance import graph as g
from conformance.catalog import reflect
from conformance.oracle import DELETED, FAILS, ORDER_DEPENDENT, predict

CHILD = "CREATE TABLE c (id int PRIMARY KEY, p int REFERENCES p ON DELETE CASCADE)"
HOP = "CREATE TABLE x (id int PRIMARY KEY, p int REFERENCES p ON DELETE CASCADE)"


def _schema(first: str, second: str, g_parent: str) -> list[str]:
    return [
        "CREATE TABLE p (id int PRIMARY KEY)", first, second,
        "CREATE TABLE g (id int PRIMARY KEY, "
        "c int REFERENCES c ON DELETE RESTRICT, "
        f"{g_parent} int REFERENCES {g_parent} ON DELETE CASCADE)",
        "INSERT INTO p VALUES (1)", "INSERT INTO c VALUES (1, 1)",
        "INSERT INTO x VALUES (1, 1)", "INSERT INTO g VALUES (1, 1, 1)",
    ]


def _run(conn, statements) -> tuple[str, str]:
    for statement in statements:
        conn.execute(statement)
    catalog = reflect(conn)
    state = g.snapshot(conn, catalog)
    outcome = predict(state, catalog, "p", (1,))
    try:
        with conn.transaction():
            conn.execute("DELETE FROM p WHERE id = 1")
    except psycopg.errors.ForeignKeyViolation:
        return outcome.verdict, FAILS
    return outcome.verdict, DELETED


@pytest.mark.parametrize("order", ["c-first", "x-first"])
def test_restrict_reached_in_the_checking_round(scratch, order):
    first, second = (CHILD, HOP) if order == "c-first" else (HOP, CHILD)

    predicted, actual = _run(scratch, _schema(first, second, "x"))

    assert predicted == ORDER_DEPENDENT
    # What the oracle refuses to guess: the server goes either way.
    assert actual == (FAILS if order == "c-first" else DELETED)


@pytest.mark.parametrize("order", ["c-first", "x-first"])
def test_restrict_removed_a_round_earlier_agrees(scratch, order):
    first, second = (CHILD, HOP) if order == "c-first" else (HOP, CHILD)

    predicted, actual = _run(scratch, _schema(first, second, "p"))

    assert (predicted, actual) == (DELETED, DELETED)
