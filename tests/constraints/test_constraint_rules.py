"""Constraints family: foreign-key actions and indexes, deletion reach,
cycles, partial unique keys, and triggers or rules where deletes land.

One case per rule and key (or table, or the schema as a whole); the test
id names both, e.g. ``test_rule[fk-indexed-track_likes.track_id]``.
"""

from conformance.findings import ERROR
from conformance.reporting import failure_message

FAMILY = "constraints"


def test_rule(rule_case, catalog, contract, record_findings):
    found = record_findings(rule_case.run(catalog, contract))

    errors = [f for f in found if f.severity == ERROR]
    assert not errors, failure_message(errors)
