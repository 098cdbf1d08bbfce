"""The delete oracle on small graphs whose outcome is worked out by hand.

The order-dependent cases mirror graphs run on PostgreSQL 15: the same
rows delete or fail depending on which foreign key was created first.
"""

from __future__ import annotations

import pytest

from conformance.catalog import CASCADE, NO_ACTION, RESTRICT, SET_DEFAULT, SET_NULL
from conformance.oracle import (
    CHECK_VIOLATION,
    DELETED,
    FAILS,
    FOREIGN_KEY_VIOLATION,
    NOT_NULL_VIOLATION,
    ORDER_DEPENDENT,
    OracleError,
    predict,
)
from oracle_handmade import catalog, fk, state, table


def owner_tree(child_action: str, *, not_null=()):
    """p <- c (c.p, child_action)."""
    return catalog(
        table("p"),
        table("c", "p", fks=[fk("c", "p", "p", child_action)],
              not_null=not_null),
    )


ONE_CHILD = state(p=[{"id": "p1"}], c=[{"id": "c1", "p": "p1"}])


def test_cascade_removes_the_child():
    outcome = predict(ONE_CHILD, owner_tree(CASCADE), "p", ("p1",))

    assert outcome.verdict == DELETED
    assert outcome.deleted == {("p", ("p1",)), ("c", ("c1",))}
    assert outcome.expected(ONE_CHILD) == {"p": {}, "c": {}}


def test_set_null_writes_the_child_and_keeps_it():
    outcome = predict(ONE_CHILD, owner_tree(SET_NULL), "p", ("p1",))

    assert outcome.verdict == DELETED
    assert outcome.deleted == {("p", ("p1",))}
    assert outcome.expected(ONE_CHILD)["c"] == {("c1",): {"id": "c1", "p": None}}


def test_set_null_on_a_not_null_column_fails():
    schema = owner_tree(SET_NULL, not_null=("p",))

    outcome = predict(ONE_CHILD, schema, "p", ("p1",))

    assert outcome.verdict == FAILS
    [violation] = outcome.violations
    assert (violation.sqlstate, violation.column) == (NOT_NULL_VIOLATION, "p")
    assert outcome.expected(ONE_CHILD) == ONE_CHILD


@pytest.mark.parametrize("action", [RESTRICT, NO_ACTION])
def test_a_surviving_child_blocks(action):
    outcome = predict(ONE_CHILD, owner_tree(action), "p", ("p1",))

    assert outcome.verdict == FAILS
    [violation] = outcome.violations
    assert violation.sqlstate == FOREIGN_KEY_VIOLATION
    assert violation.constraint == "c_p_fkey"


def test_a_childless_restrict_parent_deletes():
    lonely = state(p=[{"id": "p1"}, {"id": "p2"}], c=[{"id": "c1", "p": "p2"}])

    outcome = predict(lonely, owner_tree(RESTRICT), "p", ("p1",))

    assert outcome.verdict == DELETED
    assert outcome.deleted == {("p", ("p1",))}


def test_set_null_column_list_writes_only_those_columns():
    key = fk("c", "p", "p", SET_NULL, set_columns=("q",))
    schema = catalog(table("p"), table("c", "p", "q", fks=[key]))
    graph = state(p=[{"id": "p1"}], c=[{"id": "c1", "p": "p1", "q": "x"}])

    outcome = predict(graph, schema, "p", ("p1",))

    assert outcome.written == {("c", ("c1",)): {"q": None}}


def test_a_check_broken_by_the_nulling_fails():
    schema = catalog(
        table("p"),
        table("c", "p", "note", fks=[fk("c", "p", "p", SET_NULL)],
              checks=[("c_note_needs_p", "p IS NOT NULL OR note IS NULL")]),
    )
    graph = state(p=[{"id": "p1"}], c=[{"id": "c1", "p": "p1", "note": "n"}])
    seen = []

    def check(table_name, constraint, row):
        seen.append((table_name, constraint.name, row["p"]))
        return row["p"] is not None or row["note"] is None

    outcome = predict(graph, schema, "p", ("p1",), check=check)

    assert outcome.verdict == FAILS
    assert outcome.violations[0].sqlstate == CHECK_VIOLATION
    assert outcome.violations[0].constraint == "c_note_needs_p"
    assert seen == [("c", "c_note_needs_p", None)]


