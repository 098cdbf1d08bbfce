"""The pytest plugin: options, header, server life cycle, fixtures, profiles.

Life cycle. The process that is not an xdist worker (the controller, or
the only process) owns everything: in ``pytest_configure`` it resolves the
settings, checks the migrations, starts a server, applies the migrations
once into a template database, and later clones one database per worker
(``pytest_configure_node``, the URL travels in ``workerinput``) or one
for itself, on first use. ``pytest_unconfigure`` drops the databases and
stops the server. SIGTERM and SIGHUP become ``KeyboardInterrupt``, so they
take the same path as Ctrl-C; ``atexit`` is the last resort. A SIGKILLed
controller leaves its server behind: the next run reaps it
(``providers.local.reap_stale``); a container then stays (known gap).
"""

from __future__ import annotations

import atexit
import os
import signal
from collections.abc import Iterator
from dataclasses import dataclass, field

import hypothesis
import psycopg
import pytest

from conformance import migrations, profiles
from conformance.database import Databases, rolled_back
from conformance.providers import Launch, Unavailable, launch
from conformance.settings import Settings, resolve

SETTINGS = pytest.StashKey[Settings]()
HARNESS = pytest.StashKey["Harness"]()
WORKER_KEY = "conformance_database_url"
FAMILIES = ("schema", "constraints", "cascade")
FORWARDED_SIGNALS = (signal.SIGTERM, signal.SIGHUP)


@dataclass
class Harness:
    """The server and databases one pytest run owns."""

    settings: Settings
    launched: Launch | None = None
    databases: Databases | None = None
    found: list[migrations.Migration] = field(default_factory=list)
    own_url: str | None = None
    owner_pid: int = field(default_factory=os.getpid)
    closed: bool = False
    previous_handlers: dict = field(default_factory=dict)

    def boot(self) -> None:
        """Every one-line error of the set-up surfaces here, as a UsageError."""
        try:
            self.found = migrations.discover(self.settings.migrations)
        except migrations.MigrationError as error:
            raise pytest.UsageError(str(error)) from None
        try:
            self.launched = launch(self.settings)
        except Unavailable as error:
            mode = self.settings.postgres
            raise pytest.UsageError(f"--postgres={mode}: {error}") from None
        self.databases = Databases(self.launched.server.url)
        try:
            self.databases.create_template(self.found)
        except migrations.MigrationError as error:
            raise pytest.UsageError(str(error)) from None

    def clone(self, suffix: str) -> str:
        return self.databases.clone(suffix)

    def own_database(self) -> str:
        if self.own_url is None:
            self.own_url = self.clone("main")
        return self.own_url

    def close(self) -> list[str]:
        """Drop what we created and stop the server; safe to call twice."""
        if self.closed or os.getpid() != self.owner_pid:
            return []
        self.closed = True
        # A second Ctrl-C must not cut the clean-up short; it takes < 1 s.
        previous = {s: signal.signal(s, signal.SIG_IGN) for s in _cleanup_signals()}
        try:
            failures = self.databases.drop_all() if self.databases else []
            if self.launched:
                self.launched.server.stop()
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)
        return failures

    def header(self) -> list[str]:
        server = self.launched.server
        lines = [
            f"conformance: provider {server.provider}, PostgreSQL {server.version}",
            f"conformance: server {server.detail}",
        ]
        lines += [f"conformance: skipped {why}" for why in self.launched.skipped]
        lines.append(
            f"conformance: migrations {self.settings.migrations} "
            f"({len(self.found)} versions, template {self.databases.template})"
        )
        return lines


def _cleanup_signals() -> tuple[signal.Signals, ...]:
    return (signal.SIGINT, *FORWARDED_SIGNALS)


def _interrupt(signum, frame) -> None:
    raise KeyboardInterrupt(f"signal {signal.Signals(signum).name}")


def is_worker(config: pytest.Config) -> bool:
    return hasattr(config, "workerinput")


