"""Nothing of the suite survives a run: passed, interrupted, or short a worker."""

from __future__ import annotations

import os
import signal
import subprocess

import pytest

pytestmark = pytest.mark.slow


def interrupted(project, tmp_path, wait_for, sig: int, *, group: bool):
    started = tmp_path / "started"
    env = project.env(SELFTEST_STARTED=str(started))
    proc = project.start("--postgres=local", "-n", "2", env=env)
    wait_for(started, proc)

    # Ctrl-C in a terminal signals the whole foreground group; SIGTERM
    # from a supervisor usually reaches the main process alone.
    (os.killpg if group else os.kill)(proc.pid, sig)

    try:
        output, _ = proc.communicate(timeout=60)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        raise
    return proc.returncode, output


def test_ctrl_c_to_the_process_group(project, tmp_path, wait_for_file):
    code, output = interrupted(
        project, tmp_path, wait_for_file, signal.SIGINT, group=True
    )

    assert code == 2, output  # pytest's "interrupted"
    assert project.leftovers() == []


def test_sigterm_to_the_controller(project, tmp_path, wait_for_file):
    code, output = interrupted(
        project, tmp_path, wait_for_file, signal.SIGTERM, group=False
    )

    assert code == 2, output
    assert "KeyboardInterrupt" in output
    assert project.leftovers() == []


def test_lost_worker(project):
    run = project.run("--postgres=local", "-n", "2", env=project.env(SELFTEST_KILL="1"))

    assert run.returncode == 1, run.output
    assert "crashed" in run.output or "node down" in run.output, run.output
    assert "7 passed" in run.output, run.output
    assert project.leftovers() == []


def test_root_conftest_is_not_loaded_here(pytestconfig):
    # selftests/pytest.ini is the conftest boundary: no server is booted
    # for the project's own tests unless a test asks for pg_url.
    assert not pytestconfig.pluginmanager.hasplugin("conformance.plugin")
