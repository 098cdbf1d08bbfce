"""What the applied schema declares, reflected once into plain frozen objects.

Rules, the oracle, the strategies and the schema document all read this
model; none of them talks to the catalog directly.
"""

from __future__ import annotations

import re
import warnings
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

# ON DELETE actions, spelled as PostgreSQL prints them.
CASCADE = "CASCADE"
SET_NULL = "SET NULL"
SET_DEFAULT = "SET DEFAULT"
RESTRICT = "RESTRICT"
NO_ACTION = "NO ACTION"


@dataclass(frozen=True)
class Column:
    name: str
    type: str  # format_type() spelling: "uuid", "timestamp with time zone", ...
    nullable: bool
    default: str | None  # server-side expression as the server prints it
    identity: bool = False
    generated: bool = False


@dataclass(frozen=True)
class ForeignKey:
    name: str
    table: str
    columns: tuple[str, ...]
    ref_table: str
    ref_columns: tuple[str, ...]
    on_delete: str  # one of the action constants above
    # PostgreSQL 15+: ON DELETE SET NULL (col, ...) nulls only these columns.
    set_columns: tuple[str, ...] | None = None
    deferrable: bool = False
    initially_deferred: bool = False

    @property
    def nulled_columns(self) -> tuple[str, ...]:
        """Columns a SET NULL / SET DEFAULT action writes."""
        return self.set_columns or self.columns


@dataclass(frozen=True)
class Index:
    name: str
    table: str
    columns: tuple[str, ...]  # expression members appear as their text
    unique: bool
    where: str | None = None  # predicate of a partial index
    constraint: str | None = None  # "p", "u" or None when not backing a constraint


@dataclass(frozen=True)
class CheckConstraint:
    name: str
    table: str
    expression: str


@dataclass(frozen=True)
class Trigger:
    name: str
    table: str
    timing: str  # BEFORE, AFTER, INSTEAD OF
    events: tuple[str, ...]  # INSERT, UPDATE, DELETE, TRUNCATE
    definition: str


@dataclass(frozen=True)
class Rule:
    name: str
    table: str
    event: str
    definition: str


@dataclass(frozen=True)
class Table:
    name: str
    columns: dict[str, Column]
    primary_key: tuple[str, ...]
    foreign_keys: tuple[ForeignKey, ...] = ()
    indexes: tuple[Index, ...] = ()
    checks: tuple[CheckConstraint, ...] = ()
    triggers: tuple[Trigger, ...] = ()
    rules: tuple[Rule, ...] = ()


@dataclass(frozen=True)
class ForeignObject:
    """Something created outside the public schema."""

    schema: str
    kind: str  # "schema", "table", "sequence", "function", "type", ...
    name: str


@dataclass(frozen=True)
class Sequence:
    name: str
    owned_by: str | None  # "table.column" when a serial/identity owns it


@dataclass(frozen=True)
class Catalog:
    server_version: str
    tables: dict[str, Table]
    sequences: tuple[Sequence, ...] = ()
    foreign_objects: tuple[ForeignObject, ...] = ()
    extensions: tuple[str, ...] = field(default=())

    def __repr__(self) -> str:
        # Short: pytest prints fixture values beside every failing test.
        return (f"<Catalog PostgreSQL {self.server_version.split()[0]}, "
                f"{len(self.tables)} tables>")

    @property
    def foreign_keys(self) -> tuple[ForeignKey, ...]:
        return tuple(fk for t in self.tables.values() for fk in t.foreign_keys)

    def referencing(self, table: str) -> tuple[ForeignKey, ...]:
        """Foreign keys that point at ``table``."""
        return tuple(fk for fk in self.foreign_keys if fk.ref_table == table)


# --- reflection -----------------------------------------------------------

SCHEMA = "public"

# Schemas PostgreSQL itself owns; anything else besides public is "foreign".
_SYSTEM_SCHEMAS = ("pg_catalog", "information_schema", "pg_toast", SCHEMA)