def _needs_server(config: pytest.Config) -> bool:
    # --help and --markers configure plugins but run nothing.
    return not (config.option.help or getattr(config.option, "markers", False))


# -- hooks --------------------------------------------------------------------


@pytest.hookimpl(tryfirst=True)
def pytest_configure(config: pytest.Config) -> None:
    settings = resolve(config)
    config.stash[SETTINGS] = settings
    _configure_profiles(config, settings)
    if is_worker(config) or not _needs_server(config):
        return
    harness = Harness(settings)
    config.stash[HARNESS] = harness
    atexit.register(harness.close)
    harness.previous_handlers = {
        sig: signal.signal(sig, _interrupt) for sig in FORWARDED_SIGNALS
    }
    if config.pluginmanager.hasplugin("xdist"):
        config.pluginmanager.register(XdistController(harness), "conformance-xdist")
    harness.boot()


def _configure_profiles(config: pytest.Config, settings: Settings) -> None:
    # Tryfirst: Hypothesis' own pytest_configure loads --hypothesis-profile
    # after this, so it sees profiles holding the configured example database.
    if settings.hypothesis_db:
        profiles.register(settings.hypothesis_db)
    if not config.getoption("hypothesis_profile", default=None):
        hypothesis.settings.load_profile(profiles.DEFAULT)


def pytest_unconfigure(config: pytest.Config) -> None:
    harness = config.stash.get(HARNESS, None)
    if harness is None:
        return
    for failure in harness.close():
        # Reported, not raised: the run's own outcome matters more.
        print(f"conformance: could not drop database {failure}")
    for sig, handler in harness.previous_handlers.items():
        signal.signal(sig, handler)


def pytest_report_header(config: pytest.Config) -> list[str]:
    harness = config.stash.get(HARNESS, None)
    lines = harness.header() if harness and harness.launched else []
    profile = hypothesis.settings.get_current_profile_name()
    return [*lines, f"conformance: hypothesis profile {profile}"]


def pytest_collection_modifyitems(
    config: pytest.Config, items: list[pytest.Item]
) -> None:
    """Mark each test with its family, from its directory under tests/."""
    tests = config.rootpath / "tests"
    for item in items:
        try:
            family = item.path.relative_to(tests).parts[0]
        except (ValueError, IndexError):
            continue
        if family in FAMILIES:
            item.add_marker(family)


class XdistController:
    """xdist hooks, registered only when xdist is loaded."""

    def __init__(self, harness: Harness) -> None:
        self.harness = harness

    def pytest_configure_node(self, node) -> None:
        node.workerinput[WORKER_KEY] = self.harness.clone(node.gateway.id)


# -- the interface other parts use ----------------------------------------------


def database_url_for(config: pytest.Config) -> str:
    """This process's database URL; usable during collection."""
    workerinput = getattr(config, "workerinput", None)
    if workerinput is not None:
        url = workerinput.get(WORKER_KEY)
        if not url:
            raise pytest.UsageError(
                "conformance: this xdist worker got no database URL; is "
                "conformance.plugin loaded in the controller too?"
            )
        return url
    harness = config.stash.get(HARNESS, None)
    if harness is None or harness.databases is None:
        raise pytest.UsageError(
            "conformance: no server was started; load the plugin with "
            "-p conformance.plugin or from conftest.py"
        )
    return harness.own_database()


@pytest.fixture(scope="session")
def conformance_settings(pytestconfig: pytest.Config) -> Settings:
    return pytestconfig.stash[SETTINGS]


@pytest.fixture(scope="session")
def database_url(pytestconfig: pytest.Config) -> str:
    return database_url_for(pytestconfig)


@pytest.fixture(scope="session")
def db_connection(database_url: str) -> Iterator[psycopg.Connection]:
    # Autocommit, so every transaction is an explicit, visible block.
    with psycopg.connect(database_url, autocommit=True) as conn:
        yield conn


@pytest.fixture
def db(db_connection: psycopg.Connection) -> Iterator[psycopg.Connection]:
    with rolled_back(db_connection) as conn:
        yield conn
