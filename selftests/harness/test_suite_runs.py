"""The tiny project run end to end through each provider, in a subprocess."""

from __future__ import annotations

import psycopg
import pytest

from conformance.providers import docker as docker_provider
from conformance.providers import Unavailable

pytestmark = pytest.mark.slow


def conformance_databases(url: str) -> set[str]:
    with psycopg.connect(url) as conn:
        rows = conn.execute(
            "SELECT datname FROM pg_database WHERE datname LIKE 'conformance\\_%'"
        )
        return {row[0] for row in rows}


def test_local_with_workers(project, tmp_path):
    urls = tmp_path / "urls"

    env = project.env(SELFTEST_URLS=str(urls))
    run = project.run("--postgres=local", "-n", "2", env=env)

    assert run.returncode == 0, run.output
    assert "provider local, PostgreSQL" in run.header("provider")
    # One database per worker, each a clone of the migrated template.
    assert len(set(urls.read_text().split())) == 2
    assert "template conformance_" in run.header("migrations")
    assert project.leftovers() == []


def test_url_creates_and_drops_only_its_own_databases(project, pg_url):
    before = conformance_databases(pg_url)

    run = project.run("-n", "2", env=project.env(CONFORMANCE_POSTGRES_URL=pg_url))

    assert run.returncode == 0, run.output
    assert "provider url" in run.header("provider")
    assert conformance_databases(pg_url) == before


def test_embedded_single_process(project):
    run = project.run("--postgres=embedded", "-p", "no:xdist")

    assert run.returncode == 0, run.output
    assert "provider embedded, PostgreSQL 16" in run.header("provider")
    assert project.leftovers() == []


def test_family_marker_selects_one_family(project):
    run = project.run("--postgres=local", "-m", "schema", "-q")

    assert run.returncode == 0, run.output
    assert "2 passed, 6 deselected" in run.output


def test_auto_says_why_it_skipped_each_provider(project, run_tmp):
    absent = f"unix://{run_tmp}/no-docker.sock"

    run = project.run(env=project.env(DOCKER_HOST=absent))

    assert run.returncode == 0, run.output
    assert "provider local" in run.header("provider")
    assert "url: no --postgres-url" in run.output
    assert f"docker: no Docker engine socket at {absent}" in run.output
    assert project.leftovers() == []


def test_ci_profile_is_selected_with_hypothesis_own_flag(project):
    run = project.run(
        "--postgres=local", "--hypothesis-profile", "ci", "-p", "no:xdist"
    )

    assert run.returncode == 0, run.output
    assert run.header("hypothesis profile") == "conformance: hypothesis profile ci"


def _docker_or_skip() -> None:
    try:
        docker_provider.ping()
    except Unavailable as why:
        pytest.skip(f"no Docker engine for the Testcontainers run: {why}")


def test_docker_through_testcontainers(project):
    """Needs ``eval "$(../shared/tools/local-docker-engine start)"`` here."""
    _docker_or_skip()
    import docker

    run = project.run("--postgres=docker", "-n", "2")

    assert run.returncode == 0, run.output
    assert "provider docker, PostgreSQL 15" in run.header("provider")
    client = docker.from_env()
    try:
        mine = {"label": docker_provider.LABEL}
        left = client.containers.list(all=True, filters=mine)
    finally:
        client.close()
    assert left == [], f"containers left behind: {[c.name for c in left]}"
