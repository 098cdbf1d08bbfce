"""The graph strategies on a small hand-made catalog: no server needed.

Vocabulary after Hypothesis' own tests: ``find_any`` shows a strategy
can produce something, ``assert_all_examples`` that it never breaks a rule.
"""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, find, given, settings
from hypothesis import strategies as st

from conformance.catalog import (
    CASCADE,
    SET_NULL,
    Catalog,
    CheckConstraint,
    Column,
    ForeignKey,
    Index,
    Table,
)
from conformance.graph import DEFAULT, insertion_plan
from strategies import checks
from strategies.columns import StrategyError
from strategies.graphs import forget_plans, graphs, plan_for
from strategies.registry import (
    ENTRIES_FILE,
    guard_message,
    register,
    registry,
    unregistered,
)

QUIET = settings(max_examples=60, deadline=None, database=None,
                 suppress_health_check=list(HealthCheck))


def col(name, type_="uuid", nullable=False, default=None):
    return Column(name, type_, nullable, default)


def key(table, column, ref, action=CASCADE):
    return ForeignKey(f"{table}_{column}_fkey", table, (column,), ref,
                      ("id",), action)


def music() -> Catalog:
    """users <- tracks <- likes; comments thread; a live-only slug key."""
    users = Table("users", {"id": col("id"), "name": col("name", "text"),
                            "deleted_at": col("deleted_at",
                                              "timestamp with time zone",
                                              True)}, ("id",),
                  indexes=(Index("users_name_live", "users", ("name",), True,
                                 "(deleted_at IS NULL)"),))
    tracks = Table("tracks", {"id": col("id"), "owner_id": col("owner_id"),
                              "status": col("status", "text")}, ("id",),
                   foreign_keys=(key("tracks", "owner_id", "users"),),
                   checks=(CheckConstraint(
                       "tracks_status_check", "tracks",
                       "status = ANY (ARRAY['ready'::text, 'failed'::text])"),))
    likes = Table("likes", {"id": col("id"), "user_id": col("user_id"),
                            "track_id": col("track_id")}, ("id",),
                  foreign_keys=(key("likes", "user_id", "users"),
                                key("likes", "track_id", "tracks")))
    comments = Table(
        "comments", {"id": col("id"), "track_id": col("track_id"),
                     "parent_id": col("parent_id", nullable=True)}, ("id",),
        foreign_keys=(key("comments", "track_id", "tracks"),
                      key("comments", "parent_id", "comments", SET_NULL)))
    tables = (users, tracks, likes, comments)
    return Catalog("15", {t.name: t for t in tables})


CATALOG = music()


@pytest.fixture(autouse=True)
def _entries():
    saved = dict(registry)
    registry.clear()
    forget_plans()
    register("users", rows=(1, 3))
    register("tracks", rows=(0, 3))
    register("likes", rows=(0, 4))
    register("comments", rows=(0, 4))
    yield
    registry.clear()
    registry.update(saved)
    forget_plans()


def find_any(strategy, condition):
    return find(strategy, condition, settings=QUIET)


def assert_all_examples(strategy, predicate):
    @QUIET
    @given(strategy)
    def every(value):
        assert predicate(value), value

    every()


def _references_exist(graph) -> bool:
    for table in graph.tables():
        for fk in CATALOG.tables[table].foreign_keys:
            for row in graph.rows[table].values():
                value = row[fk.columns[0]]
                if value is not None and (value,) not in graph.rows[fk.ref_table]:
                    return False
    return True


def test_every_reference_names_a_drawn_row():
    assert_all_examples(graphs(CATALOG), _references_exist)


def test_a_user_likes_someone_elses_track():
    def cross(graph):
        tracks = graph.rows.get("tracks", {})
        return any(tracks[(like["track_id"],)]["owner_id"] != like["user_id"]
                   for like in graph.rows.get("likes", {}).values())

    find_any(graphs(CATALOG), cross)


def test_a_reply_points_at_an_earlier_comment_and_some_are_top_level():
    def threaded(graph):
        parents = [c["parent_id"] for c in graph.rows.get("comments", {}).values()]
        return None in parents and any(p is not None for p in parents)

    find_any(graphs(CATALOG), threaded)


def test_check_in_list_is_honoured():
    assert_all_examples(graphs(CATALOG), lambda g: all(
        t["status"] in ("ready", "failed")
        for t in g.rows.get("tracks", {}).values()))


def test_live_unique_key_has_no_live_duplicate():
    def unique_among_live(graph):
        live = [u["name"] for u in graph.rows["users"].values()
                if u["deleted_at"] is None]
        return len(live) == len(set(live))

    assert_all_examples(graphs(CATALOG), unique_among_live)


