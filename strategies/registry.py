"""The strategy registry: one entry per table, keyed by table name.

An entry starts from the default derived from the catalog (types,
nullability, foreign keys, CHECK and unique constraints) and overrides
only what that default cannot get right. The V1 entries live in
strategies/v1.py; whoever adds a table to the contract adds its entry
there, and test ``strategy-registered`` names any table left out.
"""

from __future__ import annotations

import inspect
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping

from hypothesis import strategies as st

from conformance.graph import DEFAULT

ENTRIES_FILE = "strategies/v1.py"
_ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Entry:
    table: str
    rows: tuple[int, int] = (0, 2)  # how many rows a graph draws
    # column -> strategy of values, or DEFAULT to leave it to the server
    columns: Mapping[str, Any] = field(default_factory=dict)
    source: str = ENTRIES_FILE
    derived_only: bool = False  # True: nobody registered this table


registry: dict[str, Entry] = {}


def register(table: str, *, rows: tuple[int, int] = (0, 2),
             **columns: Any) -> Entry:
    """Add (or replace) ``table``'s entry; returns it."""
    low, high = rows
    if not 0 <= low <= high:
        raise ValueError(f"rows={rows!r} must be (low, high), 0 <= low <= high")
    for name, value in columns.items():
        if value is not DEFAULT and not isinstance(value, st.SearchStrategy):
            raise TypeError(f"{table}.{name}={value!r} must be a strategy "
                            "or DEFAULT")
    entry = Entry(table, rows, dict(columns), _caller_file())
    registry[table] = entry
    return entry


def entry_for(table: str) -> Entry:
    """The registered entry, else the catalog-derived default alone."""
    return registry.get(table) or Entry(table, derived_only=True)


def unregistered(tables) -> list[str]:
    """The tables, of those given, that have no entry."""
    return [t for t in tables if t not in registry]


def load_default_entries() -> None:
    """Register the V1 entries (importing the module registers them)."""
    import strategies.v1  # noqa: F401


def _caller_file() -> str:
    for frame in inspect.stack()[2:]:
        path = Path(frame.filename).resolve()
        if path != Path(__file__).resolve():
            try:
                return str(path.relative_to(_ROOT))
            except ValueError:
                return str(path)
    return ENTRIES_FILE


def guard_message(table: str) -> str:
    """What test strategy-registered says about a table with no entry."""
    return (f"table {table} is in the contract but has no strategy entry; "
            f"add register({table!r}) to {ENTRIES_FILE} (the catalog-derived "
            "default is its starting point; override only what it cannot "
            "satisfy)")