def test_set_default_writes_the_default_and_it_must_exist():
    schema = owner_tree(SET_DEFAULT)
    graph = state(p=[{"id": "p1"}, {"id": "p0"}], c=[{"id": "c1", "p": "p1"}])

    ok = predict(graph, schema, "p", ("p1",), default_of=lambda t, c: "p0")
    dangling = predict(graph, schema, "p", ("p1",),
                       default_of=lambda t, c: "nowhere")

    assert ok.verdict == DELETED
    assert ok.written == {("c", ("c1",)): {"p": "p0"}}
    assert dangling.verdict == FAILS
    assert dangling.violations[0].constraint == "c_p_fkey"


def test_set_default_without_a_default_callback_is_refused():
    with pytest.raises(OracleError, match="SET DEFAULT"):
        predict(ONE_CHILD, owner_tree(SET_DEFAULT), "p", ("p1",))


def test_contract_action_overrides_the_catalog():
    outcome = predict(ONE_CHILD, owner_tree(RESTRICT), "p", ("p1",),
                      action_of=lambda key: CASCADE)

    assert outcome.verdict == DELETED


def test_a_missing_target_is_an_error():
    with pytest.raises(OracleError, match=r"p\['nope'\] is not in"):
        predict(ONE_CHILD, owner_tree(CASCADE), "p", ("nope",))


# --- rounds: when a blocking child is itself deleted ----------------------


def diamond(block_action: str, *, via_x: bool):
    """p <- c (cascade); g -> c (block_action); g -> p or x -> p (cascade).

    With ``via_x`` g hangs one hop further from p than c does.
    """
    g_parent = "x" if via_x else "p"
    tables = [
        table("p"),
        table("c", "p", fks=[fk("c", "p", "p", CASCADE)]),
        table("x", "p", fks=[fk("x", "p", "p", CASCADE)]),
        table("g", "c", g_parent, fks=[
            fk("g", "c", "c", block_action),
            fk("g", g_parent, g_parent, CASCADE),
        ]),
    ]
    graph = state(
        p=[{"id": "p1"}],
        c=[{"id": "c1", "p": "p1"}],
        x=[{"id": "x1", "p": "p1"}],
        g=[{"id": "g1", "c": "c1", g_parent: "p1" if not via_x else "x1"}],
    )
    return catalog(*tables), graph


@pytest.mark.parametrize("action", [RESTRICT, NO_ACTION])
def test_a_blocker_deleted_in_an_earlier_round_does_not_block(action):
    # c and g both sit one hop from p: g goes in the same round as c,
    # before c's check fires in the next one.
    schema, graph = diamond(action, via_x=False)

    outcome = predict(graph, schema, "p", ("p1",))

    assert outcome.verdict == DELETED
    assert len(outcome.deleted) == 4


@pytest.mark.parametrize("action", [RESTRICT, NO_ACTION])
def test_a_blocker_deleted_in_the_checking_round_is_order_dependent(action):
    # c's check and g's cascade (through x) fire in the same round.
    schema, graph = diamond(action, via_x=True)

    outcome = predict(graph, schema, "p", ("p1",))

    assert outcome.verdict == ORDER_DEPENDENT
    assert "g_c_fkey" in outcome.reason
    assert outcome.expected(graph) == graph


def test_a_blocker_deleted_two_rounds_later_blocks():
    # g hangs two hops below x: still present when c's check fires.
    schema = catalog(
        table("p"),
        table("c", "p", fks=[fk("c", "p", "p", CASCADE)]),
        table("x", "p", fks=[fk("x", "p", "p", CASCADE)]),
        table("y", "x", fks=[fk("y", "x", "x", CASCADE)]),
        table("g", "c", "y", fks=[fk("g", "c", "c", RESTRICT),
                                  fk("g", "y", "y", CASCADE)]),
    )
    graph = state(p=[{"id": "p1"}], c=[{"id": "c1", "p": "p1"}],
                  x=[{"id": "x1", "p": "p1"}], y=[{"id": "y1", "x": "x1"}],
                  g=[{"id": "g1", "c": "c1", "y": "y1"}])

    outcome = predict(graph, schema, "p", ("p1",))

    assert outcome.verdict == FAILS
    assert [v.constraint for v in outcome.violations] == ["g_c_fkey"]


