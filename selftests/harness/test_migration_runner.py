"""The migration runner: layouts, one-line errors, transactions, the record."""

from __future__ import annotations

from pathlib import Path

import psycopg
import pytest

from conformance.migrations import (
    MigrationError,
    apply_down,
    apply_up,
    applied_versions,
    discover,
    split_statements,
)


def write(directory: Path, files: dict[str, str | bytes]) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    for name, body in files.items():
        path = directory / name
        if isinstance(body, bytes):
            path.write_bytes(body)
        else:
            path.write_text(body)
    return directory


# -- discovery ------------------------------------------------------------------


def test_golang_layout_in_version_order(tmp_path):
    root = write(
        tmp_path,
        {
            "000010_late.up.sql": "",
            "000002_early.up.sql": "",
            "000002_early.down.sql": "",
            "README.md": "ignored",
        },
    )

    found = discover(root)

    assert [(m.version, m.name) for m in found] == [(2, "early"), (10, "late")]
    assert found[0].down == root / "000002_early.down.sql"
    assert found[1].down is None


def test_plain_numbered_layout(tmp_path):
    root = write(tmp_path, {"2-second.sql": "", "001_first.sql": "", "3.sql": ""})

    found = discover(root)

    versions = [(m.version, m.name) for m in found]
    assert versions == [(1, "first"), (2, "second"), (3, "3")]


def test_single_file_is_one_migration(tmp_path):
    dump = write(tmp_path, {"schema.sql": "CREATE TABLE t ();\n"}) / "schema.sql"

    assert [(m.version, m.up) for m in discover(dump)] == [(1, dump)]


BAD_INPUTS = {
    "duplicate": (
        {"001_a.up.sql": "", "1_b.up.sql": ""},
        "1_b.up.sql: version 1 is also used by 001_a.up.sql; renumber one",
    ),
    "missing-up": (
        {"001_a.up.sql": "", "002_b.down.sql": ""},
        "002_b.down.sql: no matching .up.sql for version 2",
    ),
    "unversioned": ({"setup.sql": ""}, "setup.sql: cannot tell its version"),
    "mixed-styles": (
        {"001_a.up.sql": "", "002_b.sql": ""},
        "002_b.sql: cannot tell its version",
    ),
    "not-utf8": (
        {"001_a.sql": b"SELECT 1;\nSELECT '\xff';\n"},
        "001_a.sql:2: not UTF-8 (byte 0xff); re-save the file as UTF-8",
    ),
    "copy-stdin": (
        {"001_a.sql": "SELECT 1;\nCOPY t (a) FROM stdin;\n1\n\\.\n"},
        "001_a.sql:2: COPY ... FROM stdin needs psql",
    ),
}


@pytest.mark.parametrize("case", sorted(BAD_INPUTS))
def test_bad_input_is_one_line(tmp_path, case):
    files, expected = BAD_INPUTS[case]
    root = write(tmp_path / case, files)

    with pytest.raises(MigrationError) as caught:
        discover(root)

    assert expected in str(caught.value)
    assert "\n" not in str(caught.value)


def test_empty_directory(tmp_path):
    write(tmp_path / "empty", {"notes.txt": "no sql here"})

    with pytest.raises(MigrationError, match=r"empty: no \.sql files"):
        discover(tmp_path / "empty")


def test_missing_path(tmp_path):
    with pytest.raises(MigrationError, match="does not exist; check --migrations"):
        discover(tmp_path / "nowhere")


def test_psql_meta_commands_of_pg_dump_are_blanked(tmp_path):
    dump = write(tmp_path, {"d.sql": "\\restrict abc\nSELECT 1;\n\\unrestrict abc\n"})

    assert discover(dump / "d.sql")[0].up == dump / "d.sql"


def test_statement_splitter_knows_quotes_and_comments():
    text = (
        "-- head\nCREATE TABLE a (x text DEFAULT 'a;b');\n"
        "CREATE FUNCTION f() RETURNS int AS $$ SELECT 1; $$ LANGUAGE sql;\n"
        "/* x; */ SELECT 2"
    )

    lines = [line for line, _ in split_statements(text)]

    assert lines == [2, 3, 4]


# -- applying ---------------------------------------------------------------------


def tables(conn: psycopg.Connection) -> list[str]:
    rows = conn.execute(
        "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY 1"
    )
    return [row[0] for row in rows]


def test_up_records_versions_outside_the_schema(tmp_path, scratch):
    root = write(
        tmp_path,
        {"1_a.up.sql": "CREATE TABLE a ();", "2_b.up.sql": "CREATE TABLE b ();"},
    )

    applied = apply_up(scratch, discover(root))

    assert applied == [1, 2]
    assert applied_versions(scratch) == [1, 2]
    # No bookkeeping table: public holds exactly what the files made.
    assert tables(scratch) == ["a", "b"]
    assert apply_up(scratch, discover(root)) == []


def test_failing_file_rolls_back_alone_and_names_its_line(tmp_path, scratch):
    root = write(
        tmp_path,
        {
            "1_a.up.sql": "CREATE TABLE a ();",
            "2_b.up.sql": "CREATE TABLE b ();\n\nSELECT * FROM nowhere;\n",
        },
    )

    with pytest.raises(MigrationError) as caught:
        apply_up(scratch, discover(root))

    assert str(caught.value) == (
        f'{root / "2_b.up.sql"}:3: relation "nowhere" does not exist '
        "(SQLSTATE 42P01)"
    )
    assert tables(scratch) == ["a"]
    assert applied_versions(scratch) == [1]


def test_execution_error_without_position_still_names_its_line(tmp_path, scratch):
    body = (
        "CREATE TABLE t (id int PRIMARY KEY);\n"
        "-- the second row collides\n"
        "INSERT INTO t VALUES (1);\nINSERT INTO t VALUES (1);\n"
    )
    root = write(tmp_path, {"1_t.sql": body})

    with pytest.raises(MigrationError, match=r"1_t\.sql:4: duplicate key value"):
        apply_up(scratch, discover(root))


def test_down_reverts_newest_first(tmp_path, scratch):
    root = write(
        tmp_path,
        {
            "1_a.up.sql": "CREATE TABLE a ();",
            "1_a.down.sql": "DROP TABLE a;",
            "2_b.up.sql": "CREATE TABLE b ();",
            "2_b.down.sql": "DROP TABLE b;",
        },
    )
    found = discover(root)
    apply_up(scratch, found)

    assert apply_down(scratch, found, to=1) == [2]
    assert tables(scratch) == ["a"]
    assert apply_down(scratch, found) == [1]
    assert (tables(scratch), applied_versions(scratch)) == ([], [])


def test_down_without_file_is_one_line(tmp_path, scratch):
    root = write(tmp_path, {"1_a.up.sql": "CREATE TABLE a ();"})
    apply_up(scratch, discover(root))

    with pytest.raises(MigrationError, match="no .down.sql to revert version 1"):
        apply_down(scratch, discover(root))
