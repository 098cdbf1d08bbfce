"""Cascade family: which tables each property is parametrized over.

A test opts in by taking a ``table`` argument; ``@over(kind)`` (conformance.cascade)
picks the set. Parametrizing per table makes a failure name its table, and the
reporting plugin files the finding under it.
"""

from __future__ import annotations

import pytest

from conformance.cascade import CONTRACT_TABLE_SETS
from conformance.reporting import CONTRACT, session_catalog
from strategies.registry import load_default_entries

load_default_entries()


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "table" not in metafunc.fixturenames:
        return
    kind = getattr(metafunc.function, "cascade_tables", "all")
    catalog = session_catalog(metafunc.config)
    names = CONTRACT_TABLE_SETS[kind](catalog, metafunc.config.stash[CONTRACT])
    metafunc.parametrize("table", names, ids=names)
