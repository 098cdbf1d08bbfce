"""Timestamps: with time zone, and one spelling of "now" for the clocks."""

from __future__ import annotations

from conformance.catalog import Catalog, Column, Table
from conformance.contract import Contract
from conformance.findings import Finding
from conformance.rules import SCHEMA, rule
from conformance.rules._text import normalise

CLOCK_COLUMNS = ("created_at", "updated_at")
# PostgreSQL 15.18, 16.14 and 18.4 all store DEFAULT CURRENT_TIMESTAMP
# and print it back as "CURRENT_TIMESTAMP" (checked on each); normalise()
# still folds case, parentheses and a timestamptz cast, which other
# majors or tools may add. A literal 'now' is frozen into a constant at
# CREATE time and shows up as one.
STANDARD = "current_timestamp"

# Spellings of the transaction start time other than the standard one, as
# they come back from pg_get_expr() once normalised. LOCALTIMESTAMP is a
# timestamp without time zone, converted through the session TimeZone.
# (Manual, "Current Date/Time": now() and transaction_timestamp() equal
# CURRENT_TIMESTAMP; the audit standardises on the SQL spelling.)
_OTHER_CLOCKS = (
    "now()", "transaction_timestamp()", "statement_timestamp()",
    "clock_timestamp()", "localtimestamp", "current_timestamp(",
    "localtimestamp(",
)


@rule("ts-timezone", "no column is timestamp without time zone",
      SCHEMA, "table")
def ts_timezone(table: Table, catalog: Catalog, contract: Contract):
    return [
        Finding(
            "ts-timezone", table.name, column.name,
            expected="timestamp with time zone", actual=column.type,
            hint=f"ALTER TABLE {table.name} ALTER {column.name} "
                 "TYPE timestamptz",
        )
        for column in table.columns.values()
        if column.type.startswith("timestamp")
        and column.type.endswith("without time zone")
    ]


@rule("ts-default", "created_at/updated_at are NOT NULL DEFAULT "
      "CURRENT_TIMESTAMP; no other clock spelling", SCHEMA, "table")
def ts_default(table: Table, catalog: Catalog, contract: Contract):
    found = []
    for column in table.columns.values():
        problem = _clock_problem(column)
        if problem:
            found.append(Finding(
                "ts-default", table.name, column.name,
                expected="NOT NULL DEFAULT CURRENT_TIMESTAMP"
                if column.name in CLOCK_COLUMNS else "DEFAULT CURRENT_TIMESTAMP",
                actual=problem,
                hint=f"ALTER TABLE {table.name} ALTER {column.name} "
                     "SET DEFAULT CURRENT_TIMESTAMP"
                     + (", SET NOT NULL" if column.name in CLOCK_COLUMNS
                        else ""),
            ))
    return found


def _clock_problem(column: Column) -> str | None:
    default = normalise(column.default)
    if column.name in CLOCK_COLUMNS:
        if column.nullable:
            return f"nullable, DEFAULT {column.default}"
        if default != STANDARD:
            return f"DEFAULT {column.default}" if default else "no default"
        return None
    if default and default != STANDARD and default.startswith(_OTHER_CLOCKS):
        return f"DEFAULT {column.default}"
    return None
