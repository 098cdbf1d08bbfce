"""Scope: everything lives in public, and contract and schema agree."""

from __future__ import annotations

from conformance.catalog import Catalog
from conformance.contract import Contract
from conformance.findings import Finding
from conformance.rules import SCHEMA, rule


@rule("scope-schema", "nothing is created outside the public schema",
      SCHEMA, "schema")
def scope_schema(subject, catalog: Catalog, contract: Contract):
    return [
        Finding(
            "scope-schema", None, f"{obj.schema}.{obj.name}"
            if obj.kind != "schema" else obj.name,
            expected="only public", actual=f"{obj.kind} in {obj.schema}",
            hint="create it in public, or leave it to the service that "
                 "owns that schema",
        )
        for obj in catalog.foreign_objects
    ]


@rule("scope-tables", "every table is in the contract and every contract "
      "table exists", SCHEMA, "schema")
def scope_tables(subject, catalog: Catalog, contract: Contract):
    # Without a contract (--contract none) there is nothing to compare.
    if not contract.explicit:
        return []
    known, present = set(contract.tables), set(catalog.tables)
    unknown = [_unknown(t, contract) for t in sorted(present - known)]
    missing = [_missing(t, contract) for t in sorted(known - present)]
    return unknown + missing


def _unknown(table: str, contract: Contract) -> Finding:
    return Finding(
        "scope-tables", table, None,
        expected=f"a [tables.{table}] section in {contract.path}",
        actual="table not in the contract",
        hint="declare it (soft_delete, keys) or drop it from the migrations",
    )


def _missing(table: str, contract: Contract) -> Finding:
    return Finding(
        "scope-tables", table, None,
        expected="the table the contract declares",
        actual="no such table in public",
        hint=f"create it, or remove [tables.{table}] from {contract.path}",
    )
