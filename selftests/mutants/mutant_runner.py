"""Running the conformance suite, as a user would, on V1 plus a mutant."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
V1_SQL = ROOT / "fixtures" / "sql"
V1_CONTRACT = ROOT / "fixtures" / "contract.toml"
MUTANT_VERSION = "999999"
CAUGHT = "mutant_caught"
# One suite run may shrink several failing properties; generous but bounded.
RUN_TIMEOUT = 900


@dataclass(frozen=True)
class SuiteRun:
    returncode: int
    report: dict | None
    output: str

    def rules(self, severity: str) -> set[str]:
        findings = (self.report or {}).get("findings", [])
        return {f["rule"] for f in findings if f["severity"] == severity}

    def tail(self, lines: int = 40) -> str:
        return "\n".join(self.output.splitlines()[-lines:])


def prepare(workdir: Path, sql: str = "", contract: str = "") -> tuple[Path, Path]:
    """Copy V1 (migrations and contract), adding the mutant to each."""
    migrations = workdir / "sql"
    shutil.copytree(V1_SQL, migrations)
    if sql:
        name = f"{MUTANT_VERSION}_mutant"
        (migrations / f"{name}.up.sql").write_text(sql, encoding="utf-8")
        (migrations / f"{name}.down.sql").write_text("", encoding="utf-8")
    contract_path = workdir / "contract.toml"
    text = V1_CONTRACT.read_text(encoding="utf-8")
    contract_path.write_text(text + ("\n" + contract if contract else ""))
    return migrations, contract_path


def run_suite(
    pg_url: str, workdir: Path, migrations: Path, contract: Path,
    profile: str = "mutation", tests: tuple[str, ...] = ("tests",),
) -> SuiteRun:
    """The conformance suite, as a user runs it, against a server we own."""
    report = workdir / "report.json"
    command = [
        sys.executable, "-m", "pytest", *tests, "-q", "-p", "no:randomly",
        "--postgres=url", f"--postgres-url={pg_url}",
        f"--migrations={migrations}", f"--contract={contract}",
        f"--conformance-report={report}",
        f"--hypothesis-profile={profile}",
    ]
    env = dict(os.environ, CONFORMANCE_HYPOTHESIS_DB=str(workdir / "examples"))
    done = subprocess.run(
        command, cwd=ROOT, env=env, capture_output=True, text=True,
        timeout=RUN_TIMEOUT,
    )
    loaded = json.loads(report.read_text()) if report.exists() else None
    return SuiteRun(done.returncode, loaded, done.stdout + done.stderr)