def test_deferred_no_action_waits_for_the_whole_cascade():
    schema = catalog(
        table("p"),
        table("c", "p", fks=[fk("c", "p", "p", CASCADE)]),
        table("x", "p", fks=[fk("x", "p", "p", CASCADE)]),
        table("g", "c", "x", fks=[
            fk("g", "c", "c", NO_ACTION, deferrable=True,
               initially_deferred=True),
            fk("g", "x", "x", CASCADE),
        ]),
    )
    graph = state(p=[{"id": "p1"}], c=[{"id": "c1", "p": "p1"}],
                  x=[{"id": "x1", "p": "p1"}],
                  g=[{"id": "g1", "c": "c1", "x": "x1"}])

    outcome = predict(graph, schema, "p", ("p1",))

    assert outcome.verdict == DELETED


def test_self_reference_cascade_removes_the_whole_thread():
    schema = catalog(
        table("t"),
        table("m", "t", "parent", fks=[
            fk("m", "t", "t", CASCADE),
            fk("m", "parent", "m", RESTRICT),
        ]),
    )
    graph = state(t=[{"id": "t1"}], m=[
        {"id": "m1", "t": "t1", "parent": None},
        {"id": "m2", "t": "t1", "parent": "m1"},
    ])

    on_track = predict(graph, schema, "t", ("t1",))
    on_parent = predict(graph, schema, "m", ("m1",))

    # Same cascade statement: the reply is gone when m1's check runs.
    assert on_track.verdict == DELETED
    assert on_parent.verdict == FAILS


def test_a_row_nulled_and_deleted_in_one_round_with_a_failing_write():
    # c -> p twice: through a (cascade) and b (set null on NOT NULL b).
    schema = catalog(
        table("p"),
        table("c", "a", "b", not_null=("b",), fks=[
            fk("c", "a", "p", CASCADE), fk("c", "b", "p", SET_NULL)]),
    )
    graph = state(p=[{"id": "p1"}], c=[{"id": "c1", "a": "p1", "b": "p1"}])

    outcome = predict(graph, schema, "p", ("p1",))

    assert outcome.verdict == ORDER_DEPENDENT
    assert outcome.violations[0].sqlstate == NOT_NULL_VIOLATION


def test_a_row_nulled_and_deleted_in_one_round_with_a_valid_write():
    schema = catalog(
        table("p"),
        table("c", "a", "b", fks=[
            fk("c", "a", "p", CASCADE), fk("c", "b", "p", SET_NULL)]),
    )
    graph = state(p=[{"id": "p1"}], c=[{"id": "c1", "a": "p1", "b": "p1"}])

    outcome = predict(graph, schema, "p", ("p1",))

    assert outcome.verdict == DELETED
    assert outcome.written == {}
    assert ("c", ("c1",)) in outcome.deleted


def test_a_later_cascade_reaches_a_row_written_earlier():
    # Deleting u: r.by is nulled in round 0; r goes in round 1 via t.
    schema = catalog(
        table("u"),
        table("t", "owner", fks=[fk("t", "owner", "u", CASCADE)]),
        table("r", "t", "by", fks=[fk("r", "t", "t", CASCADE),
                                   fk("r", "by", "u", SET_NULL)]),
    )
    graph = state(u=[{"id": "u1"}], t=[{"id": "t1", "owner": "u1"}],
                  r=[{"id": "r1", "t": "t1", "by": "u1"}])

    outcome = predict(graph, schema, "u", ("u1",))

    assert outcome.verdict == DELETED
    assert outcome.written == {}
    assert outcome.expected(graph) == {"u": {}, "t": {}, "r": {}}
