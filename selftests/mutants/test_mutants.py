"""Every rule and property catches its mutant, and only its mutant."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from mutant_catalogue import MUTANTS, Mutant
from mutant_runner import CAUGHT, ROOT

from conformance.rules import RULES

pytestmark = pytest.mark.slow


def test_v1_is_clean(suite):
    run = suite()

    assert run.report is not None, run.tail()
    assert run.report["findings"] == [], run.tail()
    assert run.returncode == 0, run.tail()


@pytest.mark.parametrize("mutant", MUTANTS, ids=str)
def test_mutant_is_caught(mutant: Mutant, suite, record_property):
    run = suite(mutant.sql, mutant.contract)
    assert run.report is not None, f"no report written\n{run.tail()}"
    failed, warned = run.rules("error"), run.rules("warning")
    record_property(CAUGHT, (mutant.name, (failed, warned) == (
        set(mutant.kills), set(mutant.warns))))

    assert run.returncode == 1, run.tail()
    assert failed == mutant.kills, _difference("errors", mutant.kills, failed)
    assert warned == mutant.warns, _difference("warnings", mutant.warns, warned)


def _difference(what: str, expected: set[str], actual: set[str]) -> str:
    return (
        f"{what}: missed {sorted(expected - actual)}, "
        f"unexpected {sorted(actual - expected)}"
    )


def cascade_rule_ids() -> set[str]:
    """Rule ids the cascade properties declare with their markers."""
    pattern = re.compile(r"""mark\.rule\(\s*["']([\w-]+)["']""")
    ids = set()
    for path in (ROOT / "tests" / "cascade").rglob("*.py"):
        ids.update(pattern.findall(path.read_text(encoding="utf-8")))
    return ids


def test_every_rule_has_a_mutant():
    exercised = set().union(*(m.kills | m.warns for m in MUTANTS))
    every_rule = set(RULES) | cascade_rule_ids()

    assert cascade_rule_ids(), "no rule marker found under tests/cascade"
    assert every_rule - exercised == set(), (
        "rules no mutant exercises; add one to selftests/mutants/mutant_catalogue.py"
    )


def test_mutants_name_only_known_rules():
    known = set(RULES) | cascade_rule_ids()
    for mutant in MUTANTS:
        assert (mutant.kills | mutant.warns) <= known, mutant.name
