"""What the applied schema declares, reflected once into plain frozen objects.

Rules, the oracle, the strategies and the schema document all read this
model; none of them talks to the catalog directly.
"""

from __future__ import annotations

from dataclasses import dataclass, field

# ON DELETE actions, spelled as PostgreSQL prints them.
CASCADE = "CASCADE"
SET_NULL = "SET NULL"
SET_DEFAULT = "SET DEFAULT"
RESTRICT = "RESTRICT"
NO_ACTION = "NO ACTION"


@dataclass(frozen=True)
class Column:
    name: str
    type: str  # format_type() spelling: "uuid", "timestamp with time zone", ...
    nullable: bool
    default: str | None  # server-side expression as the server prints it
    identity: bool = False
    generated: bool = False


@dataclass(frozen=True)
class ForeignKey:
    name: str
    table: str
    columns: tuple[str, ...]
    ref_table: str
    ref_columns: tuple[str, ...]
    on_delete: str  # one of the action constants above
    # PostgreSQL 15+: ON DELETE SET NULL (col, ...) nulls only these columns.
    set_columns: tuple[str, ...] | None = None
    deferrable: bool = False
    initially_deferred: bool = False

    @property
    def nulled_columns(self) -> tuple[str, ...]:
        """Columns a SET NULL / SET DEFAULT action writes."""
        return self.set_columns or self.columns


@dataclass(frozen=True)
class Index:
    name: str
    table: str
    columns: tuple[str, ...]  # expression members appear as their text
    unique: bool
    where: str | None = None  # predicate of a partial index
    constraint: str | None = None  # "p", "u" or None when not backing a constraint


@dataclass(frozen=True)
class CheckConstraint:
    name: str
    table: str
    expression: str


@dataclass(frozen=True)
class Trigger:
    name: str
    table: str
    timing: str  # BEFORE, AFTER, INSTEAD OF
    events: tuple[str, ...]  # INSERT, UPDATE, DELETE, TRUNCATE
    definition: str


@dataclass(frozen=True)
class Rule:
    name: str
    table: str
    event: str
    definition: str


@dataclass(frozen=True)
class Table:
    name: str
    columns: dict[str, Column]
    primary_key: tuple[str, ...]
    foreign_keys: tuple[ForeignKey, ...] = ()
    indexes: tuple[Index, ...] = ()
    checks: tuple[CheckConstraint, ...] = ()
    triggers: tuple[Trigger, ...] = ()
    rules: tuple[Rule, ...] = ()


@dataclass(frozen=True)
class ForeignObject:
    """Something created outside the public schema."""

    schema: str
    kind: str  # "schema", "table", "sequence", "function", "type", ...
    name: str


@dataclass(frozen=True)
class Sequence:
    name: str
    owned_by: str | None  # "table.column" when a serial/identity owns it


@dataclass(frozen=True)
class Catalog:
    server_version: str
    tables: dict[str, Table]
    sequences: tuple[Sequence, ...] = ()
    foreign_objects: tuple[ForeignObject, ...] = ()
    extensions: tuple[str, ...] = field(default=())

    @property
    def foreign_keys(self) -> tuple[ForeignKey, ...]:
        return tuple(fk for t in self.tables.values() for fk in t.foreign_keys)

    def referencing(self, table: str) -> tuple[ForeignKey, ...]:
        """Foreign keys that point at ``table``."""
        return tuple(fk for fk in self.foreign_keys if fk.ref_table == table)
