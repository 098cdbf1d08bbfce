"""Small hand-made catalogs and states for the oracle's unit tests."""

from __future__ import annotations

from conformance.catalog import (
    Catalog,
    CheckConstraint,
    Column,
    ForeignKey,
    Table,
)


def table(name: str, *columns: str, fks=(), checks=(), not_null=()):
    """A table with an ``id`` key; columns are nullable unless listed."""
    cols = {"id": Column("id", "text", False, None)}
    for column in columns:
        cols[column] = Column(column, "text", column not in not_null, None)
    return Table(
        name=name,
        columns=cols,
        primary_key=("id",),
        foreign_keys=tuple(fks),
        checks=tuple(CheckConstraint(n, name, e) for n, e in checks),
    )


def fk(table: str, column: str, ref: str, action: str, **extra):
    return ForeignKey(
        name=f"{table}_{column}_fkey",
        table=table,
        columns=(column,),
        ref_table=ref,
        ref_columns=("id",),
        on_delete=action,
        **extra,
    )


def catalog(*tables: Table) -> Catalog:
    return Catalog("15", {t.name: t for t in tables})


def state(**tables: list[dict]):
    """table=[{"id": ..., col: ...}, ...] -> oracle state."""
    return {
        name: {(row["id"],): dict(row) for row in rows}
        for name, rows in tables.items()
    }
