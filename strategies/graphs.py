"""The graph strategy: a few users, then rows of every table in order.

Foreign key targets are sampled from every row drawn so far in the
referenced table, whoever owns it, so a user likes someone else's track
and replies to someone else's comment, and deletes reach across owners.
Nullable keys are sometimes NULL. Graphs stay small (tens of rows): the
``ci`` profile runs hundreds of examples per property on two cores.
"""

from __future__ import annotations

import itertools
import uuid
from dataclasses import dataclass
from typing import Iterable

from hypothesis import strategies as st

from conformance.catalog import Catalog, ForeignKey, Table
from conformance.graph import DEFAULT, Graph, Key, Row
from strategies import checks
from strategies.derived import TablePlan, insertion_order, table_plan
from strategies.registry import entry_for


@dataclass(frozen=True)
class Plan:
    catalog: Catalog
    tables: tuple[TablePlan, ...]

    def required_for(self, focus: str | None) -> set[str]:
        """``focus`` and every table its NOT NULL keys need, transitively."""
        if focus is None:
            return set()
        needed, todo = set(), [focus]
        while todo:
            name = todo.pop()
            if name in needed:
                continue
            needed.add(name)
            table = self.catalog.tables[name]
            todo += [fk.ref_table for fk in table.foreign_keys
                     if fk.ref_table != name and _not_null(table, fk)]
        return needed


_PLANS: dict[tuple[int, tuple[str, ...]], Plan] = {}


def plan_for(catalog: Catalog, tables: Iterable[str] | None = None) -> Plan:
    """Derive (once per catalog and table set) how to draw graphs."""
    names = tuple(sorted(tables if tables is not None else keyed_tables(catalog)))
    cache_key = (id(catalog), names)
    if cache_key not in _PLANS:
        order, late = insertion_order(catalog, names)
        plans = tuple(
            table_plan(catalog.tables[n], entry_for(n), late, i + 1)
            for i, n in enumerate(order)
        )
        _PLANS[cache_key] = Plan(catalog, plans)
    return _PLANS[cache_key]


def keyed_tables(catalog: Catalog) -> list[str]:
    """Tables whose rows have an identity to compare row by row.

    A table without a primary key is left out of generated graphs (the
    pk-present rule reports it). Known gap: a table whose NOT NULL key
    points at such a table through a unique key cannot be drawn either.
    """
    return sorted(n for n, t in catalog.tables.items() if t.primary_key)


def forget_plans() -> None:
    """Drop cached plans (after the registry changed, in tests)."""
    _PLANS.clear()


def graphs(catalog: Catalog, *, focus: str | None = None,
           tables: Iterable[str] | None = None) -> st.SearchStrategy[Graph]:
    """Object graphs of ``catalog``; with ``focus``, one row of it at least."""
    plan = plan_for(catalog, tables)
    return _graphs(plan, frozenset(plan.required_for(focus)))


@st.composite
def _graphs(draw, plan: Plan, required: frozenset) -> Graph:
    drawing = _Drawing(plan.catalog)
    for table_plan_ in plan.tables:
        low, high = table_plan_.entry.rows
        if table_plan_.name in required:
            low = max(low, 1)
        for _ in range(draw(st.integers(low, max(low, high)))):
            drawing.add_row(draw, table_plan_)
    for table_plan_ in plan.tables:
        drawing.close_late_keys(draw, table_plan_)
    return drawing.graph


