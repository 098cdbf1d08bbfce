"""The default derived from the catalog: how to draw one table's rows.

It reads column types and nullability, foreign keys, CHECK constraints of
simple forms and unique constraints and indexes, and yields a ``TablePlan``
the graph strategy draws rows with. Columns with a server default are left
to the server unless an entry overrides them; nullable columns nothing
constrains stay NULL; primary keys are numbered per graph, so references
are known before insertion.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from hypothesis import strategies as st

from conformance.catalog import Catalog, Column, ForeignKey, Table
from conformance.contract import SOFT_DELETE_COLUMN
from conformance.graph import DEFAULT
from strategies import checks
from strategies.checks import Domain, Node, UnknownCheck
from strategies.columns import StrategyError, values_for
from strategies.registry import Entry

# Text columns in a unique key get "-<n>" appended, n unique per graph,
# so generated rows rarely collide; collisions left over drop the row.
_SUFFIXABLE = ("text", "character varying", "citext")


@dataclass(frozen=True)
class UniqueKey:
    name: str
    columns: tuple[str, ...]  # expression members map to their columns
    where: Node | None  # partial index predicate; None: every row
    folded: bool  # an expression member: compare case-insensitively


@dataclass
class TablePlan:
    table: Table
    entry: Entry
    values: st.SearchStrategy  # dict of the columns drawn
    constants: dict = field(default_factory=dict)  # DEFAULT, NULL, keys
    fks: list[ForeignKey] = field(default_factory=list)
    late_fks: list[ForeignKey] = field(default_factory=list)
    checks: list[tuple[str, Node]] = field(default_factory=list)
    unique: list[UniqueKey] = field(default_factory=list)
    suffixed: list[str] = field(default_factory=list)
    serial_keys: list[str] = field(default_factory=list)
    position: int = 0  # the table's place in the insertion order

    @property
    def name(self) -> str:
        return self.table.name


def table_plan(table: Table, entry: Entry, late: set[str],
               position: int = 0) -> TablePlan:
    fk_columns = {c for fk in table.foreign_keys for c in fk.columns}
    parsed = _checks(table, entry)
    domains = {c: _domain(parsed, c) for c in table.columns}
    unique = _unique_keys(table)
    wanted = _constrained(table, parsed, unique)
    values = {
        name: _column_values(table, column, entry, domains[name],
                             name in wanted)
        for name, column in table.columns.items()
        if name not in fk_columns and not column.generated
    }
    # A constant costs a span per row when drawn; merge it in instead.
    constants = {n: v.value for n, v in values.items()
                 if isinstance(v, _Fixed)}
    drawn = {n: v for n, v in values.items() if n not in constants}
    return TablePlan(
        table=table,
        entry=entry,
        values=st.fixed_dictionaries(drawn),
        constants=constants,
        fks=[fk for fk in table.foreign_keys if fk.name not in late],
        late_fks=[fk for fk in table.foreign_keys if fk.name in late],
        checks=parsed,
        unique=unique,
        suffixed=_suffixed(table, entry, unique, domains, fk_columns),
        serial_keys=_serial_keys(table, entry, fk_columns),
        position=position,
    )


@dataclass(frozen=True)
class _Fixed:
    """A column value known without drawing (DEFAULT, NULL, numbered)."""

    value: Any


_NULL = _Fixed(None)


def _column_values(table: Table, column: Column, entry: Entry,
                   domain: Domain, constrained: bool) -> Any:
    if column.name in entry.columns:
        override = entry.columns[column.name]
        return _Fixed(DEFAULT) if override is DEFAULT else override
    if column.name in table.primary_key:
        if column.type in _SERIAL_TYPES:
            return _NULL  # numbered per row, see _serial_keys
        return values_for(table.name, column, domain)
    if column.default is not None or column.identity:
        return _Fixed(DEFAULT)
    if column.nullable and not constrained:
        # Free nullable columns (bio, last_login_at) cannot change what a
        # delete does; drawing them would double a graph's cost.
        return _NULL
    values = values_for(table.name, column, domain)
    return st.none() | values if column.nullable else values


def _constrained(table: Table, parsed, unique) -> set[str]:
    """Columns a CHECK, a unique key (or its predicate) or soft delete name."""
    named = {SOFT_DELETE_COLUMN} & set(table.columns)
    for _, node in parsed:
        named |= checks.columns_of(node)
    for key in unique:
        named |= set(key.columns)
        if key.where is not None:
            named |= checks.columns_of(key.where)
    return named


# Primary keys are not drawn: a graph numbers its rows, which makes keys
# unique without a draw or a rejected row, and a shrunk script readable.
_SERIAL_TYPES = ("uuid", "smallint", "integer", "bigint", "text")


def _serial_keys(table: Table, entry: Entry, fk_columns) -> list[str]:
    return [c for c in table.primary_key
            if c not in entry.columns and c not in fk_columns
            and table.columns[c].type in _SERIAL_TYPES]


def _checks(table: Table, entry: Entry) -> list[tuple[str, Node]]:
    parsed = []
    for check in table.checks:
        try:
            parsed.append((check.name, checks.parse(check.expression)))
        except UnknownCheck:
            if not _covered(check.expression, table, entry):
                raise StrategyError(
                    f"{table.name}: CHECK {check.name} ({check.expression}) "
                    "is not a form the default understands; override its "
                    f"columns in the table's entry ({entry.source})"
                ) from None
    return parsed


def _covered(expression: str, table: Table, entry: Entry) -> bool:
    # Trust an entry that overrides every column the expression names.
    named = [c for c in table.columns if c in expression]
    return bool(named) and all(c in entry.columns for c in named)


def _domain(parsed: list[tuple[str, Node]], column: str) -> Domain:
    merged = Domain()
    for _, node in parsed:
        one = checks.domain(node, column)
        if one.choices is not None:
            keep = merged.choices or one.choices
            merged.choices = tuple(v for v in one.choices if v in keep)
        if one.low is not None and (merged.low is None or one.low > merged.low):
            merged.low, merged.low_open = one.low, one.low_open
        if one.high is not None and (merged.high is None or one.high < merged.high):
            merged.high, merged.high_open = one.high, one.high_open
        merged.min_length = max(merged.min_length, one.min_length)
        if one.max_length is not None:
            merged.max_length = min(merged.max_length or one.max_length,
                                    one.max_length)
        merged.excluded |= one.excluded
    return merged


def _unique_keys(table: Table) -> list[UniqueKey]:
    keys = []
    for index in table.indexes:
        if not index.unique:
            continue
        columns, folded = _index_columns(table, index.columns)
        where = _predicate(index.where)
        keys.append(UniqueKey(index.name, columns, where, folded))
    return keys


def _index_columns(table: Table, members) -> tuple[tuple[str, ...], bool]:
    columns, folded = [], False
    for member in members:
        if member in table.columns:
            columns.append(member)
            continue
        # An expression such as lower(email): key on the columns it uses.
        folded = True
        columns += [c for c in table.columns if c in member]
    return tuple(columns), folded


def _predicate(where: str | None) -> Node | None:
    if where is None:
        return None
    try:
        return checks.parse(where)
    except UnknownCheck:
        return None  # conservative: treat every row as indexed


def _suffixed(table, entry, unique, domains, fk_columns) -> list[str]:
    wanted = {c for key in unique for c in key.columns}
    return [
        c for c in sorted(wanted)
        if c not in fk_columns and c not in entry.columns
        and domains[c].choices is None
        and table.columns[c].type.startswith(_SUFFIXABLE)
        and table.columns[c].default is None
    ]


class Uninsertable(StrategyError):
    """No insertion order exists: a schema defect, not a strategy's."""


