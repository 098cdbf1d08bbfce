"""Schema family: keys, types, defaults, soft delete columns, scope.

One case per rule and table (or the schema as a whole); the test id names
both, e.g. ``test_rule[pk-uuid-refresh_tokens]``.
"""

from conformance.findings import ERROR
from conformance.reporting import failure_message

FAMILY = "schema"


def test_rule(rule_case, catalog, contract, record_findings):
    found = record_findings(rule_case.run(catalog, contract))

    errors = [f for f in found if f.severity == ERROR]
    assert not errors, failure_message(errors)
