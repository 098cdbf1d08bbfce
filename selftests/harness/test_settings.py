"""One resolver, several doors: flag, environment, ini, default."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import settings as hypothesis_settings

from conformance import profiles
from conformance.settings import resolve


class FakeConfig:
    """The three things ``resolve`` reads from a pytest config."""

    def __init__(self, flags=None, ini=None, root="/proj"):
        self.flags = flags or {}
        self.ini = ini or {}
        self.rootpath = Path(root)

    def getoption(self, name, default=None):
        return self.flags.get(name, default)

    def getini(self, name):
        return self.ini.get(name)


@pytest.fixture(autouse=True)
def quiet_env(monkeypatch):
    for name in ("POSTGRES", "POSTGRES_IMAGE"):
        monkeypatch.delenv(f"CONFORMANCE_{name}", raising=False)
    monkeypatch.delenv("LOCAL_PG_IMAGE", raising=False)


def test_defaults():
    resolved = resolve(FakeConfig())

    assert resolved.postgres == "auto"
    assert resolved.postgres_image == "postgres:15"
    assert resolved.migrations == Path("/proj/fixtures/sql")
    assert resolved.postgres_url is None


def test_flag_beats_env_beats_ini(monkeypatch):
    ini = {"conformance_postgres": "docker"}
    monkeypatch.setenv("CONFORMANCE_POSTGRES", "local")

    assert resolve(FakeConfig(ini=ini)).postgres == "local"
    flags = {"conformance_postgres": "embedded"}
    assert resolve(FakeConfig(flags, ini)).postgres == "embedded"
    monkeypatch.delenv("CONFORMANCE_POSTGRES")
    assert resolve(FakeConfig(ini=ini)).postgres == "docker"


def test_image_honours_the_local_engine_tool(monkeypatch):
    monkeypatch.setenv("LOCAL_PG_IMAGE", "localhost/postgres:15")

    assert resolve(FakeConfig()).postgres_image == "localhost/postgres:15"
    monkeypatch.setenv("CONFORMANCE_POSTGRES_IMAGE", "mine:15")
    assert resolve(FakeConfig()).postgres_image == "mine:15"


def test_relative_paths_are_from_rootdir():
    flags = {"conformance_migrations": "db/sql", "conformance_postgres_bin": "/opt/pg"}

    resolved = resolve(FakeConfig(flags))

    assert resolved.migrations == Path("/proj/db/sql")
    assert resolved.postgres_bin == Path("/opt/pg")


@pytest.mark.parametrize(
    ("flags", "message"),
    [
        ({"conformance_postgres": "sqlite"}, "--postgres=sqlite is not a provider"),
        ({"conformance_postgres": "url"}, "--postgres=url needs a server URL"),
    ],
    ids=["unknown-provider", "url-without-url"],
)
def test_nonsense_is_a_usage_error(flags, message):
    with pytest.raises(pytest.UsageError, match=message):
        resolve(FakeConfig(flags))


def test_profiles_are_registered_by_purpose():
    ci = hypothesis_settings.get_profile("ci")
    nightly = hypothesis_settings.get_profile("nightly")

    assert ci.derandomize and ci.max_examples >= 200 and ci.deadline is None
    assert nightly.max_examples >= 10_000 and nightly.deadline is None
    assert hypothesis_settings.get_profile("dev").max_examples <= 50


def test_example_database_location_is_configurable(tmp_path, monkeypatch):
    monkeypatch.setenv(profiles.ENV_DB, str(tmp_path / "examples"))
    try:
        profiles.register()
        database = hypothesis_settings.get_profile("nightly").database
        assert Path(database.path) == tmp_path / "examples"
        assert hypothesis_settings.get_profile("ci").database is None
    finally:
        monkeypatch.delenv(profiles.ENV_DB)
        profiles.register()
