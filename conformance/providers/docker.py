"""A PostgreSQL container through Testcontainers' ``PostgresContainer``.

Testcontainers already does the container's readiness wait (``psql`` run
inside it) and removal; we add a ping first, so that ``auto`` moves on in
milliseconds when no engine answers, a name so leftovers are findable, and
a port bound to loopback only when the engine runs on this machine.
"""

from __future__ import annotations

import os
import secrets

from conformance.providers import Server, Unavailable
from conformance.providers.url import redact, server_version
from conformance.settings import Settings

NAME_PREFIX = "conformance-pg-"
LABEL = "conformance.run"


def engine_address() -> str:
    return os.environ.get("DOCKER_HOST") or "unix:///var/run/docker.sock"


def ping() -> None:
    """Raise ``Unavailable`` unless a Docker engine answers."""
    address = engine_address()
    if address.startswith("unix://") and not os.path.exists(address[7:]):
        raise Unavailable(f"no Docker engine socket at {address}")
    try:
        import docker

        client = docker.from_env(timeout=5)
        try:
            client.ping()
        finally:
            client.close()
    except Exception as error:  # noqa: BLE001 - any failure means "not here"
        reason = str(error).splitlines()[0] if str(error) else type(error).__name__
        raise Unavailable(f"no Docker engine answered at {address}: {reason}") from None


def _container(image: str, token: str):
    from testcontainers.community.postgres import PostgresContainer

    container = PostgresContainer(
        image,
        username="conformance",
        password=secrets.token_hex(12),
        dbname="postgres",
        driver=None,
    )
    container.with_name(NAME_PREFIX + token)
    container.with_kwargs(labels={LABEL: token})
    if engine_address().startswith("unix://"):
        # A local engine: publish the port on loopback only.
        container.ports[str(container.port)] = ("127.0.0.1",)
    return container


def start(settings: Settings) -> Server:
    ping()
    token = secrets.token_hex(4)
    container = _container(settings.postgres_image, token)
    try:
        container.start()
        url = container.get_connection_url(driver=None)
        version = server_version(url, timeout=10)
    except Unavailable:
        container.stop()
        raise
    except Exception as error:  # noqa: BLE001 - image missing, pull refused, ...
        _stop_quietly(container)
        reason = str(error).splitlines()[0] if str(error) else type(error).__name__
        raise Unavailable(
            f"could not start {settings.postgres_image}: {reason}; "
            "pull the image or set --postgres-image"
        ) from None
    except BaseException:
        _stop_quietly(container)
        raise
    name = NAME_PREFIX + token
    detail = f"{settings.postgres_image}, container {name}, {redact(url)}"
    return Server("docker", url, version, detail, stop=lambda: _stop_quietly(container))


def _stop_quietly(container) -> None:
    try:
        container.stop()
    except Exception:  # noqa: BLE001 - nothing left to remove is fine
        pass
