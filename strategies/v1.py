"""Registry entries of the V1 tables (fixtures/sql, fixtures/contract.toml).

Every V1 table takes the catalog-derived default as it is (its CHECKs
are all of the simple forms it reads); an entry states how many rows a
graph draws, and would override a column only where the default cannot
satisfy the schema.
Adding a table to V1? Add its ``register(...)`` line here.
"""

from __future__ import annotations

from strategies.registry import register

# A few accounts, so every graph has owners to share things across.
register("users", rows=(1, 3))
register("roles", rows=(0, 2))
register("permissions", rows=(0, 2))
register("role_permissions")
register("user_roles")

register("user_sessions")
register("refresh_tokens")
register("password_reset_tokens", rows=(0, 1))
register("email_verification_tokens", rows=(0, 1))

register("tracks", rows=(0, 3))
register("track_versions")
register("hls_streams")
register("hls_transcode_queue", rows=(0, 1))
register("playback_analytics")
register("bitrate_adaptation_logs")

register("track_likes", rows=(0, 3))
register("track_plays")
register("track_shares", rows=(0, 1))
# Threads: a reply samples its parent among the comments drawn before it.
register("track_comments", rows=(0, 4))
register("track_history")

register("playlists", rows=(0, 3))
register("playlist_tracks", rows=(0, 3))
register("playlist_collaborators")
register("playlist_follows")

register("rooms", rows=(0, 1))
register("audit_logs", rows=(0, 1))
register("jobs", rows=(0, 1))
