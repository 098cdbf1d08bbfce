"""Every table of the contract has a strategy entry, and every table's
entry (or catalog-derived default) can draw its values: a type without a
builder or a CHECK the default cannot read needs an override."""

from __future__ import annotations

import pytest

from conformance.findings import Finding
from conformance.cascade import over
from strategies.columns import StrategyError
from strategies.derived import Uninsertable
from strategies.graphs import plan_for
from strategies.registry import guard_message, unregistered


@over("registered")
@pytest.mark.rule("strategy-registered")
def test_strategy_registered(table, catalog, contract, record_findings):
    problems = []
    if table in contract.tables and unregistered([table]):
        problems.append(guard_message(table))
    try:
        plan_for(catalog, [table] + _parents(catalog, table))
    except Uninsertable:
        pass  # no insertion order: rule fk-cycle-insertable says so
    except StrategyError as error:
        problems.append(str(error))

    record_findings(
        Finding("strategy-registered", table, None, "a strategy entry",
                p, "see strategies/registry.py") for p in problems
    )
    assert not problems, "\n".join(problems)


def _parents(catalog, table: str) -> list[str]:
    found, todo = set(), [table]
    while todo:
        for fk in catalog.tables[todo.pop()].foreign_keys:
            if fk.ref_table not in found and fk.ref_table != table:
                found.add(fk.ref_table)
                todo.append(fk.ref_table)
    return sorted(found)