def reflect(source: Any) -> Catalog:
    """Reflect the ``public`` schema of a database into a ``Catalog``.

    ``source`` is a URL (``postgresql://...``) or libpq DSN
    (``host=... dbname=...``), an SQLAlchemy Engine or
    Connection, or a psycopg connection. A psycopg connection is only used
    for its connection parameters: reflection runs on a fresh session, so
    it sees committed state, never the caller's open transaction (wrapping
    the caller's connection would let SQLAlchemy roll it back on
    first connect).
    """
    engine, owned = _engine_for(source)
    try:
        with _connect(engine) as conn:
            return _reflect(conn)
    finally:
        if owned:
            engine.dispose()


def _engine_for(source: Any) -> tuple[Any, bool]:
    if isinstance(source, (sa.engine.Engine, sa.engine.Connection)):
        return source, False
    if isinstance(source, str) and "://" not in source:
        return _engine_from_dsn(source, None), True  # libpq key=value DSN
    if isinstance(source, (str, sa.engine.URL)):
        url = sa.engine.make_url(source)
        url = url.set(drivername="postgresql+psycopg")
        return sa.create_engine(url, poolclass=sa.pool.NullPool), True
    if hasattr(source, "info") and hasattr(source.info, "dsn"):
        return _engine_from_psycopg(source), True
    raise TypeError(
        f"reflect(source={source!r}): expected a URL, an SQLAlchemy "
        "engine or connection, or a psycopg connection"
    )


def _engine_from_psycopg(conn: Any) -> sa.engine.Engine:
    return _engine_from_dsn(conn.info.dsn, conn.info.password)


def _engine_from_dsn(dsn: str, password: str | None) -> sa.engine.Engine:
    import psycopg

    extra = {"password": password} if password else {}
    return sa.create_engine(
        "postgresql+psycopg://",
        creator=lambda: psycopg.connect(dsn, **extra),
        poolclass=sa.pool.NullPool,
    )


class _connect:
    """Borrow a Connection from an Engine, or use a Connection as given."""

    def __init__(self, source: Any) -> None:
        self.source = source
        self.conn: sa.engine.Connection | None = None

    def __enter__(self) -> sa.engine.Connection:
        if isinstance(self.source, sa.engine.Connection):
            return self.source
        self.conn = self.source.connect()
        return self.conn

    def __exit__(self, *exc: object) -> None:
        if self.conn is not None:
            self.conn.close()


def _reflect(conn: sa.engine.Connection) -> Catalog:
    insp = sa.inspect(conn)
    with warnings.catch_warnings():
        # Types SQLAlchemy does not know (citext, ...) come back as NullType
        # with a warning; _column_types() fills them in from pg_catalog.
        warnings.simplefilter("ignore", sa.exc.SAWarning)
        raw = _inspector_snapshot(insp)
    extra = _catalog_extras(conn)
    tables = {
        name: _table(name, raw, extra) for name in sorted(raw["columns"])
    }
    return Catalog(
        server_version=extra["server_version"],
        tables=tables,
        sequences=extra["sequences"],
        foreign_objects=extra["foreign_objects"],
        extensions=extra["extensions"],
    )


def _inspector_snapshot(insp: sa.Inspector) -> dict[str, dict[str, Any]]:
    """One get_multi_* call per kind of object, keyed by table name."""
    calls = {
        "columns": insp.get_multi_columns,
        "pk": insp.get_multi_pk_constraint,
        "fks": insp.get_multi_foreign_keys,
        "indexes": insp.get_multi_indexes,
        "checks": insp.get_multi_check_constraints,
    }
    return {
        kind: {key[1]: value for key, value in call(schema=SCHEMA).items()}
        for kind, call in calls.items()
    }


