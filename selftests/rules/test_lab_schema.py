"""The audit's gap table as a test: the lab schema yields exactly the
findings the audit lists, every one of the seventeen bigint keys, and
nothing else."""

from __future__ import annotations

from pathlib import Path

import pytest

from conformance.contract import Contract
from conformance.rules import run_rules

HERE = Path(__file__).resolve().parent

# Section 2.2 of the audit: tables still on BIGINT (SERIAL) keys.
BIGINT_TABLES = (
    "refresh_tokens", "password_reset_tokens", "email_verification_tokens",
    "user_sessions", "bitrate_adaptation_logs", "hls_streams",
    "hls_transcode_queue", "playback_analytics", "track_comments",
    "track_history", "track_likes", "track_plays", "track_shares",
    "track_versions", "playlist_collaborators", "playlist_follows", "rooms",
)

# Section 2.3: the structural issues, as lab_schema.sql reproduces them.
NO_ON_DELETE = (
    ("refresh_tokens", "user_id"),
    ("track_plays", "track_id"),
    ("playlist_tracks", "track_id"),
    ("hls_streams", "track_version_id"),
)
NOW_DEFAULTS = (
    ("track_likes", "created_at"),
    ("playlist_follows", "created_at"),
    ("rooms", "updated_at"),
)


def expected_findings() -> set[tuple[str, str, str]]:
    expected = {
        (rule, table, "id")
        for table in BIGINT_TABLES
        for rule in ("pk-uuid", "pk-default", "no-sequence")
    }
    expected |= {("ts-default", t, c) for t, c in NOW_DEFAULTS}
    expected.add(("soft-delete-column", "playlist_tracks", "deleted_at"))
    for table, column in NO_ON_DELETE:
        expected.add(("fk-explicit-action", table, column))
        # NOT NULL, so ownership by convention: CASCADE is what it lacks.
        expected.add(("fk-ownership-cascade", table, column))
        expected.add(("deletion-reach", table, column))
    return expected




@pytest.fixture
def lab_findings(schema_of):
    """Every finding of every rule on the lab schema, its contract applied."""
    catalog = schema_of((HERE / "lab_schema.sql").read_text())
    contract = Contract.load(HERE / "lab_contract.toml")
    contract.validate(catalog)
    return run_rules(catalog, contract)


def test_the_audit_lists_seventeen_bigint_tables():
    assert len(set(BIGINT_TABLES)) == 17


def test_lab_yields_exactly_the_audits_findings(lab_findings):
    found = lab_findings

    got = {(f.rule, f.table, f.object) for f in found}
    expected = expected_findings()
    assert got - expected == set(), "spurious findings"
    assert expected - got == set(), "missed findings"
    assert len(found) == len(expected), "a finding reported twice"


def test_every_bigint_key_is_named(lab_findings):
    found = lab_findings

    flagged = {f.table for f in found if f.rule == "pk-uuid"}
    assert flagged == set(BIGINT_TABLES)
    assert all(f.actual == "bigint" for f in found if f.rule == "pk-uuid")


def test_the_audits_example_chain_is_named_in_full(lab_findings):
    found = lab_findings

    reach = {f.table: f.actual for f in found if f.rule == "deletion-reach"}
    assert reach["playlist_tracks"].endswith(
        "users -> tracks <- playlist_tracks <- playlists <- users")
    assert reach["track_plays"].endswith("users -> tracks <- track_plays")
