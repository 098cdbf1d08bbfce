"""The V1 migrations apply, and every down undoes exactly its up."""

from __future__ import annotations

import dataclasses

import psycopg
import pytest

from conformance import migrations as runner
from conformance.catalog import reflect

# Everything a migration can leave in public, in server-printed form, so
# two snapshots compare equal exactly when the schemas are the same.
SNAPSHOT_SQL = {
    "relations": """
        SELECT c.relname, c.relkind::text, obj_description(c.oid, 'pg_class')
        FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname = 'public'""",
    "columns": """
        SELECT c.relname, a.attname, format_type(a.atttypid, a.atttypmod),
               a.attnotnull, pg_get_expr(d.adbin, d.adrelid),
               col_description(c.oid, a.attnum), a.attnum
        FROM pg_attribute a
        JOIN pg_class c ON c.oid = a.attrelid
        JOIN pg_namespace n ON n.oid = c.relnamespace
        LEFT JOIN pg_attrdef d ON d.adrelid = c.oid AND d.adnum = a.attnum
        WHERE n.nspname = 'public' AND c.relkind = 'r'
          AND a.attnum > 0 AND NOT a.attisdropped""",
    "constraints": """
        SELECT c.conrelid::regclass::text, c.conname,
               pg_get_constraintdef(c.oid)
        FROM pg_constraint c JOIN pg_namespace n ON n.oid = c.connamespace
        WHERE n.nspname = 'public'""",
    "indexes": """
        SELECT indexname, indexdef FROM pg_indexes
        WHERE schemaname = 'public'""",
    "types": """
        SELECT t.typname, t.typtype::text
        FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace
        WHERE n.nspname = 'public'""",
    "functions": """
        SELECT p.proname, pg_get_function_identity_arguments(p.oid)
        FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
        WHERE n.nspname = 'public'""",
    "triggers": """
        SELECT t.tgrelid::regclass::text, t.tgname FROM pg_trigger t
        JOIN pg_class c ON c.oid = t.tgrelid
        JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname = 'public' AND NOT t.tgisinternal""",
    "rules": """
        SELECT tablename, rulename FROM pg_rules
        WHERE schemaname = 'public'""",
}

OTHER_SCHEMAS_SQL = """
    SELECT nspname FROM pg_namespace
    WHERE nspname NOT LIKE 'pg\\_%'
      AND nspname NOT IN ('information_schema', 'public')
    ORDER BY nspname"""


def snapshot(url: str) -> dict[str, list[tuple]]:
    with psycopg.connect(url) as conn:
        return {
            kind: sorted(conn.execute(query).fetchall(), key=repr)
            for kind, query in SNAPSHOT_SQL.items()
        }


def reflected(url: str):
    """The suite's own view of the schema, minus the server version."""
    return dataclasses.replace(reflect(url), server_version="")


def differences(before: dict, after: dict) -> list[str]:
    out = []
    for kind in SNAPSHOT_SQL:
        gone = set(before[kind]) - set(after[kind])
        new = set(after[kind]) - set(before[kind])
        out += [f"{kind} lost {row}" for row in sorted(gone, key=repr)]
        out += [f"{kind} gained {row}" for row in sorted(new, key=repr)]
    return out


def apply_prefix(url: str, migrations, count: int) -> None:
    """Apply the first ``count`` ups that are not applied yet."""
    with psycopg.connect(url, autocommit=True) as conn:
        runner.apply_up(conn, migrations[:count])


def test_versions_are_unique_and_ordered(v1_migrations):
    versions = [m.version for m in v1_migrations]

    assert len(versions) >= 2, "fixtures/sql: expected several migrations"
    assert versions == sorted(set(versions)), f"versions: {versions}"
    assert all(m.down is not None for m in v1_migrations)


def test_ups_create_exactly_the_contract_tables(v1_db, v1_contract):
    catalog = reflect(v1_db)

    assert sorted(catalog.tables) == sorted(v1_contract["tables"])
    assert catalog.sequences == ()
    assert catalog.foreign_objects == ()


def test_each_down_undoes_exactly_its_up(empty_db, v1_migrations, migrate):
    states = [snapshot(empty_db)]
    for count in range(1, len(v1_migrations) + 1):
        apply_prefix(empty_db, v1_migrations, count)
        states.append(snapshot(empty_db))

    for i in reversed(range(len(v1_migrations))):
        previous = v1_migrations[i - 1].version if i else 0
        migrate(empty_db, to=previous)
        diff = differences(states[i], snapshot(empty_db))
        name = v1_migrations[i].down.name
        assert not diff, f"{name}: " + "; ".join(diff[:5])


def test_up_down_up_round_trip_gives_identical_catalog(v1_db, migrate):
    first_snapshot, first_catalog = snapshot(v1_db), reflected(v1_db)

    migrate(v1_db, to=0)
    migrate(v1_db)

    assert differences(first_snapshot, snapshot(v1_db)) == []
    assert reflected(v1_db) == first_catalog


def test_all_downs_leave_public_empty(v1_db, migrate):
    migrate(v1_db, to=0)

    left = snapshot(v1_db)

    leftovers = [f"{kind}: {rows}" for kind, rows in left.items() if rows]
    assert not leftovers, "public not empty after all downs: " + "; ".join(
        leftovers)


def test_ups_touch_no_other_schema_and_need_no_extension(empty_db, migrate):
    with psycopg.connect(empty_db) as conn:
        before = conn.execute(OTHER_SCHEMAS_SQL).fetchall()

    migrate(empty_db)

    with psycopg.connect(empty_db) as conn:
        after = conn.execute(OTHER_SCHEMAS_SQL).fetchall()
        exts = conn.execute("SELECT extname FROM pg_extension").fetchall()
    assert after == before
    assert exts == [("plpgsql",)], f"extensions: {exts}"


def test_a_failing_file_leaves_nothing_behind(empty_db, v1_migrations):
    """No file commits on its own: a failure anywhere rolls all of it back."""
    for count, m in enumerate(v1_migrations):
        before = snapshot(empty_db)
        text = runner.read_sql(m.up) + "\nSELECT 1/0;\n"

        with psycopg.connect(empty_db, autocommit=True) as conn:
            with pytest.raises(psycopg.errors.DivisionByZero):
                with conn.transaction():
                    conn.execute(text)

        diff = differences(before, snapshot(empty_db))
        assert diff == [], f"{m.up.name} half-applied: {diff[:3]}"
        apply_prefix(empty_db, v1_migrations, count + 1)
