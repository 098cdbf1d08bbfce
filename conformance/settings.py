"""Every harness option, resolved once into a frozen ``Settings``.

Each option has three doors sharing one stem: a command-line flag
(``--postgres-url``), an ini key (``conformance_postgres_url``) and an
environment variable (``CONFORMANCE_POSTGRES_URL``). Precedence: flag,
then environment, then ini, then the default, so that a CI job can
override a checked-in ini file without editing it.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import pytest

PROVIDERS = ("auto", "url", "docker", "local", "embedded")


@dataclass(frozen=True)
class Option:
    stem: str
    default: str | None
    help: str
    extra_env: tuple[str, ...] = ()

    @property
    def flag(self) -> str:
        return "--" + self.stem.replace("_", "-")

    @property
    def ini(self) -> str:
        return "conformance_" + self.stem

    @property
    def env(self) -> str:
        return "CONFORMANCE_" + self.stem.upper()


OPTIONS = (
    Option("postgres", "auto", "where Postgres comes from: " + "|".join(PROVIDERS)),
    Option("postgres_url", None, "superuser URL of a server to create databases on"),
    Option("postgres_bin", None, "directory holding pg_ctl and initdb"),
    Option(
        "postgres_image",
        "postgres:15",
        "container image for --postgres=docker",
        extra_env=("LOCAL_PG_IMAGE",),
    ),
    Option("migrations", "fixtures/sql", "migrations dir or pg_dump file (rootdir)"),
    Option("hypothesis_db", None, "Hypothesis example database directory"),
)


@dataclass(frozen=True)
class Settings:
    postgres: str
    postgres_url: str | None
    postgres_bin: Path | None
    postgres_image: str
    migrations: Path
    hypothesis_db: Path | None
    rootdir: Path


def add_options(parser: pytest.Parser) -> None:
    group = parser.getgroup("conformance", "schema conformance harness")
    for option in OPTIONS:
        doors = f"{option.help} (ini {option.ini}, env {option.env})"
        group.addoption(option.flag, dest=option.ini, default=None, help=doors)
        parser.addini(option.ini, option.help, default=None)


def raw_value(config: pytest.Config, option: Option) -> str | None:
    """The first door that holds a value, in precedence order."""
    flag = config.getoption(option.ini, default=None)
    if flag:
        return flag
    for name in (option.env, *option.extra_env):
        if os.environ.get(name):
            return os.environ[name]
    ini = config.getini(option.ini)
    return ini or option.default


def _path(value: str | None, rootdir: Path) -> Path | None:
    if not value:
        return None
    path = Path(value).expanduser()
    return path if path.is_absolute() else rootdir / path


def resolve(config: pytest.Config) -> Settings:
    """Read every door once; raise ``UsageError`` with one line on nonsense."""
    rootdir = Path(config.rootpath)
    values = {option.stem: raw_value(config, option) for option in OPTIONS}
    mode = values["postgres"]
    if mode not in PROVIDERS:
        raise pytest.UsageError(
            f"--postgres={mode} is not a provider; choose one of {', '.join(PROVIDERS)}"
        )
    if mode == "url" and not values["postgres_url"]:
        raise pytest.UsageError(
            "--postgres=url needs a server URL; pass --postgres-url or set "
            "CONFORMANCE_POSTGRES_URL"
        )
    return Settings(
        postgres=mode,
        postgres_url=values["postgres_url"],
        postgres_bin=_path(values["postgres_bin"], rootdir),
        postgres_image=values["postgres_image"],
        migrations=_path(values["migrations"], rootdir),
        hypothesis_db=_path(values["hypothesis_db"], rootdir),
        rootdir=rootdir,
    )
