"""Deletion reach and foreign-key cycles: the key graph as a whole.

Deleting a root row fires the referential actions of every key pointing at
it, then of every key pointing at the rows those actions delete, and so on
(manual, "Constraints", 5.5.5 Foreign Keys). Those actions are row-level
triggers; PostgreSQL fires triggers of one event in name order (manual,
"Overview of Trigger Behavior"), and the internal RI trigger names carry
the constraint's OID, so the order between two cascades is the order the
constraints were created in, which a dump and restore can change.
"""

from __future__ import annotations

from collections import deque

from conformance.catalog import (
    CASCADE,
    NO_ACTION,
    RESTRICT,
    Catalog,
    ForeignKey,
)
from conformance.contract import Contract, key_name
from conformance.findings import Finding
from conformance.rules import CONSTRAINTS, rule, fk_label

_REACH_CACHE: dict[tuple[int, str], tuple[Catalog, dict]] = {}


def cascade_reach(catalog: Catalog, root: str) -> dict[str, list[str]]:
    """Tables a delete of ``root`` reaches through CASCADE keys, each with
    the shortest chain of tables from the root (root first)."""
    cached = _REACH_CACHE.get((id(catalog), root))
    if cached and cached[0] is catalog:
        return cached[1]
    reach = {root: [root]}
    queue = deque([root])
    while queue:
        table = queue.popleft()
        for fk in catalog.referencing(table):
            if fk.on_delete == CASCADE and fk.table not in reach:
                reach[fk.table] = reach[table] + [fk.table]
                queue.append(fk.table)
    _REACH_CACHE[(id(catalog), root)] = (catalog, reach)
    return reach


def refuses(fk: ForeignKey) -> bool:
    """RESTRICT, or NO ACTION checked before the statement's end."""
    if fk.on_delete == RESTRICT:
        return True
    return fk.on_delete == NO_ACTION and not fk.initially_deferred


def chain(fk: ForeignKey, reach: dict[str, list[str]]) -> str:
    """``users -> tracks <- playlist_entries <- playlists <- users``."""
    text = " -> ".join(reach[fk.ref_table]) + " <- " + fk.table
    if fk.table in reach:
        back = list(reversed(reach[fk.table][:-1]))
        text += "".join(f" <- {t}" for t in back)
    return text


@rule("deletion-reach", "no RESTRICT or immediate NO ACTION key points into "
      "what deleting a root cascades to", CONSTRAINTS, "foreign_key")
def deletion_reach(fk: ForeignKey, catalog: Catalog, contract: Contract):
    if not refuses(fk):
        return []
    found = []
    for root in contract.roots:
        if root not in catalog.tables:
            continue
        reach = cascade_reach(catalog, root)
        if fk.ref_table in reach:
            found.append(_reach_finding(fk, root, reach))
    return found


def _reach_finding(fk: ForeignKey, root: str, reach: dict) -> Finding:
    if fk.table in reach:
        effect = (f"whether deleting a {root} row succeeds depends on the "
                  "order the cascades fire in, which a dump and restore "
                  "can flip")
    else:
        effect = (f"a {root} row with such {fk.table} rows can never be "
                  "deleted")
    return Finding(
        "deletion-reach", fk.table, key_name(fk.columns),
        expected="CASCADE or SET NULL (or a deferred NO ACTION) into the "
                 f"reach of {root}",
        actual=f"ON DELETE {fk.on_delete} ({fk.name}): {chain(fk, reach)}",
        hint=f"{effect}; change the action or declare the refusal in "
             "[[exceptions]] with its reason",
    )


# --- cycles ---------------------------------------------------------------

def _hard(fk: ForeignKey, catalog: Catalog) -> bool:
    """A key every inserted row must satisfy at once: all its columns NOT
    NULL (MATCH SIMPLE skips a key with any NULL) and not deferrable."""
    columns = catalog.tables[fk.table].columns
    not_null = all(not columns[c].nullable for c in fk.columns)
    return not_null and not fk.deferrable


def hard_cycles(catalog: Catalog) -> list[list[ForeignKey]]:
    """One cycle of hard keys per strongly connected group of tables."""
    edges: dict[str, list[ForeignKey]] = {}
    for fk in catalog.foreign_keys:
        if _hard(fk, catalog):
            edges.setdefault(fk.table, []).append(fk)
    cycles = []
    for group in _components(edges):
        cycle = _cycle_in(group, edges)
        if cycle:
            cycles.append(cycle)
    return cycles


def _components(edges: dict[str, list[ForeignKey]]) -> list[set[str]]:
    """Strongly connected components (Tarjan), iterative."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    groups: list[set[str]] = []
    for start in sorted(edges):
        if start not in index:
            _tarjan(start, edges, index, low, stack, on_stack, groups)
    return groups


def _tarjan(start, edges, index, low, stack, on_stack, groups) -> None:
    work = [(start, iter(edges.get(start, ())))]
    index[start] = low[start] = len(index)
    stack.append(start)
    on_stack.add(start)
    while work:
        node, children = work[-1]
        child = next(children, None)
        if child is not None:
            target = child.ref_table
            if target not in index:
                index[target] = low[target] = len(index)
                stack.append(target)
                on_stack.add(target)
                work.append((target, iter(edges.get(target, ()))))
            elif target in on_stack:
                low[node] = min(low[node], index[target])
            continue
        work.pop()
        if work:
            parent = work[-1][0]
            low[parent] = min(low[parent], low[node])
        if low[node] == index[node]:
            group = set()
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.add(member)
                if member == node:
                    break
            groups.append(group)


def _cycle_in(group: set[str], edges) -> list[ForeignKey] | None:
    """A cycle inside ``group``, found by walking its hard keys."""
    start = min(group)
    path: list[ForeignKey] = []
    seen = {start: 0}
    node = start
    while True:
        step = next((fk for fk in edges.get(node, ())
                     if fk.ref_table in group), None)
        if step is None:
            return None  # a single table without a self-reference
        path.append(step)
        node = step.ref_table
        if node in seen:
            return path[seen[node]:]
        seen[node] = len(path)


@rule("fk-cycle-insertable", "every cycle of foreign keys has a nullable or "
      "deferrable key", CONSTRAINTS, "schema")
def fk_cycle_insertable(subject, catalog: Catalog, contract: Contract):
    return [_cycle_finding(cycle) for cycle in hard_cycles(catalog)]


def _cycle_finding(cycle: list[ForeignKey]) -> Finding:
    tables = [fk.table for fk in cycle] + [cycle[0].table]
    return Finding(
        "fk-cycle-insertable", cycle[0].table, " -> ".join(tables),
        expected="a nullable or DEFERRABLE key in the cycle",
        actual="every key NOT NULL and immediate: "
               + ", ".join(fk_label(fk) for fk in cycle),
        hint="no row of the cycle can ever be inserted; make one key "
             "nullable or DEFERRABLE INITIALLY DEFERRED",
    )
