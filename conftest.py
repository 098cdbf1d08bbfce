"""The conformance suite's plugins; the project's own tests use selftests/pytest.ini."""

pytest_plugins = ["conformance.plugin", "conformance.reporting"]
