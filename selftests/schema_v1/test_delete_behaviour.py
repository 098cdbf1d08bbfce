"""Hand-picked V1 deletions whose outcome the design depends on.

The cascade suite explores generated graphs; these pin the few cases the
V1 design was argued from, so a regression names the decision it breaks.
"""

from __future__ import annotations

import psycopg
import pytest
from psycopg import errors, sql


def insert(conn, table: str, **values) -> str:
    query = sql.SQL("INSERT INTO {} ({}) VALUES ({}) RETURNING id").format(
        sql.Identifier(table),
        sql.SQL(", ").join(map(sql.Identifier, values)),
        sql.SQL(", ").join(sql.Placeholder() * len(values)),
    )
    return conn.execute(query, list(values.values())).fetchone()[0]


def user(conn, handle: str) -> str:
    return insert(conn, "users", username=handle,
                  email=f"{handle}@example.test", password_hash="x")


def track(conn, owner: str, slug: str) -> str:
    return insert(conn, "tracks", owner_id=owner, title=slug, slug=slug)


def count(conn, query: str, *args) -> int:
    return conn.execute(query, args).fetchone()[0]


@pytest.fixture
def conn(v1_db):
    with psycopg.connect(v1_db) as c:
        yield c
        c.rollback()


def test_deleting_an_artist_spares_other_users_data(conn):
    artist, fan = user(conn, "artist"), user(conn, "fan")
    own, theirs = track(conn, artist, "a"), track(conn, fan, "b")
    playlist = insert(conn, "playlists", owner_id=fan, title="p", slug="p")
    insert(conn, "playlist_tracks", playlist_id=playlist, track_id=own,
           added_by=artist, position=0)
    kept = insert(conn, "playlist_tracks", playlist_id=playlist,
                  track_id=theirs, added_by=artist, position=1)
    parent = insert(conn, "track_comments", track_id=theirs,
                    author_id=artist, body="first")
    reply = insert(conn, "track_comments", track_id=theirs, author_id=fan,
                   body="reply", parent_id=parent)
    insert(conn, "track_plays", track_id=theirs, user_id=artist)

    conn.execute("DELETE FROM users WHERE id = %s", [artist])

    assert count(conn, "SELECT count(*) FROM playlist_tracks "
                 "WHERE playlist_id = %s", playlist) == 1
    assert count(conn, "SELECT count(*) FROM playlist_tracks "
                 "WHERE id = %s AND added_by IS NULL", kept) == 1
    assert count(conn, "SELECT count(*) FROM track_comments "
                 "WHERE id = %s AND parent_id IS NULL", reply) == 1
    assert count(conn, "SELECT count(*) FROM track_plays "
                 "WHERE track_id = %s AND user_id IS NULL", theirs) == 1
    assert count(conn, "SELECT count(*) FROM tracks "
                 "WHERE owner_id = %s", artist) == 0


def test_deleting_an_admin_keeps_the_roles_they_granted(conn):
    admin, member = user(conn, "admin"), user(conn, "member")
    role = insert(conn, "roles", name="moderator")
    insert(conn, "user_roles", user_id=admin, role_id=role)
    grant = insert(conn, "user_roles", user_id=member, role_id=role,
                   granted_by=admin)

    conn.execute("DELETE FROM users WHERE id = %s", [admin])

    assert count(conn, "SELECT count(*) FROM user_roles WHERE id = %s "
                 "AND granted_by IS NULL", grant) == 1


@pytest.mark.parametrize(
    "table, constraint",
    [
        ("roles", "user_roles_role_id_fkey"),
        ("permissions", "role_permissions_permission_id_fkey"),
    ],
)
def test_deleting_a_role_or_permission_in_use_is_refused(
    conn, table, constraint
):
    member = user(conn, "member")
    role = insert(conn, "roles", name="artist")
    permission = insert(conn, "permissions", resource="tracks",
                        action="delete")
    insert(conn, "user_roles", user_id=member, role_id=role)
    insert(conn, "role_permissions", role_id=role,
           permission_id=permission)
    target = role if table == "roles" else permission

    with pytest.raises(errors.ForeignKeyViolation) as refused:
        conn.execute(
            sql.SQL("DELETE FROM {} WHERE id = %s").format(
                sql.Identifier(table)),
            [target],
        )

    assert refused.value.diag.constraint_name == constraint


def test_a_removed_collaborator_can_be_invited_again(conn):
    owner, guest = user(conn, "owner"), user(conn, "guest")
    playlist = insert(conn, "playlists", owner_id=owner, title="p", slug="p")
    first = insert(conn, "playlist_collaborators", playlist_id=playlist,
                   user_id=guest)
    conn.execute("UPDATE playlist_collaborators SET deleted_at = "
                 "CURRENT_TIMESTAMP WHERE id = %s", [first])

    again = insert(conn, "playlist_collaborators", playlist_id=playlist,
                   user_id=guest)

    assert again != first
    with pytest.raises(errors.UniqueViolation):
        insert(conn, "playlist_collaborators", playlist_id=playlist,
               user_id=guest)
