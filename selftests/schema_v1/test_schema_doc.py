"""docs/SCHEMA.md is current, and rendering it is deterministic."""

from __future__ import annotations

import subprocess
import sys

import pytest

from conformance import schema_doc
from conformance.catalog import reflect


def test_committed_schema_doc_is_current(v1_db):
    catalog = reflect(v1_db)
    contract = schema_doc.load_contract(schema_doc.DEFAULT_CONTRACT, catalog)

    rendered = schema_doc.render(catalog, contract)

    committed = schema_doc.DEFAULT_OUT.read_text(encoding="utf-8")

    assert committed == rendered, (
        "docs/SCHEMA.md is stale: run python -m conformance.schema_doc "
        "--url URL and commit it"
    )


def test_doc_lists_every_foreign_key_with_its_reason(v1_db):
    catalog = reflect(v1_db)
    text = schema_doc.DEFAULT_OUT.read_text(encoding="utf-8")

    rows = [line for line in text.splitlines() if line.startswith("| `")]
    fk_rows = [r for r in rows if r.count("|") == 6]

    assert len(fk_rows) == len(catalog.foreign_keys)
    assert schema_doc.NO_REASON not in text


def test_check_flag_fails_on_a_stale_file(v1_db, tmp_path):
    stale = tmp_path / "SCHEMA.md"
    stale.write_text("# old\n", encoding="utf-8")
    cmd = [sys.executable, "-m", "conformance.schema_doc", "--url", v1_db,
           "--out", str(stale)]

    check = subprocess.run([*cmd, "--check"], capture_output=True, text=True)
    write = subprocess.run(cmd, capture_output=True, text=True)
    recheck = subprocess.run([*cmd, "--check"], capture_output=True,
                             text=True)

    assert check.returncode == 1
    assert "is stale" in check.stderr
    assert write.returncode == 0
    assert recheck.returncode == 0, recheck.stderr


def test_a_contract_naming_a_missing_key_is_refused(v1_db, tmp_path):
    contract = tmp_path / "contract.toml"
    contract.write_text(
        schema_doc.DEFAULT_CONTRACT.read_text(encoding="utf-8")
        + '\n[tables.users.keys.manager_id]\nreason = "none"\n',
        encoding="utf-8",
    )
    cmd = [sys.executable, "-m", "conformance.schema_doc", "--url", v1_db,
           "--contract", str(contract), "--out", str(tmp_path / "S.md")]

    done = subprocess.run(cmd, capture_output=True, text=True)

    assert done.returncode == 2
    assert "tables.users.keys.manager_id" in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "S.md").exists()


@pytest.mark.parametrize(
    "pg_type, expected",
    [
        ("timestamp with time zone", "timestamptz"),
        ("character varying(20)", "varchar(20)"),
        ("numeric(10,2)", "numeric(10_2)"),
        ("integer[]", "integer[]"),
        ("uuid", "uuid"),
    ],
)
def test_mermaid_type_is_one_word(pg_type, expected):
    assert schema_doc._mermaid_type(pg_type) == expected
