"""Primary keys: present, uuid, gen_random_uuid(), and no sequence left."""

from __future__ import annotations

from conformance.catalog import Catalog, Sequence, Table
from conformance.contract import Contract
from conformance.findings import Finding
from conformance.rules import SCHEMA, Rule, rule
from conformance.rules._text import normalise

UUID_DEFAULT = "gen_random_uuid()"


@rule("pk-present", "every table has a primary key", SCHEMA, "table")
def pk_present(table: Table, catalog: Catalog, contract: Contract):
    if table.primary_key:
        return []
    return [Finding(
        "pk-present", table.name, None,
        expected="a primary key", actual="none",
        hint=f"add PRIMARY KEY (id) to {table.name}",
    )]


@rule("pk-uuid", "every primary-key column is uuid", SCHEMA, "table")
def pk_uuid(table: Table, catalog: Catalog, contract: Contract):
    return [
        Finding(
            "pk-uuid", table.name, name,
            expected="uuid", actual=table.columns[name].type,
            hint=f"declare {table.name}.{name} as uuid",
        )
        for name in table.primary_key
        if table.columns[name].type != "uuid"
    ]


@rule("pk-default", "a single-column primary key defaults to "
      "gen_random_uuid()", SCHEMA, "table")
def pk_default(table: Table, catalog: Catalog, contract: Contract):
    # Composite keys are made of foreign keys (a junction's pair); only a
    # surrogate key needs a generator.
    if len(table.primary_key) != 1:
        return []
    column = table.columns[table.primary_key[0]]
    default = normalise(column.default)
    if default is not None and default.endswith(UUID_DEFAULT):
        return []
    return [Finding(
        "pk-default", table.name, column.name,
        expected=f"DEFAULT {UUID_DEFAULT}",
        actual=_describe_default(column),
        hint=f"ALTER TABLE {table.name} ALTER {column.name} "
             f"SET DEFAULT {UUID_DEFAULT}",
    )]


def _describe_default(column) -> str:
    if column.identity:
        return "GENERATED AS IDENTITY"
    return f"DEFAULT {column.default}" if column.default else "no default"


def _no_sequence(subject, catalog: Catalog, contract: Contract):
    if isinstance(subject, Sequence):
        return [_free_sequence(subject)]
    return _sequence_columns(subject, catalog)


def _sequence_columns(table: Table, catalog: Catalog) -> list[Finding]:
    owned = {s.owned_by: s.name for s in catalog.sequences if s.owned_by}
    found = []
    for column in table.columns.values():
        what = _generator(column, owned.get(f"{table.name}.{column.name}"))
        if what:
            found.append(Finding(
                "no-sequence", table.name, column.name,
                expected="no sequence, serial or identity", actual=what,
                hint="use uuid DEFAULT gen_random_uuid() and drop the "
                     "sequence",
            ))
    return found


def _generator(column, owned_sequence: str | None) -> str | None:
    if column.identity:
        return "GENERATED AS IDENTITY"
    if column.default and "nextval(" in column.default.lower():
        return f"DEFAULT {column.default}"
    if owned_sequence:
        return f"owns sequence {owned_sequence}"
    return None


def _free_sequence(seq: Sequence) -> Finding:
    return Finding(
        "no-sequence", None, seq.name,
        expected="no sequence", actual=f"sequence {seq.name}",
        hint=f"DROP SEQUENCE {seq.name}",
    )


class _SequenceRule(Rule):
    """Per table, plus one case per sequence no column owns."""

    def subjects(self, catalog: Catalog):
        free = [s for s in catalog.sequences if not s.owned_by]
        return super().subjects(catalog) + [
            (f"sequence:{s.name}", s) for s in free
        ]


def _register_no_sequence() -> None:
    from conformance.rules import RULES

    RULES["no-sequence"] = _SequenceRule(
        "no-sequence",
        "no sequence, serial or identity column is left anywhere",
        SCHEMA, "table", _no_sequence,
    )


_register_no_sequence()