def test_focus_draws_the_table_and_what_it_needs():
    assert_all_examples(graphs(CATALOG, focus="likes"),
                        lambda g: g.keys("likes") and g.keys("tracks"))


def test_a_cycle_is_inserted_null_then_updated():
    a = Table("a", {"id": col("id"), "b_id": col("b_id", nullable=True)},
              ("id",), foreign_keys=(key("a", "b_id", "b", SET_NULL),))
    b = Table("b", {"id": col("id"), "a_id": col("a_id")}, ("id",),
              foreign_keys=(key("b", "a_id", "a"),))
    cyclic = Catalog("15", {"a": a, "b": b})
    register("a", rows=(1, 2))
    register("b", rows=(1, 2))

    graph = find_any(graphs(cyclic), lambda g: any(
        r["b_id"] is not None for r in g.rows["a"].values()))
    plan = [s.as_string(None) for s in insertion_plan(graph, cyclic)]

    assert plan[0].startswith('INSERT INTO "a"')
    assert plan[-1].startswith('UPDATE "a" SET "b_id"')


def test_unknown_type_names_the_column_and_the_file():
    odd = Table("odd", {"id": col("id"), "doc": col("doc", "tsvector")},
                ("id",))

    with pytest.raises(StrategyError, match=r"odd\.doc: no builder for type "
                       r"'tsvector'; register one with @builds in "
                       r"strategies/columns\.py"):
        plan_for(Catalog("15", {"odd": odd}))


def test_unknown_check_names_the_entry_file():
    odd = Table("odd2", {"id": col("id"), "n": col("n", "integer")}, ("id",),
                checks=(CheckConstraint("odd2_n_check", "odd2",
                                        "n % 2 = 0"),))

    with pytest.raises(StrategyError, match="CHECK odd2_n_check .* override"):
        plan_for(Catalog("15", {"odd2": odd}))


def test_an_override_covering_the_check_is_trusted():
    odd = Table("odd3", {"id": col("id"), "n": col("n", "integer")}, ("id",),
                checks=(CheckConstraint("odd3_n_check", "odd3",
                                        "n % 2 = 0"),))
    register("odd3", rows=(1, 1), n=st.integers(0, 5).map(lambda i: 2 * i))

    graph = find_any(graphs(Catalog("15", {"odd3": odd})), lambda g: True)

    assert all(r["n"] % 2 == 0 for r in graph.rows["odd3"].values())


def test_server_defaults_are_left_to_the_server():
    table = Table("d", {"id": col("id"),
                        "at": col("at", "timestamp with time zone",
                                  default="CURRENT_TIMESTAMP")}, ("id",))
    register("d", rows=(1, 1))

    assert_all_examples(graphs(Catalog("15", {"d": table})),
                        lambda g: all(r["at"] is DEFAULT
                                      for r in g.rows["d"].values()))


# --- the registry guard ---------------------------------------------------------


def test_guard_names_the_unregistered_table_and_the_file():
    missing = unregistered(["users", "track_reposts"])

    assert missing == ["track_reposts"]
    message = guard_message("track_reposts")
    assert "track_reposts" in message
    assert ENTRIES_FILE in message
    assert "register('track_reposts')" in message


def test_register_validates_its_arguments():
    with pytest.raises(ValueError, match=r"rows=\(3, 1\) must be"):
        register("users", rows=(3, 1))
    with pytest.raises(TypeError, match=r"users\.name=5 must be a strategy"):
        register("users", name=5)


# --- reading CHECK constraints ------------------------------------------------------


@pytest.mark.parametrize("expression, row, truth", [
    ("duration_ms > 0", {"duration_ms": 0}, False),
    ("duration_ms > 0", {"duration_ms": None}, None),
    ("target_id IS NULL OR target_type IS NOT NULL",
     {"target_id": 1, "target_type": None}, False),
    ("a >= 0 AND a <= 100", {"a": 50}, True),
    ("((s)::text = ANY ((ARRAY['x'::character varying])::text[]))",
     {"s": "y"}, False),
    ("body <> ''::text", {"body": ""}, False),
    ("length(name) <= 3", {"name": "abcd"}, False),
])
def test_check_evaluates_like_sql(expression, row, truth):
    assert checks.evaluate(checks.parse(expression), row) is truth


def test_check_outside_the_forms_is_refused():
    with pytest.raises(checks.UnknownCheck):
        checks.parse("n % 2 = 0")
