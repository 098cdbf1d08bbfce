"""Static conformance rules over the reflected catalog.

Each rule has a stable id (docs/ARCHITECTURE.md, "Rule ids"), a one-line
description, a family (``schema`` or ``constraints``) and a scope that says
what it is checked against, one test case each: every ``table``, every
``foreign_key``, or the ``schema`` as a whole. ``check`` returns the
findings for one subject; ``run`` drops those the contract declares
deliberate (``[[exceptions]]``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from conformance.catalog import Catalog, ForeignKey
from conformance.contract import Contract, key_name
from conformance.findings import ERROR, Finding

SCHEMA, CONSTRAINTS = "schema", "constraints"
FAMILIES = (SCHEMA, CONSTRAINTS)
SCOPES = ("table", "foreign_key", "schema")

Check = Callable[[Any, Catalog, Contract], Iterable[Finding]]


@dataclass(frozen=True)
class Rule:
    id: str
    description: str
    family: str
    scope: str
    check: Check
    severity: str = ERROR

    def subjects(self, catalog: Catalog) -> list[tuple[str, Any]]:
        """(test id suffix, subject) pairs, one test case each."""
        if self.scope == "table":
            return [(t.name, t) for t in catalog.tables.values()]
        if self.scope == "foreign_key":
            return [(fk_label(fk), fk) for fk in catalog.foreign_keys]
        return [("schema", None)]

    def run(
        self, subject: Any, catalog: Catalog, contract: Contract
    ) -> list[Finding]:
        found = self.check(subject, catalog, contract)
        return [f for f in found if not _excepted(f, contract)]

    def run_all(self, catalog: Catalog, contract: Contract) -> list[Finding]:
        return [
            finding
            for _, subject in self.subjects(catalog)
            for finding in self.run(subject, catalog, contract)
        ]


def fk_label(fk: ForeignKey) -> str:
    """``table.col1,col2``: how findings and test ids name a key."""
    return f"{fk.table}.{key_name(fk.columns)}"


def _excepted(finding: Finding, contract: Contract) -> bool:
    reason = contract.exception_for(finding.rule, finding.table, finding.object)
    return reason is not None


RULES: dict[str, Rule] = {}


def rule(
    id: str, description: str, family: str, scope: str, severity: str = ERROR
) -> Callable[[Check], Check]:
    """Register ``check`` under ``id``; ids are stable, never reused."""
    assert family in FAMILIES and scope in SCOPES, (id, family, scope)

    def register(check: Check) -> Check:
        if id in RULES:
            raise ValueError(f"rule id {id!r} registered twice")
        RULES[id] = Rule(id, description, family, scope, check, severity)
        return check

    return register


def run_rules(
    catalog: Catalog, contract: Contract, family: str | None = None
) -> list[Finding]:
    """Every finding of every rule (of one family), exceptions applied."""
    return [
        finding
        for r in RULES.values()
        if family is None or r.family == family
        for finding in r.run_all(catalog, contract)
    ]


# Importing the modules registers their rules, in README order.
from conformance.rules import (  # noqa: E402,F401
    keys,
    timestamps,
    soft_delete,
    references,
    scope,
    foreign_keys,
    reach,
    triggers,
)