class _Drawing:
    def __init__(self, catalog: Catalog) -> None:
        self.graph = Graph()
        self.catalog = catalog
        self.serial = itertools.count(1)
        self.seen: dict[str, set] = {}

    def add_row(self, draw, plan: TablePlan) -> None:
        row = {**plan.constants, **draw(plan.values)}
        serial = next(self.serial)
        for column in plan.serial_keys:
            row[column] = _serial_value(plan, column, serial)
        for column in plan.suffixed:
            row[column] = _suffix(plan.table, column, row[column], serial)
        own_key = tuple(row[c] for c in plan.table.primary_key)
        for fk in plan.fks:
            if not self._reference(draw, plan.table, fk, row, own_key):
                return  # a NOT NULL key with nothing to point at
        for fk in plan.late_fks:
            row.update(dict.fromkeys(fk.columns))
        if self._valid(plan, row) and self._unique(plan, row):
            self.graph.add(plan.table, row)

    def _reference(self, draw, table: Table, fk: ForeignKey, row: Row,
                   own_key: Key) -> bool:
        required = _not_null(table, fk)
        targets = self._targets(fk, own_key if required else None)
        if required and not targets:
            return False
        chosen = _pick(draw, targets, nullable=not required)
        values = chosen if chosen is not None else (None,) * len(fk.columns)
        row.update(zip(fk.columns, values))
        return True

    def _targets(self, fk: ForeignKey, own_key: Key | None) -> list[tuple]:
        rows = self.graph.rows.get(fk.ref_table, {}).values()
        found = [tuple(r[c] for c in fk.ref_columns) for r in rows]
        if own_key is not None and fk.ref_table == fk.table:
            # A NOT NULL self-reference: a row may point at itself.
            found.append(own_key)
        return [v for v in found if DEFAULT not in v and None not in v]

    def _valid(self, plan: TablePlan, row: Row) -> bool:
        known = {c: v for c, v in row.items() if v is not DEFAULT}
        return all(checks.evaluate(node, known) is not False
                   for _, node in plan.checks)

    def _unique(self, plan: TablePlan, row: Row) -> bool:
        keys = [_unique_value(key, row) for key in plan.unique]
        seen = [self.seen.setdefault(f"{plan.name}.{k.name}", set())
                for k in plan.unique]
        if any(v is not None and v in s for v, s in zip(keys, seen)):
            return False
        for value, bucket in zip(keys, seen):
            if value is not None:
                bucket.add(value)
        return True

    def close_late_keys(self, draw, plan: TablePlan) -> None:
        """Second pass: keys to tables drawn after this one (cycles)."""
        for fk in plan.late_fks:
            targets = self._targets(fk, None)
            if not targets:
                continue
            for row in self.graph.rows.get(plan.name, {}).values():
                chosen = _pick(draw, targets, nullable=True)
                if chosen is not None:
                    row.update(zip(fk.columns, chosen))


def _pick(draw, targets: list, *, nullable: bool):
    """One target, or None; shrinks towards None, then the first target.

    An index drawn from a cached integers() strategy costs one choice;
    a fresh sampled_from() per row would cost a strategy per draw.
    """
    if not targets:
        return None
    if nullable:
        index = draw(st.integers(0, len(targets)))
        return targets[index - 1] if index else None
    return targets[draw(st.integers(0, len(targets) - 1))]


def _serial_value(plan: TablePlan, column: str, serial: int):
    """A primary key value unique in the graph, without a draw.

    Readable in a shrunk script: 00000000-0000-0000-0007-000000000012 is
    row 12 of the graph, in the seventh table of the plan.
    """
    kind = plan.table.columns[column].type
    if kind == "uuid":
        return uuid.UUID(int=(plan.position << 64) | serial)
    if kind in ("smallint", "integer", "bigint"):
        return serial
    return f"{plan.name}-{serial}"


def _unique_value(key, row: Row):
    """The value a unique index sees, or None when the row is not in it."""
    if key.where is not None:
        known = {c: v for c, v in row.items() if v is not DEFAULT}
        if checks.evaluate(key.where, known) is False:
            return None
    values = tuple(row.get(c) for c in key.columns)
    if None in values or DEFAULT in values:
        return None  # NULLs are distinct; a server default is unknown here
    if key.folded:
        values = tuple(str(v).lower() for v in values)
    return values


def _suffix(table: Table, column: str, value, serial: int):
    if value is None or value is DEFAULT:
        return value
    tail = f"-{serial}"
    limit = _limit(table.columns[column].type)
    return (value[: limit - len(tail)] if limit else value) + tail


def _limit(type_name: str) -> int | None:
    if "(" not in type_name:
        return None
    return int(type_name.split("(")[1].split(")")[0].split(",")[0])


def _not_null(table: Table, fk: ForeignKey) -> bool:
    return not all(table.columns[c].nullable for c in fk.columns)
