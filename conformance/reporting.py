"""The findings side of the pytest plugin: contract, catalog, rule cases,
the JSON report and the terminal summary.

Findings travel from the test to the controller in the test report's
``user_properties`` (plain dicts), the one channel pytest-xdist forwards
for every test; the controller alone writes the report and the summary.
"""

from __future__ import annotations

import json
import os
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from conformance.catalog import Catalog, ForeignKey, Table, reflect
from conformance.contract import Contract, ContractError
from conformance.findings import ERROR, WARNING, Finding
from conformance.rules import RULES, Rule

DEFAULT_CONTRACT = "fixtures/contract.toml"
CONTRACT_ENV = "CONFORMANCE_CONTRACT"
REPORT_VERSION = 1

FINDINGS_PROPERTY = "conformance_findings"
CASE_PROPERTY = "conformance_case"
SCHEMA_SUBJECT = "(schema)"

CONTRACT = pytest.StashKey[Contract]()
CATALOG = pytest.StashKey[Catalog]()


# --- options ----------------------------------------------------------------

def add_options(parser: pytest.Parser) -> None:
    """Registered by conformance.options, through the pytest11 entry point."""
    group = parser.getgroup("conformance", "schema conformance harness")
    group.addoption(
        "--contract", dest="contract", default=None, metavar="PATH|none",
        help=f"contract file, or 'none' for conventions alone (ini "
             f"contract, env {CONTRACT_ENV}; default {DEFAULT_CONTRACT})",
    )
    parser.addini("contract", "contract file, or none", default=None)
    group.addoption(
        "--conformance-report", dest="conformance_report", default=None,
        metavar="PATH", help="write every finding as JSON to PATH",
    )


def contract_setting(config: pytest.Config) -> str:
    """The contract as given: flag, then environment, then ini, then default."""
    return (
        config.getoption("contract", default=None)
        or os.environ.get(CONTRACT_ENV)
        or config.getini("contract")
        or DEFAULT_CONTRACT
    )


def load_contract(config: pytest.Config) -> Contract:
    value = contract_setting(config)
    if value.strip().lower() == "none":
        return Contract.conventions_only()
    path = Path(value).expanduser()
    if not path.is_absolute():
        path = Path(config.rootpath) / path
    contract = Contract.load(path)
    contract.path = value  # as the user wrote it, in every message
    return contract


# --- life cycle ---------------------------------------------------------------

def _is_worker(config: pytest.Config) -> bool:
    return hasattr(config, "workerinput")


def _runs_tests(config: pytest.Config) -> bool:
    return not (config.option.help or getattr(config.option, "markers", False))


@pytest.hookimpl(trylast=True)
def pytest_configure(config: pytest.Config) -> None:
    # trylast: the harness has booted the server and migrated the template
    # in its own (tryfirst) pytest_configure by now.
    if not _runs_tests(config):
        return
    try:
        config.stash[CONTRACT] = load_contract(config)
    except ContractError as error:
        raise pytest.UsageError(str(error)) from None
    if not _is_worker(config):
        # A contract naming what does not exist stops the run here, before
        # any test, in one line. Workers check the same schema again.
        session_catalog(config)
        config.pluginmanager.register(Controller(config),
                                      "conformance-findings")


def session_catalog(config: pytest.Config) -> Catalog:
    """This process's catalog, reflected once and checked by the contract."""
    if CATALOG not in config.stash:
        from conformance.plugin import database_url_for

        catalog = reflect(database_url_for(config))
        try:
            config.stash[CONTRACT].validate(catalog)
        except ContractError as error:
            raise pytest.UsageError(str(error)) from None
        config.stash[CATALOG] = catalog
    return config.stash[CATALOG]


# --- rule cases: one test per rule and subject --------------------------------

@dataclass(frozen=True)
class RuleCase:
    rule: Rule
    subject: Any
    label: str

    def __repr__(self) -> str:
        return f"<RuleCase {self.id}>"

    @property
    def id(self) -> str:
        if self.rule.scope == "schema":
            return self.rule.id
        return f"{self.rule.id}-{self.label}"

    @property
    def table(self) -> str | None:
        if isinstance(self.subject, (Table, ForeignKey)):
            return self.subject.table if isinstance(
                self.subject, ForeignKey) else self.subject.name
        return None

    def run(self, catalog: Catalog, contract: Contract) -> list[Finding]:
        return self.rule.run(self.subject, catalog, contract)


