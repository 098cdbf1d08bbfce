"""The findings report: its documented shape, and what a real run of the
suite writes, in a subprocess against the self-test server."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from conformance.findings import Finding
from conformance.reporting import Results, build_report
from report_shape import problems
from test_lab_schema import BIGINT_TABLES, expected_findings

ROOT = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent
FACTS = {"provider": "url", "server_version": "15.18",
         "migrations": "fixtures/sql", "contract": None}


def test_built_report_has_the_documented_shape():
    results = Results()
    finding = Finding("pk-uuid", "t", "id", "uuid", "bigint", "use uuid")
    results.findings.append({**finding.as_dict(), "test": "x::test_rule"})
    results.outcomes.update(passed=3, failed=1)

    report = build_report(results, FACTS)

    assert problems(report) == []
    assert report["counts"]["by_rule"] == {"pk-uuid": 1}


@pytest.mark.parametrize("broken, complaint", [
    ({"counts": None}, "$.counts: not an object"),
    ({"findings": [{"rule": "r"}]}, "$.findings[0]: missing severity"),
    ({"version": True}, "$.version: bool where int expected"),
])
def test_the_checker_rejects_a_wrong_shape(broken, complaint):
    report = {**build_report(Results(), FACTS), **broken}

    assert complaint in problems(report)


def suite(pg_url: str, tmp_path: Path, *args: str):
    report = tmp_path / "report.json"
    cmd = [sys.executable, "-m", "pytest", "tests/schema", "tests/constraints",
           "-q", "-p", "no:cacheprovider", "--postgres=url",
           f"--postgres-url={pg_url}", f"--conformance-report={report}", *args]
    done = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True,
                          timeout=300)
    data = json.loads(report.read_text()) if report.exists() else None
    return done, data


@pytest.mark.slow
def test_lab_run_reports_exactly_the_audits_findings(pg_url, tmp_path):
    done, report = suite(
        pg_url, tmp_path, f"--migrations={HERE / 'lab_schema.sql'}",
        f"--contract={HERE / 'lab_contract.toml'}")

    assert done.returncode == 1, done.stdout + done.stderr
    assert problems(report) == []
    got = {(f["rule"], f["table"], f["object"]) for f in report["findings"]}
    assert got == expected_findings()
    assert report["provider"] == "url"
    assert report["counts"]["failed"] > 0
    assert "conformance summary" in done.stdout


@pytest.mark.slow
def test_conventions_alone_run_on_a_schema_given_by_path(pg_url, tmp_path):
    done, report = suite(pg_url, tmp_path,
                         f"--migrations={HERE / 'lab_schema.sql'}",
                         "--contract=none")

    assert problems(report) == []
    assert report["contract"] is None
    flagged = {f["table"] for f in report["findings"]
               if f["rule"] == "pk-uuid"}
    assert flagged == set(BIGINT_TABLES)
    assert "test_rule[pk-uuid-refresh_tokens] FAILED" in done.stdout or (
        "test_rule[pk-uuid-refresh_tokens]" in done.stdout)


@pytest.mark.slow
def test_contract_naming_a_missing_table_stops_the_run_in_one_line(
    pg_url, tmp_path
):
    bad = tmp_path / "bad.toml"
    bad.write_text("[tables.nope]\nsoft_delete = true\n")

    done, report = suite(pg_url, tmp_path,
                         f"--migrations={HERE / 'lab_schema.sql'}",
                         f"--contract={bad}")

    errors = [line for line in (done.stdout + done.stderr).splitlines()
              if line.startswith("ERROR:")]
    assert done.returncode == 4
    assert errors == [f"ERROR: {bad}: tables.nope: no table nope in the "
                      "schema (public)"]
    assert "Traceback" not in done.stdout + done.stderr
    assert report is None
