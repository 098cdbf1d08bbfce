"""Object graphs: rows per table keyed by primary key, inserted in order.

A graph is what the strategies draw and what a failure report prints. It
knows how to insert itself (self-references and cycles included), how to
render itself plus one action as a script psql can replay, and how to read
the database back for comparison with the oracle's prediction.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass, field
from typing import Any, Iterable

from psycopg import sql
from psycopg.types.json import Jsonb

from conformance.catalog import Catalog, ForeignKey, Table

Key = tuple  # primary key values, in the table's primary key order
Row = dict[str, Any]
# table -> key -> row as the database returns it (to_jsonb spelling)
State = dict[str, dict[Key, Row]]


class _Default:
    """Marks a column left to its server default in an INSERT."""

    def __repr__(self) -> str:
        return "DEFAULT"


DEFAULT = _Default()


class GraphNotInsertable(Exception):
    """A row needs a not-yet-inserted row through a NOT NULL key."""


@dataclass
class Graph:
    """Rows per table, tables in the order they were drawn.

    Every row carries its primary key and every foreign key column (None
    where it points at nothing); other columns are optional and a missing
    one is left to the server.
    """

    rows: dict[str, dict[Key, Row]] = field(default_factory=dict)

    def add(self, table: Table, row: Row) -> Key:
        key = tuple(row[c] for c in table.primary_key)
        self.rows.setdefault(table.name, {})[key] = row
        return key

    def keys(self, table: str) -> list[Key]:
        return list(self.rows.get(table, {}))

    def count(self) -> int:
        return sum(len(rows) for rows in self.rows.values())

    def tables(self) -> list[str]:
        return [t for t, rows in self.rows.items() if rows]


# --- inserting ------------------------------------------------------------


@dataclass(frozen=True)
class _Deferred:
    """A reference filled in by UPDATE once its target exists."""

    table: str
    key: Key
    fk: ForeignKey
    values: tuple


def insertion_plan(graph: Graph, catalog: Catalog) -> list[sql.Composed]:
    """INSERT per table and column set, then UPDATEs closing cycles.

    Foreign keys are checked at the end of each statement, so a multi-row
    INSERT may reference its own rows; only a reference to a table not yet
    inserted is written NULL first and set afterwards.
    """
    done: set[str] = set()
    inserts, updates = [], []
    for name in graph.tables():
        table = catalog.tables[name]
        rows, deferred = _split_forward(graph, table, done)
        inserts.extend(_inserts(table, rows))
        updates.extend(_update(table, d) for d in deferred)
        done.add(name)
    if _needs_deferral(graph, catalog):
        # A deferrable key may point forward: checked at the last line.
        return [_SET_DEFERRED, *inserts, *updates, _SET_IMMEDIATE]
    return inserts + updates


_SET_DEFERRED = sql.SQL("SET CONSTRAINTS ALL DEFERRED")
_SET_IMMEDIATE = sql.SQL("SET CONSTRAINTS ALL IMMEDIATE")


def _needs_deferral(graph: Graph, catalog: Catalog) -> bool:
    drawn = graph.tables()
    for i, name in enumerate(drawn):
        for fk in catalog.tables[name].foreign_keys:
            if fk.deferrable and fk.ref_table in drawn[i + 1:]:
                return True
    return False


def _split_forward(graph: Graph, table: Table, done: set[str]):
    rows, deferred = [], []
    for key, row in graph.rows[table.name].items():
        row = dict(row)
        for fk in table.foreign_keys:
            values = tuple(row.get(c) for c in fk.columns)
            later = fk.ref_table not in done and fk.ref_table != table.name
            if later and None not in values and not fk.deferrable:
                _defer_check(table, fk)
                deferred.append(_Deferred(table.name, key, fk, values))
                row.update({c: None for c in fk.columns})
        rows.append(row)
    return rows, deferred


def _defer_check(table: Table, fk: ForeignKey) -> None:
    for column in fk.columns:
        if not table.columns[column].nullable:
            raise GraphNotInsertable(
                f"{table.name}.{column} is NOT NULL and references "
                f"{fk.ref_table}, drawn later: no insertion order exists "
                "(see rule fk-cycle-insertable)"
            )


def _inserts(table: Table, rows: list[Row]) -> list[sql.Composed]:
    """One INSERT for all the table's rows, columns in table order.

    A column some row leaves out is DEFAULT there; one statement is what
    lets rows reference each other (checked at its end).
    """
    if not rows:
        return []
    present = set().union(*rows)
    columns = tuple(c for c in table.columns if c in present)
    filled = [{c: row.get(c, DEFAULT) for c in columns} for row in rows]
    return [_insert(table, columns, filled)]


def _insert(table: Table, cols: tuple[str, ...], rows: list[Row]):
    overriding = any(table.columns[c].identity for c in cols)
    head = sql.SQL("INSERT INTO {} ({}){} VALUES ").format(
        sql.Identifier(table.name),
        sql.SQL(", ").join(map(sql.Identifier, cols)),
        sql.SQL(" OVERRIDING SYSTEM VALUE" if overriding else ""),
    )
    tuples = [
        sql.SQL("({})").format(
            sql.SQL(", ").join(_value(table, c, row[c]) for c in cols)
        )
        for row in rows
    ]
    return head + sql.SQL(",\n  ").join(tuples)


def _value(table: Table, column: str, value: Any) -> sql.Composable:
    if value is DEFAULT:
        return sql.SQL("DEFAULT")
    if value is not None and "json" in table.columns[column].type:
        value = Jsonb(value)
    if isinstance(value, uuid.UUID):
        value = str(value)  # dashed, as psql prints it
    # An explicit cast keeps the script's meaning when pasted into psql.
    cast = sql.SQL(table.columns[column].type)
    return sql.SQL("{}::{}").format(sql.Literal(value), cast)


def _update(table: Table, d: _Deferred) -> sql.Composed:
    sets = sql.SQL(", ").join(
        sql.SQL("{} = {}").format(sql.Identifier(c), _value(table, c, v))
        for c, v in zip(d.fk.columns, d.values)
    )
    return sql.SQL("UPDATE {} SET {} WHERE {}").format(
        sql.Identifier(table.name), sets, key_predicate(table, d.key)
    )


def key_predicate(table: Table, key: Key) -> sql.Composed:
    return sql.SQL(" AND ").join(
        sql.SQL("{} = {}").format(sql.Identifier(c), _value(table, c, v))
        for c, v in zip(table.primary_key, key)
    )


def insert(conn, graph: Graph, catalog: Catalog) -> None:
    """Run the plan as one multi-statement string: one round trip."""
    plan = insertion_plan(graph, catalog)
    if plan:
        with conn.cursor() as cur:
            cur.execute(sql.SQL(";\n").join(plan))


# --- actions and scripts ----------------------------------------------------


def delete_statement(table: Table, key: Key) -> sql.Composed:
    return sql.SQL("DELETE FROM {} WHERE {}").format(
        sql.Identifier(table.name), key_predicate(table, key)
    )


def update_statement(table: Table, key: Key, values: Row) -> sql.Composed:
    sets = sql.SQL(", ").join(
        sql.SQL("{} = {}").format(sql.Identifier(c), _value(table, c, v))
        for c, v in values.items()
    )
    return sql.SQL("UPDATE {} SET {} WHERE {}").format(
        sql.Identifier(table.name), sets, key_predicate(table, key)
    )


def render_script(
    conn, graph: Graph, catalog: Catalog, actions: Iterable[sql.Composable],
    *, anti_joins: bool = False,
) -> str:
    """The graph and the actions as a psql script, inside one transaction.

    Pasted into psql on a fresh database of the same schema it replays
    the example. ON_ERROR_ROLLBACK undoes only a failing statement, as the
    savepoint around each action did in the test, so the actions after a
    refused delete run as they did there; the final ROLLBACK leaves the
    database as it was. With ``anti_joins`` it ends by listing dangling
    references.
    """
    lines = ["\\set ON_ERROR_ROLLBACK on", "BEGIN;"]
    lines += [s.as_string(conn) + ";" for s in insertion_plan(graph, catalog)]
    lines += [a.as_string(conn) + ";" for a in actions]
    if anti_joins:
        lines.append(dangling_query(catalog).as_string(conn) + ";")
    lines.append("ROLLBACK;")
    return "\n".join(lines)


# --- reading the database back ----------------------------------------------


def snapshot(conn, catalog: Catalog, tables: Iterable[str] | None = None):
    """Every row of the given tables (all by default) as to_jsonb sees it."""
    names = list(tables if tables is not None else catalog.tables)
    parts = [
        sql.SQL("SELECT {}::text, to_jsonb(t) FROM {} t").format(
            sql.Literal(n), sql.Identifier(n)
        )
        for n in names
    ]
    state: State = {n: {} for n in names}
    with conn.cursor() as cur:
        cur.execute(sql.SQL(" UNION ALL ").join(parts))
        for name, row in cur:
            pk = catalog.tables[name].primary_key
            state[name][tuple(row[c] for c in pk)] = row
    return state


def dangling_query(catalog: Catalog) -> sql.Composed:
    """One anti-join per foreign key, counting children pointing at nothing.

    A trigger that cancels a cascaded delete leaves exactly this behind
    while row counts look plausible.
    """
    parts = [_anti_join(fk) for fk in catalog.foreign_keys]
    if not parts:
        return sql.SQL("SELECT NULL::text, 0 WHERE false")
    return sql.SQL(" UNION ALL ").join(parts)


def _anti_join(fk: ForeignKey) -> sql.Composed:
    present = sql.SQL(" AND ").join(
        sql.SQL("c.{} IS NOT NULL").format(sql.Identifier(c))
        for c in fk.columns
    )
    match = sql.SQL(" AND ").join(
        sql.SQL("p.{} = c.{}").format(sql.Identifier(r), sql.Identifier(c))
        for c, r in zip(fk.columns, fk.ref_columns)
    )
    return sql.SQL(
        "SELECT {}::text, count(*) FROM {} c WHERE {} AND NOT EXISTS "
        "(SELECT 1 FROM {} p WHERE {}) HAVING count(*) > 0"
    ).format(
        sql.Literal(fk.name), sql.Identifier(fk.table), present,
        sql.Identifier(fk.ref_table), match,
    )


def dangling(conn, catalog: Catalog) -> dict[str, int]:
    """Foreign key name -> number of rows whose target does not exist."""
    with conn.cursor() as cur:
        cur.execute(dangling_query(catalog))
        return dict(cur.fetchall())


def text_key(key: Key) -> Key:
    """A drawn key spelled as to_jsonb spells it (uuid -> str)."""
    return tuple(json.loads(json.dumps(v, default=str)) for v in key)


def diff_states(expected: State, actual: State) -> list[str]:
    """Row-by-row differences, one short line each, stable order."""
    lines = []
    for table in sorted(set(expected) | set(actual)):
        want, got = expected.get(table, {}), actual.get(table, {})
        for key in sorted(set(want) | set(got), key=repr):
            lines.extend(_row_diff(table, key, want.get(key), got.get(key)))
    return lines


def _row_diff(table: str, key: Key, want: Row | None, got: Row | None):
    label = f"{table}{list(key)}"
    if want is None:
        return [f"{label}: present, predicted deleted"]
    if got is None:
        return [f"{label}: deleted, predicted present"]
    return [
        f"{label}.{c}: {got.get(c)!r}, predicted {want.get(c)!r}"
        for c in sorted(set(want) | set(got))
        if want.get(c) != got.get(c)
    ]



def count_rows(state: State) -> int:
    return sum(len(rows) for rows in state.values())
