"""Predict, in pure Python, what deleting one row of a graph must do.

The model follows how PostgreSQL 15 runs referential actions, not only
what the manual's one-line summaries suggest:

* Every action is an AFTER ROW trigger on the referenced table. The
  statements those triggers run (the cascaded DELETE, the SET NULL
  UPDATE) postpone their own AFTER triggers to the end of the outer
  statement (ri_triggers.c runs them through SPI with fire_triggers off),
  and the outer statement fires its queue in rounds: everything queued by
  round n fires in round n + 1. So a row reached by k cascade hops is
  deleted in round k - 1 and its own actions fire in round k.
* RESTRICT and NO ACTION both look for referencing rows when their
  trigger fires, in that round. Manual, 5.4.5 "Foreign Keys": "NO ACTION
  means that if any referencing rows still exist when the constraint is
  checked, an error is raised [...] The essential difference between these
  two choices is that NO ACTION allows the check to be deferred until
  later in the transaction, whereas RESTRICT does not." For an immediate
  key the two behave alike on DELETE: a referencing row removed in an
  earlier round no longer blocks, one removed in a later round does, and
  one removed in the same round blocks or not depending on the order the
  triggers were created in. The oracle says "order-dependent" there rather
  than guess (verified on PostgreSQL 15: the same graph deletes or fails
  depending on which foreign key was created first).
* Only the NO ACTION check of a DEFERRABLE INITIALLY DEFERRED key waits
  for commit; CREATE TABLE: "Referential actions other than the NO ACTION
  check cannot be deferred, even if the constraint is declared deferrable."
* SET NULL and SET DEFAULT write the referencing row; NOT NULL and CHECK
  constraints apply to that write ("these do not excuse you from
  observing any constraints", 5.4.5), and a SET DEFAULT value must itself
  reference an existing row.
* A failed statement changes nothing.

Rows are the database's own spelling (conformance.graph.snapshot), keyed
by primary key. CHECK expressions cannot be evaluated here; the caller may
pass ``check``, a callback that asks the server, which keeps this module
pure.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from typing import Any, Callable, Mapping

from conformance.catalog import (
    CASCADE,
    NO_ACTION,
    RESTRICT,
    SET_DEFAULT,
    SET_NULL,
    Catalog,
    CheckConstraint,
    ForeignKey,
    Table,
)
from conformance.graph import Key, Row, State

DELETED = "deleted"
FAILS = "fails"
ORDER_DEPENDENT = "order-dependent"

FOREIGN_KEY_VIOLATION = "23503"
NOT_NULL_VIOLATION = "23502"
CHECK_VIOLATION = "23514"

# More writes than this to one row in one round: too many orders to try.
_MAX_ORDERINGS_OF = 5

RowId = tuple[str, Key]
ActionOf = Callable[[ForeignKey], str]
CheckFn = Callable[[str, CheckConstraint, Row], bool | None]
DefaultFn = Callable[[str, str], Any]


class OracleError(Exception):
    """The question cannot be answered (missing row, missing callback)."""


@dataclass(frozen=True)
class Violation:
    sqlstate: str
    table: str
    constraint: str | None  # None for NOT NULL
    column: str | None
    row: Key

    def line(self) -> str:
        what = self.constraint or f"NOT NULL {self.column}"
        return f"{self.sqlstate} {self.table}{list(self.row)}: {what}"


@dataclass(frozen=True)
class Outcome:
    verdict: str
    deleted: frozenset[RowId] = frozenset()
    written: Mapping[RowId, Mapping[str, Any]] = field(default_factory=dict)
    # FAILS: the errors the server may raise first (any of them).
    violations: tuple[Violation, ...] = ()
    # ORDER_DEPENDENT: what the outcome hinges on.
    reason: str = ""

    def expected(self, state: State) -> State:
        """The state after the delete: unchanged unless it succeeds."""
        if self.verdict != DELETED:
            return state
        after = {t: dict(rows) for t, rows in state.items()}
        for table, key in self.deleted:
            after[table].pop(key, None)
        for (table, key), values in self.written.items():
            after[table][key] = {**after[table][key], **values}
        return after

    def summary(self) -> str:
        if self.verdict == DELETED:
            return (f"deleted: {len(self.deleted)} rows gone, "
                    f"{len(self.written)} rows written")
        if self.verdict == FAILS:
            return "fails: " + "; ".join(v.line() for v in self.violations)
        return f"order-dependent: {self.reason}"


def catalog_action(fk: ForeignKey) -> str:
    """The action as the catalog declares it (``--contract none``)."""
    return fk.on_delete


def predict(
    state: State,
    catalog: Catalog,
    table: str,
    key: Key,
    *,
    action_of: ActionOf = catalog_action,
    check: CheckFn | None = None,
    default_of: DefaultFn | None = None,
) -> Outcome:
    """What ``DELETE FROM table WHERE pk = key`` must do to ``state``.

    ``action_of`` gives each key's action (the contract's where it states
    one); ``check(table, constraint, row)`` evaluates a CHECK on a row
    (True, False or None for unknown = passes, as in SQL); without it
    CHECK constraints are not evaluated. ``default_of(table, column)``
    gives a SET DEFAULT column's default value.
    """
    if key not in state.get(table, {}):
        raise OracleError(f"{table}{list(key)} is not in the state")
    run = _Run(state, catalog, action_of, check, default_of)
    return run.delete(table, key)


class _Stop(Exception):
    def __init__(self, outcome: Outcome) -> None:
        self.outcome = outcome


@dataclass
class _Round:
    deletes: dict[RowId, list[ForeignKey]] = field(default_factory=dict)
    writes: dict[RowId, list[tuple[ForeignKey, dict]]] = field(
        default_factory=dict)
    sure: list[Violation] = field(default_factory=list)
    maybe: list[Violation] = field(default_factory=list)
    unsure: list[str] = field(default_factory=list)
    child_checks: list = field(default_factory=list)


class _Run:
    def __init__(self, state, catalog, action_of, check, default_of):
        self.rows = {t: dict(r) for t, r in state.items()}
        self.catalog = catalog
        self.action_of = action_of
        self.check = check
        self.default_of = default_of
        self.gone: dict[RowId, Row] = {}
        self.written: dict[RowId, dict] = {}
        self.deferred: list[tuple[ForeignKey, RowId]] = []

    # --- driver -----------------------------------------------------------

    def delete(self, table: str, key: Key) -> Outcome:
        events = self._remove((table, key))
        try:
            while events:
                events = self._fire(events)
            self._deferred_checks()
        except _Stop as stop:
            return stop.outcome
        return Outcome(DELETED, frozenset(self.gone), self.written)

    def _remove(self, rid: RowId) -> list:
        table, key = rid
        self.gone[rid] = self.rows[table].pop(key)
        return [("parent", fk, rid) for fk in self.catalog.referencing(table)]

    def _fire(self, events: list) -> list:
        rnd = _Round()
        for kind, fk, subject in events:
            if kind == "parent":
                self._parent_event(rnd, fk, subject)
            else:
                self._child_check(rnd, fk, subject)
        self._settle_writes(rnd)
        self._verdict(rnd)
        return self._apply(rnd)

    # --- one round ----------------------------------------------------------

    def _parent_event(self, rnd: _Round, fk: ForeignKey, parent: RowId):
        action = self.action_of(fk)
        if action == NO_ACTION and fk.initially_deferred:
            self.deferred.append((fk, parent))
            return
        for child in self._children(fk, self.gone[parent]):
            if action == CASCADE:
                rnd.deletes.setdefault(child, []).append(fk)
            elif action in (SET_NULL, SET_DEFAULT):
                values = self._action_values(fk, action)
                rnd.writes.setdefault(child, []).append((fk, values))
            elif action in (RESTRICT, NO_ACTION):
                self._blocked(rnd, fk, child)
            else:
                raise OracleError(f"{fk.name}: unknown action {action!r}")

    def _blocked(self, rnd: _Round, fk: ForeignKey, child: RowId) -> None:
        # Provisional: _settle_writes lifts it if this round may remove
        # or rewrite the child before the check runs.
        rnd.sure.append(_fk_violation(fk, child))

    def _child_check(self, rnd: _Round, fk: ForeignKey, child: RowId):
        """The referencing side's check after a SET DEFAULT write."""
        row = self.rows[fk.table].get(child[1])
        if row is None:
            return
        values = tuple(row[c] for c in fk.columns)
        if None in values:
            return
        rnd.child_checks.append((fk, child, values))

    def _judge_child_checks(self, rnd: _Round) -> None:
        for fk, child, values in rnd.child_checks:
            parents = self._parents(fk, values)
            staying = [k for k in parents
                       if (fk.ref_table, k) not in rnd.deletes]
            if not parents:
                rnd.sure.append(_fk_violation(fk, child))
            elif not staying:
                rnd.maybe.append(_fk_violation(fk, child))
                rnd.unsure.append(f"the default written to {_label(child)}"
                                  " points at a row this round deletes")

    def _settle_writes(self, rnd: _Round) -> None:
        """Move blocks that the round itself may lift into ``unsure``."""
        sure = []
        for v in rnd.sure:
            child = (v.table, v.row)
            if v.sqlstate == FOREIGN_KEY_VIOLATION and self._lifted(rnd, v):
                rnd.maybe.append(v)
                rnd.unsure.append(
                    f"{v.constraint} still sees {_label(child)}, which the "
                    "same round of cascades removes or rewrites"
                )
            else:
                sure.append(v)
        rnd.sure = sure
        for child, writes in rnd.writes.items():
            self._judge_writes(rnd, child, writes)
        self._judge_child_checks(rnd)

    def _lifted(self, rnd: _Round, v: Violation) -> bool:
        child = (v.table, v.row)
        if child in rnd.deletes:
            return True
        fk = self._fk(v.table, v.constraint)
        return any(set(fk.columns) & set(vals)
                   for _, vals in rnd.writes.get(child, []))

    def _judge_writes(self, rnd: _Round, child: RowId, writes: list) -> None:
        row = self.rows[child[0]][child[1]]
        results = self._orderings(child, row, writes)
        failures = [r for r in results if isinstance(r, Violation)]
        finals = {_frozen(r) for r in results if isinstance(r, dict)}
        if child in rnd.deletes:
            # Deleted in the same round: a write that fails may or may not
            # run before the delete.
            if failures:
                rnd.maybe.extend(failures)
                rnd.unsure.append(f"{_label(child)} is both deleted and "
                                  "rewritten in one round; the write fails")
            return
        if failures and len(failures) == len(results):
            rnd.sure.extend(failures)
        elif failures or len(finals) > 1:
            rnd.maybe.extend(failures)
            rnd.unsure.append(f"the writes to {_label(child)} succeed or "
                              "not depending on their order")

    def _orderings(self, child: RowId, row: Row, writes: list) -> list:
        if len(writes) > _MAX_ORDERINGS_OF:
            raise OracleError(f"{_label(child)}: {len(writes)} writes in "
                              "one round; too many orders to try")
        return [self._write_all(child, row, order)
                for order in itertools.permutations(writes)]

    def _write_all(self, child: RowId, row: Row, order) -> Row | Violation:
        current = dict(row)
        for _fk, values in order:
            current.update(values)
            problem = self._validate(child, current, values)
            if problem is not None:
                return problem
        return current

    def _validate(self, child: RowId, row: Row, values: dict):
        table = self.catalog.tables[child[0]]
        # NOT NULL is checked before CHECK constraints (ExecConstraints).
        for column, value in values.items():
            if value is None and not table.columns[column].nullable:
                return Violation(NOT_NULL_VIOLATION, table.name, None,
                                 column, child[1])
        for constraint in self._checks(table, values):
            if self.check(table.name, constraint, row) is False:
                return Violation(CHECK_VIOLATION, table.name,
                                 constraint.name, None, child[1])
        return None

    def _checks(self, table: Table, values: dict):
        # A CHECK held when the row was written; only one naming a column
        # just written can fail now. Naming is judged on the text, which
        # may over-select (harmless: one more evaluation), never miss.
        if self.check is None:
            return ()
        return [c for c in table.checks
                if any(col in c.expression for col in values)]

    def _verdict(self, rnd: _Round) -> None:
        if rnd.sure:
            raise _Stop(Outcome(FAILS, violations=tuple(
                _unique(rnd.sure + rnd.maybe))))
        if rnd.unsure:
            raise _Stop(Outcome(ORDER_DEPENDENT, violations=tuple(
                _unique(rnd.maybe)), reason="; ".join(rnd.unsure)))

    def _apply(self, rnd: _Round) -> list:
        events = []
        for child, writes in rnd.writes.items():
            if child in rnd.deletes:
                continue
            events += self._write(child, writes)
        for child in rnd.deletes:
            events += self._remove(child)
            self.written.pop(child, None)
        return events

    def _write(self, child: RowId, writes: list) -> list:
        table, key = child
        row = dict(self.rows[table][key])
        for _fk, values in writes:
            row.update(values)
            self.written.setdefault(child, {}).update(values)
        self.rows[table][key] = row
        return [("child", fk, child) for fk, values in writes
                if self.action_of(fk) == SET_DEFAULT]

    def _deferred_checks(self) -> None:
        sure = [_fk_violation(fk, child)
                for fk, parent in self.deferred
                for child in self._children(fk, self.gone[parent])]
        if sure:
            raise _Stop(Outcome(FAILS, violations=tuple(_unique(sure))))

    # --- lookups ------------------------------------------------------------

    def _children(self, fk: ForeignKey, parent_row: Row) -> list[RowId]:
        wanted = tuple(parent_row[c] for c in fk.ref_columns)
        return [
            (fk.table, key)
            for key, row in self.rows.get(fk.table, {}).items()
            if tuple(row[c] for c in fk.columns) == wanted
        ]

    def _parents(self, fk: ForeignKey, values: tuple) -> list[Key]:
        return [
            key for key, row in self.rows.get(fk.ref_table, {}).items()
            if tuple(row[c] for c in fk.ref_columns) == values
        ]

    def _action_values(self, fk: ForeignKey, action: str) -> dict:
        columns = fk.nulled_columns
        if action == SET_NULL:
            return dict.fromkeys(columns)
        if self.default_of is None:
            raise OracleError(f"{fk.name} is SET DEFAULT: pass default_of")
        return {c: self.default_of(fk.table, c) for c in columns}

    def _fk(self, table: str, name: str | None) -> ForeignKey:
        for fk in self.catalog.tables[table].foreign_keys:
            if fk.name == name:
                return fk
        raise OracleError(f"no foreign key {name} on {table}")


def _fk_violation(fk: ForeignKey, child: RowId) -> Violation:
    # The server names the referencing table and the key's constraint.
    return Violation(FOREIGN_KEY_VIOLATION, fk.table, fk.name, None, child[1])


def _label(rid: RowId) -> str:
    return f"{rid[0]}{list(rid[1])}"


def _frozen(row: Row) -> tuple:
    return tuple(sorted((k, repr(v)) for k, v in row.items()))


def _unique(items: list) -> list:
    return list(dict.fromkeys(items))
