"""The declarative contract a schema is held to, and the conventions that
apply wherever it is silent.

The file format is described in docs/ARCHITECTURE.md ("The contract
file"). Every error names the file and the TOML key at fault, on one line,
so a reader adding a table knows what to fix without a traceback.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from conformance.catalog import (
    CASCADE,
    RESTRICT,
    SET_NULL,
    Catalog,
    ForeignKey,
    Table,
)

OWNERSHIP = "ownership"
REFERENCE = "reference"
KINDS = (OWNERSHIP, REFERENCE)

# The actions each kind may declare. Anything else is a departure, and a
# departure is declared as an [[exceptions]] entry with its reason.
ACTIONS = {OWNERSHIP: (CASCADE,), REFERENCE: (SET_NULL, RESTRICT)}

# Column names that name a users row whatever the contract says.
DEFAULT_REFERENCES = {"user_id": "users", "owner_id": "users"}
DEFAULT_ROOTS = ("users",)

SOFT_DELETE_COLUMN = "deleted_at"

_TOP_KEYS = {"roots", "references", "tables", "exceptions"}
_TABLE_KEYS = {"soft_delete", "doc", "keys"}
_KEY_KEYS = {"kind", "on_delete", "reason"}
_EXCEPTION_KEYS = {"rule", "table", "object", "reason"}


class ContractError(Exception):
    """A contract that cannot be read or names what does not exist."""


@dataclass(frozen=True)
class KeyContract:
    columns: tuple[str, ...]
    kind: str | None = None
    on_delete: str | None = None
    reason: str | None = None


@dataclass(frozen=True)
class TableContract:
    name: str
    soft_delete: bool | None = None
    doc: str | None = None
    keys: dict[tuple[str, ...], KeyContract] = field(default_factory=dict)


@dataclass(frozen=True)
class ContractException:
    rule: str
    table: str
    object: str | None
    reason: str


def key_name(columns: tuple[str, ...]) -> str:
    """How the contract (and test ids) spell a foreign key: its columns."""
    return ",".join(columns)


class Contract:
    """What the schema promises, with conventions filling the gaps.

    ``validate(catalog)`` checks the contract against the schema and binds
    the catalog, which the conventions need (nullability, deleted_at).
    """

    def __init__(
        self,
        path: str | None,
        roots: tuple[str, ...],
        references: dict[str, str],
        tables: dict[str, TableContract],
        exceptions: tuple[ContractException, ...],
        roots_stated: bool = False,
    ) -> None:
        self.path = path
        self.roots = roots
        # Default roots ("users") are a convention: a schema without them
        # is not an error, a contract that names a missing root is.
        self.roots_stated = roots_stated
        self.references = {**DEFAULT_REFERENCES, **references}
        self.table_contracts = tables
        self.exceptions = exceptions
        self.catalog: Catalog | None = None

    def __repr__(self) -> str:
        return f"<Contract {self.path or 'conventions only'}>"

    @classmethod
    def conventions_only(cls) -> Contract:
        return cls(None, DEFAULT_ROOTS, {}, {}, ())

    @classmethod
    def load(cls, path: str | Path) -> Contract:
        return _Loader(Path(path)).load()

    @property
    def explicit(self) -> bool:
        """True when a contract file was given (not ``--contract none``)."""
        return self.path is not None

    @property
    def tables(self) -> tuple[str, ...]:
        return tuple(self.table_contracts)

    def table(self, name: str) -> TableContract | None:
        return self.table_contracts.get(name)

    # --- questions the rules, the oracle and the strategies ask ----------

    def is_soft_delete(self, table: str | Table) -> bool:
        declared = self._table_field(table, "soft_delete")
        if declared is not None:
            return declared
        found = self._table_obj(table)
        return found is not None and SOFT_DELETE_COLUMN in found.columns

    def kind_for(self, fk: ForeignKey) -> str:
        declared = self._key(fk)
        if declared and declared.kind:
            return declared.kind
        return OWNERSHIP if self._not_null(fk) else REFERENCE

    def expected_action(self, fk: ForeignKey) -> str | None:
        declared = self._key(fk)
        return declared.on_delete if declared else None

    def reason_for(self, fk: ForeignKey) -> str | None:
        declared = self._key(fk)
        return declared.reason if declared else None

    def exception_for(
        self, rule: str, table: str | None, obj: str | None = None
    ) -> str | None:
        for exc in self.exceptions:
            if exc.rule != rule or exc.table != table:
                continue
            if exc.object is None or exc.object == obj:
                return exc.reason
        return None

    def validate(self, catalog: Catalog) -> None:
        """Raise ContractError naming the first thing that does not exist."""
        _Validator(self, catalog).run()
        self.catalog = catalog

    # --- internals --------------------------------------------------------

    def _key(self, fk: ForeignKey) -> KeyContract | None:
        contract = self.table_contracts.get(fk.table)
        if contract is None:
            return None
        return contract.keys.get(fk.columns) or _by_set(contract.keys, fk)

    def _not_null(self, fk: ForeignKey) -> bool:
        table = self._table_obj(fk.table)
        if table is None:
            return False
        cols = [table.columns.get(c) for c in fk.columns]
        return all(c is not None and not c.nullable for c in cols)

    def _table_field(self, table: str | Table, name: str) -> Any:
        key = table if isinstance(table, str) else table.name
        contract = self.table_contracts.get(key)
        return getattr(contract, name) if contract else None

    def _table_obj(self, table: str | Table) -> Table | None:
        if not isinstance(table, str):
            return table
        return self.catalog.tables.get(table) if self.catalog else None


def _by_set(keys: dict, fk: ForeignKey) -> KeyContract | None:
    wanted = set(fk.columns)
    for columns, key in keys.items():
        if set(columns) == wanted:
            return key
    return None


class _Loader:
    """Parse and type-check the TOML file; every error is one line."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.label = str(path)

    def fail(self, key: str, message: str) -> ContractError:
        where = f"{self.label}: {key}: " if key else f"{self.label}: "
        return ContractError(where + message)

    def load(self) -> Contract:
        data = self._parse()
        self._known(data, _TOP_KEYS, "")
        return Contract(
            path=self.label,
            roots=self._roots(data.get("roots", list(DEFAULT_ROOTS))),
            roots_stated="roots" in data,
            references=self._references(data.get("references", {})),
            tables=self._tables(data.get("tables", {})),
            exceptions=self._exceptions(data.get("exceptions", [])),
        )

    def _parse(self) -> dict:
        try:
            text = self.path.read_text(encoding="utf-8")
        except OSError as exc:
            raise self.fail("", f"cannot read the contract ({exc.strerror}); "
                            "pass --contract PATH or --contract none") from None
        try:
            return tomllib.loads(text)
        except tomllib.TOMLDecodeError as exc:
            raise self.fail("", f"not valid TOML: {exc}") from None

    def _known(self, data: dict, allowed: set[str], prefix: str) -> None:
        for key in data:
            if key not in allowed:
                where = f"{prefix}.{key}" if prefix else key
                raise self.fail(
                    where, f"unknown key; expected one of {sorted(allowed)}"
                )

    def _typed(self, value: Any, kind: type, key: str, what: str) -> Any:
        if not isinstance(value, kind):
            raise self.fail(
                key, f"must be {what}, not {type(value).__name__} {value!r}"
            )
        return value

    def _roots(self, value: Any) -> tuple[str, ...]:
        self._typed(value, list, "roots", "a list of table names")
        for i, item in enumerate(value):
            self._typed(item, str, f"roots[{i}]", "a table name")
        return tuple(value)

    def _references(self, value: Any) -> dict[str, str]:
        self._typed(value, dict, "references", "a table of column = table")
        for column, table in value.items():
            self._typed(table, str, f"references.{column}", "a table name")
        return dict(value)

    def _tables(self, value: Any) -> dict[str, TableContract]:
        self._typed(value, dict, "tables", "a table of [tables.<name>]")
        return {name: self._table(name, body) for name, body in value.items()}

    def _table(self, name: str, body: Any) -> TableContract:
        prefix = f"tables.{name}"
        self._typed(body, dict, prefix, "a table")
        self._known(body, _TABLE_KEYS, prefix)
        soft = body.get("soft_delete")
        if soft is not None:
            self._typed(soft, bool, f"{prefix}.soft_delete", "true or false")
        doc = body.get("doc")
        if doc is not None:
            self._typed(doc, str, f"{prefix}.doc", "a string")
        keys = self._typed(body.get("keys", {}), dict, f"{prefix}.keys",
                           "a table of [tables.<t>.keys.<columns>]")
        parsed = {}
        for raw, key_body in keys.items():
            key = self._key(f"{prefix}.keys.{raw}", raw, key_body)
            parsed[key.columns] = key
        return TableContract(name, soft, doc, parsed)

    def _key(self, prefix: str, raw: str, body: Any) -> KeyContract:
        self._typed(body, dict, prefix, "a table")
        self._known(body, _KEY_KEYS, prefix)
        columns = tuple(c.strip() for c in raw.split(","))
        kind = body.get("kind")
        if kind is not None and kind not in KINDS:
            raise self.fail(f"{prefix}.kind",
                            f"{kind!r} is not one of {list(KINDS)}")
        action = body.get("on_delete")
        if action is not None:
            action = self._action(f"{prefix}.on_delete", action, kind)
        reason = body.get("reason")
        if reason is not None:
            self._typed(reason, str, f"{prefix}.reason", "a string")
        return KeyContract(columns, kind, action, reason)

    def _action(self, key: str, action: Any, kind: str | None) -> str:
        self._typed(action, str, key, "an ON DELETE action")
        action = " ".join(action.upper().split())
        allowed = ACTIONS.get(kind, (CASCADE, SET_NULL, RESTRICT))
        if action not in allowed:
            raise self.fail(
                key,
                f"{action!r} is not allowed for kind {kind or 'unstated'}; "
                f"use one of {list(allowed)}, or declare an [[exceptions]] "
                "entry with its reason",
            )
        return action

    def _exceptions(self, value: Any) -> tuple[ContractException, ...]:
        self._typed(value, list, "exceptions", "an array of [[exceptions]]")
        return tuple(self._exception(i, e) for i, e in enumerate(value))

    def _exception(self, i: int, body: Any) -> ContractException:
        prefix = f"exceptions[{i}]"
        self._typed(body, dict, prefix, "a table")
        self._known(body, _EXCEPTION_KEYS, prefix)
        for required in ("rule", "table", "reason"):
            if required not in body:
                raise self.fail(f"{prefix}.{required}", "missing; every "
                                "exception names its rule, table and reason")
            self._typed(body[required], str, f"{prefix}.{required}",
                        "a string")
        obj = body.get("object")
        if obj is not None:
            self._typed(obj, str, f"{prefix}.object", "a string")
        if not body["reason"].strip():
            raise self.fail(f"{prefix}.reason", "empty; say why the "
                            "departure is deliberate")
        return ContractException(body["rule"], body["table"], obj,
                                 body["reason"])


