"""Cascade family: which tables each property is parametrized over.

A test opts in by taking a ``table`` argument; ``@steps.over(kind)``
picks the set. Parametrizing per table makes a failure name its table, and the
reporting plugin files the finding under it.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from conformance.reporting import CONTRACT, session_catalog
from strategies.registry import load_default_entries

# steps.py sits beside this file; bench/cascade.py imports it the same way.
sys.path.insert(0, str(Path(__file__).parent))
load_default_entries()

from steps import CONTRACT_TABLE_SETS  # noqa: E402


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "table" not in metafunc.fixturenames:
        return
    kind = getattr(metafunc.function, "cascade_tables", "all")
    catalog = session_catalog(metafunc.config)
    names = CONTRACT_TABLE_SETS[kind](catalog, metafunc.config.stash[CONTRACT])
    metafunc.parametrize("table", names, ids=names)
