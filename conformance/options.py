"""Every option of the suite, known to pytest before it picks the rootdir.

Registered through the ``pytest11`` entry point, not by the root conftest:
pytest reads an option it does not know yet, as in ``--migrations /path``,
as a test path, roots the run there, and so never loads that conftest.
The plugins themselves stay in the conftest, so that the project's own
tests (``selftests/``) run without booting a server.
"""

from __future__ import annotations

import pytest

from conformance import reporting, settings


def pytest_addoption(parser: pytest.Parser) -> None:
    settings.add_options(parser)
    reporting.add_options(parser)