def _table(name: str, raw: dict, extra: dict) -> Table:
    pk = tuple(raw["pk"][name].get("constrained_columns") or ())
    pk_name = raw["pk"][name].get("name")
    indexes = [_index(name, ix) for ix in raw["indexes"].get(name, ())]
    if pk:
        # The Inspector leaves the primary key's index out of get_indexes,
        # but it is an index all the same (it serves fk-indexed).
        indexes.insert(0, Index(pk_name or f"{name}_pkey", name, pk, True,
                                None, "p"))
    return Table(
        name=name,
        columns=_columns(name, raw["columns"][name], extra),
        primary_key=pk,
        foreign_keys=tuple(
            _foreign_key(name, fk, extra) for fk in raw["fks"].get(name, ())
        ),
        indexes=tuple(indexes),
        checks=tuple(
            CheckConstraint(c["name"], name, c["sqltext"])
            for c in raw["checks"].get(name, ())
        ),
        triggers=extra["triggers"].get(name, ()),
        rules=extra["rules"].get(name, ()),
    )


def _columns(table: str, cols: list[dict], extra: dict) -> dict[str, Column]:
    out = {}
    for col in cols:
        out[col["name"]] = Column(
            name=col["name"],
            type=_type_name(col["type"], extra["types"].get((table, col["name"]))),
            nullable=bool(col["nullable"]),
            default=col.get("default"),
            identity=bool(col.get("identity")),
            generated=bool(col.get("computed")),
        )
    return out


_DIALECT = postgresql.dialect()
# SQLAlchemy compiles a few types under their SQL-standard short names;
# format_type() prints PostgreSQL's own spelling, which is what we keep.
_SPELLING = (
    (re.compile(r"^varchar\b"), "character varying"),
    (re.compile(r"^char\b"), "character"),
    (re.compile(r",\s+"), ","),
)


def _type_name(sa_type: Any, server_spelling: str | None) -> str:
    if isinstance(sa_type, sa.types.NullType):
        return server_spelling or "unknown"
    try:
        text = sa_type.compile(dialect=_DIALECT).lower()
    except Exception:  # an exotic type SQLAlchemy reflects but cannot print
        return server_spelling or "unknown"
    for pattern, repl in _SPELLING:
        text = pattern.sub(repl, text)
    return text


def _foreign_key(table: str, fk: dict, extra: dict) -> ForeignKey:
    opts = fk.get("options") or {}
    name = fk["name"]
    # The Inspector folds a PG15 column list into "SET NULL (col)" and
    # leaves ondelete out for NO ACTION; the column list comes from
    # pg_constraint.confdelsetcols, which it does not expose on its own.
    pg = extra["fks"].get((table, name), {})
    action = _inspector_action(opts.get("ondelete"))
    return ForeignKey(
        name=name,
        table=table,
        columns=tuple(fk["constrained_columns"]),
        ref_table=fk["referred_table"],
        ref_columns=tuple(fk["referred_columns"]),
        on_delete=action,
        set_columns=pg.get("set_columns"),
        deferrable=bool(opts.get("deferrable")),
        initially_deferred=(opts.get("initially") or "").upper() == "DEFERRED",
    )


def _inspector_action(ondelete: str | None) -> str:
    if not ondelete:
        return NO_ACTION
    return ondelete.split("(")[0].strip().upper()


def _index(table: str, ix: dict) -> Index:
    names = ix.get("column_names") or []
    exprs = ix.get("expressions") or []
    columns = tuple(
        name if name is not None else exprs[i] for i, name in enumerate(names)
    )
    where = (ix.get("dialect_options") or {}).get("postgresql_where")
    return Index(
        name=ix["name"],
        table=table,
        columns=columns,
        unique=bool(ix.get("unique")),
        where=where,
        constraint="u" if ix.get("duplicates_constraint") else None,
    )


# --- what the Inspector cannot tell: read from pg_catalog ----------------

