"""Foreign keys: an explicit action that fits the key's kind, nullable
columns under SET NULL, and an index leading with the key's columns."""

from __future__ import annotations

from conformance.catalog import (
    CASCADE,
    NO_ACTION,
    RESTRICT,
    SET_NULL,
    Catalog,
    ForeignKey,
)
from conformance.contract import OWNERSHIP, REFERENCE, Contract, key_name
from conformance.findings import Finding
from conformance.rules import CONSTRAINTS, rule


def _finding(rule_id: str, fk: ForeignKey, expected: str, actual: str,
             hint: str) -> Finding:
    return Finding(rule_id, fk.table, key_name(fk.columns), expected,
                   f"{actual} ({fk.name} -> {fk.ref_table})", hint)


@rule("fk-explicit-action", "no foreign key keeps the implicit "
      "ON DELETE NO ACTION", CONSTRAINTS, "foreign_key")
def fk_explicit_action(fk: ForeignKey, catalog: Catalog, contract: Contract):
    # The catalog cannot tell NO ACTION written out from NO ACTION left
    # implicit (both are confdeltype 'a'); either way the key says nothing
    # about what a delete should do.
    if fk.on_delete != NO_ACTION:
        return []
    kind = contract.kind_for(fk)
    wanted = contract.expected_action(fk) or _default_action(kind)
    return [_finding(
        "fk-explicit-action", fk, f"ON DELETE {wanted} ({kind})",
        "ON DELETE NO ACTION",
        f"say ON DELETE {wanted} on {fk.name}, or declare the kind and "
        "action in the contract",
    )]


def _default_action(kind: str) -> str:
    return CASCADE if kind == OWNERSHIP else f"{SET_NULL} or {RESTRICT}"


@rule("fk-ownership-cascade", "ownership keys (contract, or NOT NULL) are "
      "ON DELETE CASCADE", CONSTRAINTS, "foreign_key")
def fk_ownership_cascade(fk: ForeignKey, catalog: Catalog,
                         contract: Contract):
    # NO ACTION fails this rule too: an implicit action is no CASCADE, and
    # fk-explicit-action says the action is missing, this one which it is.
    if contract.kind_for(fk) != OWNERSHIP or fk.on_delete == CASCADE:
        return []
    return [_finding(
        "fk-ownership-cascade", fk, "ON DELETE CASCADE (ownership)",
        f"ON DELETE {fk.on_delete}",
        "an owned row must go with its owner; use CASCADE, or declare the "
        "key a reference in the contract",
    )]


@rule("fk-reference-action", "reference keys (contract, or nullable) are "
      "ON DELETE SET NULL or RESTRICT, as the contract states",
      CONSTRAINTS, "foreign_key")
def fk_reference_action(fk: ForeignKey, catalog: Catalog,
                        contract: Contract):
    if contract.kind_for(fk) != REFERENCE:
        return []
    stated = contract.expected_action(fk)
    allowed = (stated,) if stated else (SET_NULL, RESTRICT)
    if fk.on_delete in allowed:
        return []
    return [_finding(
        "fk-reference-action", fk,
        f"ON DELETE {' or '.join(allowed)} (reference)",
        f"ON DELETE {fk.on_delete}",
        "a reference must not take the referencing row with it; use "
        f"{' or '.join(allowed)}, or declare the key ownership",
    )]


@rule("fk-set-null-nullable", "SET NULL never targets a NOT NULL column "
      "(column lists included)", CONSTRAINTS, "foreign_key")
def fk_set_null_nullable(fk: ForeignKey, catalog: Catalog,
                         contract: Contract):
    if fk.on_delete != SET_NULL:
        return []
    table = catalog.tables[fk.table]
    # ON DELETE SET NULL (cols) writes only the listed columns (PG15+,
    # manual "CREATE TABLE", referential actions).
    stuck = [c for c in fk.nulled_columns if not table.columns[c].nullable]
    if not stuck:
        return []
    return [_finding(
        "fk-set-null-nullable", fk, "nullable columns under SET NULL",
        f"NOT NULL {', '.join(stuck)}",
        "every delete of the referenced row would fail; make the column "
        "nullable or use CASCADE",
    )]


@rule("fk-indexed", "every foreign key's columns lead some non-partial "
      "index", CONSTRAINTS, "foreign_key")
def fk_indexed(fk: ForeignKey, catalog: Catalog, contract: Contract):
    # A delete of the referenced row looks the referencing rows up by these
    # columns; without an index each delete scans the table. A partial
    # index cannot serve that lookup (its predicate is not implied).
    wanted = set(fk.columns)
    for index in catalog.tables[fk.table].indexes:
        lead = set(index.columns[: len(fk.columns)])
        if index.where is None and lead == wanted:
            return []
    return [_finding(
        "fk-indexed", fk, f"an index leading with ({key_name(fk.columns)})",
        "no such non-partial index",
        f"CREATE INDEX ON {fk.table} ({', '.join(fk.columns)})",
    )]
