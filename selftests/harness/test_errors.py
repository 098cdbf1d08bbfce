"""Bad set-ups end the run before any test with one line, no traceback."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.slow


def error_line(run) -> str:
    assert run.returncode == 4, run.output  # pytest's usage error
    assert "Traceback" not in run.output, run.output
    lines = [line for line in run.output.splitlines() if line.startswith("ERROR: ")]
    assert len(lines) == 1, run.output
    return lines[0]


def test_docker_asked_for_and_absent(project, run_tmp):
    absent = f"unix://{run_tmp}/no-docker.sock"

    run = project.run("--postgres=docker", env=project.env(DOCKER_HOST=absent))

    assert error_line(run) == (
        f"ERROR: --postgres=docker: no Docker engine socket at {absent}"
    )
    assert project.leftovers() == []


def test_bad_postgres_bin(project, tmp_path):
    run = project.run("--postgres=local", f"--postgres-bin={tmp_path}")

    assert f"--postgres-bin={tmp_path} lacks one of pg_ctl" in error_line(run)


def test_unreachable_url(project, run_tmp):
    # A socket directory with no server in it: nothing is contacted.
    url = f"postgresql://postgres@/postgres?host={run_tmp}"

    run = project.run(f"--postgres-url={url}")

    expected = "--postgres=auto: cannot connect to postgresql://postgres@"
    assert expected in error_line(run)


def test_url_mode_without_url(project):
    run = project.run("--postgres=url")

    assert "--postgres=url needs a server URL" in error_line(run)


def test_failing_migration_names_file_and_line(project):
    (project.root / "sql" / "000002_bad.up.sql").write_text("\nSELEC 1;\n")

    run = project.run("--postgres=local")

    assert error_line(run).endswith(
        '000002_bad.up.sql:2: syntax error at or near "SELEC" (SQLSTATE 42601)'
    )
    assert project.leftovers() == []


def test_bad_migrations_dir_stops_before_a_server_starts(project):
    (project.root / "sql" / "000001_again.up.sql").write_text("SELECT 1;\n")

    run = project.run("--postgres=local")

    assert "version 1 is also used by" in error_line(run)
    assert "conformance: provider" not in run.output


def test_path_option_outside_the_project_with_a_space(project, tmp_path):
    # pytest must know --migrations before it picks the rootdir, or it
    # reads the path as a test path and never loads the suite's conftest.
    outside = tmp_path / "elsewhere"
    outside.mkdir()

    run = project.run("--migrations", str(outside), "--contract", "none")

    assert error_line(run) == (
        f"ERROR: {outside}: no .sql files in the migrations directory"
    )
