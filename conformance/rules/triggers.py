"""Triggers and rewrite rules where deletes land: reported, not judged."""

from __future__ import annotations

from conformance.catalog import CASCADE, SET_DEFAULT, SET_NULL, Catalog, Table
from conformance.contract import Contract
from conformance.findings import WARNING, Finding
from conformance.rules import CONSTRAINTS, rule

_WRITES = (CASCADE, SET_NULL, SET_DEFAULT)


def _why_watched(table: Table, contract: Contract) -> str | None:
    """Why a delete elsewhere, or a soft delete, touches this table."""
    acting = [fk for fk in table.foreign_keys if fk.on_delete in _WRITES]
    if acting:
        fk = acting[0]
        return f"ON DELETE {fk.on_delete} from {fk.ref_table} ({fk.name})"
    if table.name in contract.roots:
        return "a root of the contract"
    if contract.is_soft_delete(table):
        return "soft-deletable"
    return None


@rule("trigger-or-rule", "a user trigger or rewrite rule on a table that "
      "cascades, SET NULL or soft delete reach (warning)", CONSTRAINTS,
      "table", severity=WARNING)
def trigger_or_rule(table: Table, catalog: Catalog, contract: Contract):
    why = _why_watched(table, contract)
    if why is None:
        return []
    found = [
        _warning(table, t.name, f"{t.timing} {'/'.join(t.events)} trigger",
                 why)
        for t in table.triggers
    ]
    found += [
        _warning(table, r.name, f"rule ON {r.event}", why)
        for r in table.rules
    ]
    return found


def _warning(table: Table, name: str, what: str, why: str) -> Finding:
    return Finding(
        "trigger-or-rule", table.name, name,
        expected="no trigger or rule the keys do not declare",
        actual=f"{what} {name} on a table reached by {why}",
        hint="it can veto or extend what the foreign keys declare; the "
             "cascade tests decide whether it breaks anything",
        severity=WARNING,
    )
