#!/usr/bin/env python3
"""The README's two commands, each setting up what it needs first.

    python3 run.py conformance [pytest args]   # the suite on V1: pytest -n auto
    python3 run.py selftest [pytest args]      # the project's own tests

Set-up: a virtual environment in .venv (made with this interpreter's venv
module) with the project installed in it. A stamp file holds the hash of
pyproject.toml, so a second run with nothing changed starts pytest at once.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
STAMP = VENV / ".conformance-installed"
COMMANDS = {
    "conformance": ["-m", "pytest", "-n", "auto"],
    "selftest": ["-m", "pytest", "-c", "selftests/pytest.ini", "selftests"],
}


def venv_python() -> Path:
    return VENV / "bin" / "python"


def wanted_stamp() -> str:
    return hashlib.sha256((ROOT / "pyproject.toml").read_bytes()).hexdigest()


def ensure_environment() -> None:
    if not venv_python().exists():
        print(f"run.py: creating {VENV}", file=sys.stderr)
        venv.EnvBuilder(with_pip=True).create(VENV)
    if STAMP.exists() and STAMP.read_text() == wanted_stamp():
        return
    print("run.py: installing the project and its dependencies", file=sys.stderr)
    pip = [str(venv_python()), "-m", "pip", "install", "--quiet"]
    subprocess.run([*pip, "-e", str(ROOT)], check=True, cwd=ROOT)
    STAMP.write_text(wanted_stamp())


def main(argv: list[str]) -> int:
    if not argv or argv[0] not in COMMANDS:
        choices = "|".join(COMMANDS)
        print(f"usage: python3 run.py {{{choices}}} [pytest args]", file=sys.stderr)
        return 2
    if sys.version_info < (3, 11):
        print("run.py: Python 3.11 or newer is needed", file=sys.stderr)
        return 2
    try:
        ensure_environment()
    except subprocess.CalledProcessError as error:
        print(f"run.py: set-up failed ({error}); see pip's output", file=sys.stderr)
        return 3
    command = [str(venv_python()), *COMMANDS[argv[0]], *argv[1:]]
    os.chdir(ROOT)
    # exec: Ctrl-C and SIGTERM reach pytest itself, which cleans up.
    os.execv(command[0], command)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