def rule_cases(catalog: Catalog, family: str) -> list[RuleCase]:
    return [
        RuleCase(rule, subject, label)
        for rule in RULES.values() if rule.family == family
        for label, subject in rule.subjects(catalog)
    ]


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """Parametrize ``rule_case`` with the rules of the module's FAMILY."""
    if "rule_case" not in metafunc.fixturenames:
        return
    family = getattr(metafunc.module, "FAMILY", None)
    if family is None:
        raise pytest.UsageError(
            f"{metafunc.module.__name__}: a test using rule_case needs a "
            "module-level FAMILY = 'schema' or 'constraints'"
        )
    cases = rule_cases(session_catalog(metafunc.config), family)
    metafunc.parametrize("rule_case", [
        pytest.param(case, id=case.id, marks=pytest.mark.rule(case.rule.id))
        for case in cases
    ])


# --- fixtures -----------------------------------------------------------------

@pytest.fixture(scope="session")
def catalog(pytestconfig: pytest.Config) -> Catalog:
    return session_catalog(pytestconfig)


@pytest.fixture(scope="session")
def contract(pytestconfig: pytest.Config, catalog: Catalog) -> Contract:
    return pytestconfig.stash[CONTRACT]


@pytest.fixture
def record_findings(
    request: pytest.FixtureRequest,
) -> Callable[[Iterable[Finding]], list[Finding]]:
    """Attach findings to this test's report; returns them as a list."""

    def record(findings: Iterable[Finding]) -> list[Finding]:
        found = list(findings)
        props = request.node.user_properties
        props.append((FINDINGS_PROPERTY, [f.as_dict() for f in found]))
        return found

    return record


def failure_message(findings: Iterable[Finding]) -> str:
    """One finding a line, errors only: what the assertion shows."""
    lines = [f.line() for f in findings if f.severity == ERROR]
    return f"{len(lines)} finding(s):\n" + "\n".join(lines)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo):
    # Runs where the test runs (a worker under xdist); the rule id, family
    # and table ride along so the controller can count and attribute.
    outcome = yield
    report = outcome.get_result()
    if report.when == "setup":
        report.user_properties.append((CASE_PROPERTY, _case_info(item)))


def _case_info(item: pytest.Item) -> dict:
    marker = item.get_closest_marker("rule")
    params = getattr(getattr(item, "callspec", None), "params", {})
    case = params.get("rule_case")
    table = case.table if case else params.get("table")
    rule_id = marker.args[0] if marker and marker.args else None
    rule = RULES.get(rule_id)
    family = rule.family if rule else _family_marker(item)
    return {
        "rule": rule_id,
        "family": family,
        "table": table if isinstance(table, str) else None,
    }


def _family_marker(item: pytest.Item) -> str | None:
    for name in ("schema", "constraints", "cascade"):
        if item.get_closest_marker(name):
            return name
    return None


# --- the controller: collect, summarise, write ----------------------------------

@dataclass
class Results:
    findings: list[dict] = field(default_factory=list)
    outcomes: Counter = field(default_factory=Counter)
    # (family, table) -> Counter(passed=..., failed=...)
    cells: dict = field(default_factory=lambda: defaultdict(Counter))
    cases: dict = field(default_factory=dict)

    def add(self, report: pytest.TestReport) -> None:
        props = dict(report.user_properties)
        if CASE_PROPERTY in props:
            self.cases[report.nodeid] = props[CASE_PROPERTY]
        case = self.cases.get(report.nodeid, {})
        if _final(report):
            self._count(report, case)
            self._collect(report, props, case)

    def _count(self, report: pytest.TestReport, case: dict) -> None:
        outcome = "failed" if report.failed else report.outcome
        self.outcomes[outcome] += 1
        family = case.get("family")
        if family:
            key = (family, case.get("table") or SCHEMA_SUBJECT)
            self.cells[key][outcome] += 1

    def _collect(self, report, props: dict, case: dict) -> None:
        recorded = [
            value for name, value in report.user_properties
            if name == FINDINGS_PROPERTY
        ]
        for batch in recorded:
            for finding in batch:
                self.findings.append({**finding, "test": report.nodeid})
        if report.failed and not recorded and case.get("rule"):
            self.findings.append(_unrecorded(report, case))