# confdelsetcols exists from PostgreSQL 15 on (ON DELETE SET NULL (cols)).
_FK_SQL = """
SELECT r.relname, c.conname, {setcols} AS setcols
FROM pg_constraint c
JOIN pg_class r ON r.oid = c.conrelid
JOIN pg_namespace n ON n.oid = r.relnamespace
WHERE c.contype = 'f' AND n.nspname = 'public'
"""
_SETCOLS_SQL = """
ARRAY(SELECT a.attname FROM unnest(c.confdelsetcols) WITH ORDINALITY u(k, i)
      JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = u.k
      ORDER BY u.i)::text[]
"""

# Triggers: the Inspector has no trigger API. tgisinternal hides the
# RI_ConstraintTrigger_* rows that implement foreign keys themselves.
_TRIGGER_SQL = """
SELECT c.relname, t.tgname, t.tgtype, pg_get_triggerdef(t.oid) AS def
FROM pg_trigger t
JOIN pg_class c ON c.oid = t.tgrelid
JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE NOT t.tgisinternal AND n.nspname = 'public'
ORDER BY c.relname, t.tgname
"""

# Rewrite rules: no Inspector API either; _RETURN is a view's own rule.
_RULE_SQL = """
SELECT c.relname, r.rulename, r.ev_type, pg_get_ruledef(r.oid) AS def
FROM pg_rewrite r
JOIN pg_class c ON c.oid = r.ev_class
JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE r.rulename <> '_RETURN' AND n.nspname = 'public'
ORDER BY c.relname, r.rulename
"""

# Sequences in any user schema, with the column that owns them: pg_depend
# deptype 'a' (serial, OWNED BY) or 'i' (identity).
_SEQUENCE_SQL = """
SELECT n.nspname, s.relname, t.relname AS owner_table, a.attname
FROM pg_class s
JOIN pg_namespace n ON n.oid = s.relnamespace
LEFT JOIN pg_depend d ON d.classid = 'pg_class'::regclass
     AND d.objid = s.oid AND d.refclassid = 'pg_class'::regclass
     AND d.deptype IN ('a', 'i')
LEFT JOIN pg_class t ON t.oid = d.refobjid
LEFT JOIN pg_attribute a ON a.attrelid = d.refobjid AND a.attnum = d.refobjsubid
WHERE s.relkind = 'S'
  AND n.nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast')
ORDER BY n.nspname, s.relname
"""

# Objects outside public, skipping what an extension owns (deptype 'e':
# CREATE EXTENSION put it there, and the extension is listed on its own).
_FOREIGN_SQL = """
WITH own AS (
  SELECT classid, objid FROM pg_depend WHERE deptype = 'e'
), ns AS (
  SELECT oid, nspname FROM pg_namespace
  WHERE nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast',
                        'public')
    AND nspname !~ '^pg_(toast_)?temp_'
)
SELECT ns.nspname, 'schema' AS kind, ns.nspname AS name FROM ns
WHERE NOT EXISTS (SELECT 1 FROM own WHERE classid = 'pg_namespace'::regclass
                  AND objid = ns.oid)
UNION ALL
SELECT ns.nspname,
       CASE c.relkind WHEN 'r' THEN 'table' WHEN 'p' THEN 'table'
            WHEN 'v' THEN 'view' WHEN 'm' THEN 'view'
            WHEN 'S' THEN 'sequence' WHEN 'i' THEN 'index'
            WHEN 'I' THEN 'index' ELSE 'relation' END,
       c.relname
FROM pg_class c JOIN ns ON ns.oid = c.relnamespace
WHERE c.relkind <> 't' AND NOT EXISTS (
  SELECT 1 FROM own WHERE classid = 'pg_class'::regclass AND objid = c.oid)
UNION ALL
SELECT ns.nspname, 'function', p.proname
FROM pg_proc p JOIN ns ON ns.oid = p.pronamespace
WHERE NOT EXISTS (
  SELECT 1 FROM own WHERE classid = 'pg_proc'::regclass AND objid = p.oid)
UNION ALL
SELECT ns.nspname, 'type', t.typname
FROM pg_type t JOIN ns ON ns.oid = t.typnamespace
WHERE t.typtype IN ('e', 'd', 'r', 'm')
  AND NOT EXISTS (
  SELECT 1 FROM own WHERE classid = 'pg_type'::regclass AND objid = t.oid)
ORDER BY 1, 2, 3
"""