class _Validator:
    """Check that everything the contract names exists in the schema."""

    def __init__(self, contract: Contract, catalog: Catalog) -> None:
        self.contract = contract
        self.catalog = catalog
        self.label = contract.path or "contract"

    def fail(self, key: str, message: str) -> ContractError:
        return ContractError(f"{self.label}: {key}: {message}")

    def run(self) -> None:
        for i, root in enumerate(self.contract.roots):
            if self.contract.roots_stated:
                self._table_exists(f"roots[{i}]", root)
        explicit = {k: v for k, v in self.contract.references.items()
                    if k not in DEFAULT_REFERENCES
                    or v != DEFAULT_REFERENCES[k]}
        for column, table in explicit.items():
            self._table_exists(f"references.{column}", table)
        for name, table in self.contract.table_contracts.items():
            self._table(name, table)
        for i, exc in enumerate(self.contract.exceptions):
            self._exception(f"exceptions[{i}]", exc)

    def _table_exists(self, key: str, name: str) -> Table:
        table = self.catalog.tables.get(name)
        if table is None:
            raise self.fail(key, f"no table {name} in the schema (public)")
        return table

    def _table(self, name: str, contract: TableContract) -> None:
        table = self._table_exists(f"tables.{name}", name)
        for columns in contract.keys:
            key = f"tables.{name}.keys.{key_name(columns)}"
            for column in columns:
                if column not in table.columns:
                    raise self.fail(key, f"no column {name}.{column}")
            if not any(set(fk.columns) == set(columns)
                       for fk in table.foreign_keys):
                raise self.fail(
                    key, f"no foreign key on {name}({key_name(columns)})"
                )

    def _exception(self, key: str, exc: ContractException) -> None:
        from conformance.rules import RULES

        if exc.rule not in RULES:
            raise self.fail(f"{key}.rule",
                            f"unknown rule {exc.rule!r}; see README ## Rules")
        table = self._table_exists(f"{key}.table", exc.table)
        if exc.object is not None and exc.object not in _objects_of(table):
            raise self.fail(
                f"{key}.object",
                f"nothing named {exc.object!r} on {exc.table} (a column, "
                "comma-joined key columns, constraint, index, trigger or rule)",
            )


def _objects_of(table: Table) -> set[str]:
    names = set(table.columns)
    names.update(key_name(fk.columns) for fk in table.foreign_keys)
    names.update(fk.name for fk in table.foreign_keys)
    names.update(ix.name for ix in table.indexes)
    names.update(c.name for c in table.checks)
    names.update(t.name for t in table.triggers)
    names.update(r.name for r in table.rules)
    return names