def _final(report: pytest.TestReport) -> bool:
    """The one report per test that decides its outcome."""
    if report.when == "call":
        return True
    return report.when == "setup" and not report.passed


def _unrecorded(report: pytest.TestReport, case: dict) -> dict:
    text = str(report.longrepr or "").strip().splitlines()
    last = text[-1] if text else "failed"
    return {
        **Finding(
            case["rule"], case.get("table"), None,
            expected="the test to pass", actual=last[:300],
            hint=f"the test failed without recording findings; run "
                 f"pytest '{report.nodeid}' -x for the full output",
        ).as_dict(),
        "test": report.nodeid,
    }


class Controller:
    """Registered in the process that is not an xdist worker: it sees every
    test report, and writes the report and the summary at the end."""

    def __init__(self, config: pytest.Config) -> None:
        self.config = config
        self.results = Results()

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        self.results.add(report)

    def pytest_sessionfinish(self, session: pytest.Session) -> None:
        path = self.config.getoption("conformance_report", default=None)
        if not path:
            return
        report = build_report(self.results, run_facts(self.config))
        target = Path(path)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(json.dumps(report, indent=2) + "\n",
                          encoding="utf-8")

    def pytest_terminal_summary(self, terminalreporter) -> None:
        if not self.results.cells:
            return
        for line in summary_lines(self.results):
            terminalreporter.write_line(line)


def run_facts(config: pytest.Config) -> dict:
    """Provider, server version, migrations and contract of this run."""
    from conformance.plugin import HARNESS, SETTINGS

    harness = config.stash.get(HARNESS, None)
    server = harness.launched.server if harness and harness.launched else None
    settings = config.stash.get(SETTINGS, None)
    contract = config.stash.get(CONTRACT, None)
    return {
        "provider": server.provider if server else None,
        "server_version": str(server.version) if server else None,
        "migrations": str(settings.migrations) if settings else None,
        "contract": contract.path if contract else None,
    }


def build_report(results: Results, facts: dict) -> dict:
    findings = sorted(
        results.findings,
        key=lambda f: (f["rule"], f["table"] or "", f["object"] or ""),
    )
    severities = Counter(f["severity"] for f in findings)
    return {
        "version": REPORT_VERSION,
        **facts,
        "counts": {
            "tests": sum(results.outcomes.values()),
            "passed": results.outcomes["passed"],
            "failed": results.outcomes["failed"],
            "skipped": results.outcomes["skipped"],
            "findings": len(findings),
            "errors": severities[ERROR],
            "warnings": severities[WARNING],
            "by_rule": dict(sorted(Counter(f["rule"] for f in findings)
                                   .items())),
        },
        "findings": findings,
    }


def summary_lines(results: Results) -> list[str]:
    """A table: one row per table, one passed/failed column per family."""
    families = sorted({family for family, _ in results.cells})
    tables = sorted({t for _, t in results.cells},
                    key=lambda t: (t == SCHEMA_SUBJECT, t))
    width = max(len(t) for t in tables)
    head = "  ".join(f"{f:>12}" for f in families)
    lines = ["", "conformance summary (passed/failed by family)",
             f"{'table':<{width}}  {head}"]
    for table in tables:
        cells = [_cell(results.cells.get((f, table))) for f in families]
        lines.append(f"{table:<{width}}  " + "  ".join(cells))
    errors = sum(1 for f in results.findings if f["severity"] == ERROR)
    warnings = len(results.findings) - errors
    lines.append(f"conformance: {errors} error finding(s), "
                 f"{warnings} warning(s)")
    return lines


def _cell(counter: Counter | None) -> str:
    if not counter:
        return f"{'-':>12}"
    text = f"{counter['passed']}/{counter['failed']}"
    return f"{text:>12}"
