"""Schema conformance suite for PostgreSQL: harness, catalog, contract, rules and oracle."""
