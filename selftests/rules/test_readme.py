"""The README's "## Rules" section lists every registered rule id."""

from pathlib import Path

from conformance.rules import RULES

README = Path(__file__).resolve().parents[2] / "README.md"


def rules_section() -> str:
    text = README.read_text(encoding="utf-8")
    start = text.index("## Rules")
    end = text.index("\n## ", start + 1)
    return text[start:end]


def test_readme_lists_every_rule_id():
    section = rules_section()

    missing = [rid for rid in RULES if f"- `{rid}`:" not in section]
    assert missing == [], "add a line per rule id to README ## Rules"
