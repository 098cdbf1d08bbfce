"""Fixtures of the mutant tests, and the kill score summary."""

from __future__ import annotations

from pathlib import Path

import pytest
from mutant_runner import CAUGHT, SuiteRun, prepare, run_suite


@pytest.fixture
def suite(pg_url: str, tmp_path: Path):
    """Run the suite on V1 plus the given mutant SQL and contract lines."""

    def run(sql: str = "", contract: str = "") -> SuiteRun:
        migrations, contract_path = prepare(tmp_path, sql, contract)
        return run_suite(pg_url, tmp_path, migrations, contract_path)

    return run


class KillScore:
    def __init__(self) -> None:
        self.caught: dict[str, bool] = {}

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        for key, value in report.user_properties:
            if key == CAUGHT:
                name, caught = value
                self.caught[name] = self.caught.get(name, True) and caught

    def pytest_terminal_summary(self, terminalreporter) -> None:
        if not self.caught:
            return
        missed = sorted(n for n, ok in self.caught.items() if not ok)
        caught = len(self.caught) - len(missed)
        terminalreporter.write_sep("=", "mutation kill score")
        terminalreporter.write_line(
            f"kill score: {caught}/{len(self.caught)} mutants caught"
        )
        for name in missed:
            terminalreporter.write_line(f"  missed or noisy: {name}")


def pytest_configure(config: pytest.Config) -> None:
    if not hasattr(config, "workerinput"):
        config.pluginmanager.register(KillScore(), "mutant-kill-score")