# Only consulted for types the Inspector cannot name (NullType).
_TYPE_SQL = """
SELECT c.relname, a.attname, format_type(a.atttypid, a.atttypmod)
FROM pg_attribute a
JOIN pg_class c ON c.oid = a.attrelid
JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p')
  AND a.attnum > 0 AND NOT a.attisdropped
"""

_TRIGGER_EVENTS = ((4, "INSERT"), (8, "DELETE"), (16, "UPDATE"),
                   (32, "TRUNCATE"))
_RULE_EVENTS = {"1": "SELECT", "2": "UPDATE", "3": "INSERT", "4": "DELETE"}


def _catalog_extras(conn: sa.engine.Connection) -> dict[str, Any]:
    def rows(sql: str) -> list:
        return list(conn.exec_driver_sql(sql))

    version_num = int(rows("SHOW server_version_num")[0][0])
    setcols = _SETCOLS_SQL if version_num >= 150000 else "NULL::text[]"
    return {
        "server_version": rows("SHOW server_version")[0][0],
        "fks": _fk_extras(rows(_FK_SQL.format(setcols=setcols))),
        "triggers": _triggers(rows(_TRIGGER_SQL)),
        "rules": _rules(rows(_RULE_SQL)),
        "sequences": _sequences(rows(_SEQUENCE_SQL)),
        "foreign_objects": tuple(ForeignObject(*r) for r in rows(_FOREIGN_SQL)),
        "extensions": tuple(
            r[0] for r in rows("SELECT extname FROM pg_extension ORDER BY 1")
        ),
        "types": {(r[0], r[1]): r[2] for r in rows(_TYPE_SQL)},
    }


def _fk_extras(rows: list) -> dict[tuple[str, str], dict]:
    return {
        (tbl, name): {"set_columns": tuple(setcols) if setcols else None}
        for tbl, name, setcols in rows
    }


def _triggers(rows: list) -> dict[str, tuple[Trigger, ...]]:
    out: dict[str, list[Trigger]] = {}
    for table, name, tgtype, definition in rows:
        out.setdefault(table, []).append(
            Trigger(name, table, _trigger_timing(tgtype),
                    _trigger_events(tgtype), definition)
        )
    return {k: tuple(v) for k, v in out.items()}


def _trigger_timing(tgtype: int) -> str:
    # Bits from src/include/catalog/pg_trigger.h: 2 BEFORE, 64 INSTEAD.
    if tgtype & 64:
        return "INSTEAD OF"
    return "BEFORE" if tgtype & 2 else "AFTER"


def _trigger_events(tgtype: int) -> tuple[str, ...]:
    return tuple(name for bit, name in _TRIGGER_EVENTS if tgtype & bit)


def _rules(rows: list) -> dict[str, tuple[Rule, ...]]:
    out: dict[str, list[Rule]] = {}
    for table, name, ev_type, definition in rows:
        event = _RULE_EVENTS.get(str(ev_type), str(ev_type))
        out.setdefault(table, []).append(Rule(name, table, event, definition))
    return {k: tuple(v) for k, v in out.items()}


def _sequences(rows: list) -> tuple[Sequence, ...]:
    out = []
    for schema, name, owner_table, owner_column in rows:
        qualified = name if schema == SCHEMA else f"{schema}.{name}"
        owner = f"{owner_table}.{owner_column}" if owner_table else None
        out.append(Sequence(qualified, owner))
    return tuple(out)