# --- order of the tables --------------------------------------------------------


def insertion_order(catalog: Catalog, tables) -> tuple[list[str], set[str]]:
    """Tables parents first, and the foreign keys that must wait.

    A cycle is broken at a key that can be NULL; the rows are inserted
    with it NULL and updated afterwards. (A cycle closed only by NOT NULL
    deferrable keys is not supported: known gap, none in V1.)
    """
    remaining = sorted(tables)
    order, late = [], set()
    while remaining:
        ready = [t for t in remaining
                 if not _waiting(catalog.tables[t], remaining, late)]
        if not ready:
            ready = [_break_cycle(catalog, remaining, late)]
        order.append(ready[0])
        remaining.remove(ready[0])
    return order, late


def _waiting(table: Table, remaining, late) -> list[ForeignKey]:
    return [fk for fk in table.foreign_keys
            if fk.ref_table != table.name and fk.ref_table in remaining
            and fk.name not in late]


def _break_cycle(catalog: Catalog, remaining, late: set[str]) -> str:
    for name in remaining:
        table = catalog.tables[name]
        blocking = _waiting(table, remaining, late)
        if all(_nullable(table, fk) for fk in blocking):
            late.update(fk.name for fk in blocking)
            return name
    raise Uninsertable(
        f"tables {', '.join(remaining)} reference each other through NOT "
        "NULL, non-deferrable keys: no row of them can be inserted "
        "(rule fk-cycle-insertable)"
    )


def _nullable(table: Table, fk: ForeignKey) -> bool:
    return all(table.columns[c].nullable for c in fk.columns)
