"""Soft delete: a nullable deleted_at, and unique keys over live rows."""

from __future__ import annotations

from conformance.catalog import Catalog, Table
from conformance.contract import SOFT_DELETE_COLUMN, Contract
from conformance.findings import Finding
from conformance.rules import CONSTRAINTS, SCHEMA, rule
from conformance.rules._text import conjuncts

WANTED_TYPE = "timestamp with time zone"
LIVE = f"{SOFT_DELETE_COLUMN} is null"


@rule("soft-delete-column", "soft-deletable tables have a nullable "
      "deleted_at timestamptz without default", SCHEMA, "table")
def soft_delete_column(table: Table, catalog: Catalog, contract: Contract):
    if not contract.is_soft_delete(table):
        return []
    column = table.columns.get(SOFT_DELETE_COLUMN)
    actual = _column_problem(column)
    if actual is None:
        return []
    return [Finding(
        "soft-delete-column", table.name, SOFT_DELETE_COLUMN,
        expected="deleted_at timestamptz NULL, no default", actual=actual,
        hint=f"ALTER TABLE {table.name} ADD/ALTER deleted_at timestamptz "
             "(nullable, no default), or mark the table soft_delete = false",
    )]


def _column_problem(column) -> str | None:
    if column is None:
        return "no deleted_at column"
    problems = []
    if column.type != WANTED_TYPE:
        problems.append(column.type)
    if not column.nullable:
        problems.append("NOT NULL")
    if column.default is not None:
        problems.append(f"DEFAULT {column.default}")
    return ", ".join(problems) or None


@rule("soft-delete-unique-partial", "every unique key of a soft-deletable "
      "table is partial on deleted_at IS NULL", CONSTRAINTS, "table")
def soft_delete_unique_partial(
    table: Table, catalog: Catalog, contract: Contract
):
    if not contract.is_soft_delete(table):
        return []
    return [
        Finding(
            "soft-delete-unique-partial", table.name, index.name,
            expected=f"UNIQUE ({', '.join(index.columns)}) "
                     "WHERE deleted_at IS NULL",
            actual=_describe(index),
            hint="a soft-deleted row still holds this key; replace it with "
                 "a unique index ... WHERE deleted_at IS NULL",
        )
        for index in table.indexes
        if index.unique and index.constraint != "p"
        and LIVE not in conjuncts(index.where)
    ]


def _describe(index) -> str:
    kind = "UNIQUE constraint" if index.constraint == "u" else "unique index"
    where = f" WHERE {index.where}" if index.where else ""
    return f"{kind} ({', '.join(index.columns)}){where}"
