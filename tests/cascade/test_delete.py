"""Deleting any row does exactly what the oracle predicts, and leaves no
reference pointing at nothing."""

from __future__ import annotations

import pytest
from hypothesis import assume, given, note
from hypothesis import strategies as st

from conformance import graph as g
from conformance.database import rolled_back
from conformance.cascade import attempt, delete_row, graph_of, holds, over, report


@over("all")
@pytest.mark.rule("delete-exact")
def test_delete_exact(table, catalog, contract, db_connection,
                      record_findings):
    conn = db_connection
    drawn = graph_of(catalog, table)

    @given(st.data())
    def delete_one(data):
        graph = data.draw(drawn, label="graph")
        assume(graph.keys(table))
        key = data.draw(st.sampled_from(graph.keys(table)), label="key")

        with rolled_back(conn):
            g.insert(conn, graph, catalog)
            step = delete_row(conn, catalog, contract, table, key)
            message = report(conn, graph, catalog, [step.statement],
                             step.problems, [step.outcome])

        note(message)
        assert not step.problems, message

    holds(delete_one, record_findings, "delete-exact", table,
          "the database state the oracle predicts")


@pytest.mark.rule("no-dangling")
def test_no_dangling(catalog, contract, db_connection, record_findings):
    conn = db_connection
    drawn = graph_of(catalog)

    @given(st.data())
    def delete_some(data):
        graph = data.draw(drawn, label="graph")
        rows = [(t, k) for t in graph.tables() for k in graph.keys(t)]
        picks = data.draw(st.lists(st.sampled_from(rows), min_size=1,
                                   max_size=3, unique=True), label="deletes")

        with rolled_back(conn):
            g.insert(conn, graph, catalog)
            statements, problems = [], []
            for table, key in picks:
                statement = g.delete_statement(catalog.tables[table], key)
                statements.append(statement)
                attempt(conn, statement)
                label = f"{table}{list(g.text_key(key))}"
                problems += [f"after deleting {label}: {n} {name} row(s) "
                             "point at nothing"
                             for name, n in g.dangling(conn, catalog).items()]
            message = report(conn, graph, catalog, statements, problems,
                             anti_joins=True)

        assert not problems, message

    holds(delete_some, record_findings, "no-dangling", None,
          "every foreign key value to name an existing row")
