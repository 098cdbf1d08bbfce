-- The lab schema as the V1 audit found it (docs: the audit's section 2),
-- reduced to a handful of columns a table. Core entities are on uuid;
-- the seventeen tables of the audit's gap table are still on bigserial.
-- Its other structural issues, each reproduced on purpose:
--   * created_at/updated_at defaults mix now() and CURRENT_TIMESTAMP
--     (track_likes, playlist_follows, rooms use now());
--   * playlist_tracks has no deleted_at although it is user-managed;
--   * four foreign keys say no ON DELETE (refresh_tokens.user_id,
--     track_plays.track_id, playlist_tracks.track_id,
--     hls_streams.track_version_id).
-- Everything else is clean, so every finding is one the audit lists.

CREATE TABLE users (
    id         uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    username   text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT CURRENT_TIMESTAMP,
    updated_at timestamptz NOT NULL DEFAULT CURRENT_TIMESTAMP,
    deleted_at timestamptz
);
CREATE UNIQUE INDEX users_username_live ON users (username)
    WHERE deleted_at IS NULL;

CREATE TABLE roles (
    id         uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    name       text NOT NULL UNIQUE,
    created_at timestamptz NOT NULL DEFAULT CURRENT_TIMESTAMP,
    updated_at timestamptz NOT NULL DEFAULT CURRENT_TIMESTAMP
);

CREATE TABLE permissions (
    id         uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    name       text NOT NULL UNIQUE,
    created_at timestamptz NOT NULL DEFAULT CURRENT_TIMESTAMP,
    updated_at timestamptz NOT NULL DEFAULT CURRENT_TIMESTAMP
);

CREATE TABLE tracks (
    id         uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    owner_id   uuid NOT NULL REFERENCES users ON DELETE CASCADE,
    title      text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT CURRENT_TIMESTAMP,
    updated_at timestamptz NOT NULL DEFAULT CURRENT_TIMESTAMP,
    deleted_at timestamptz
);
CREATE INDEX ON tracks (owner_id);

CREATE TABLE playlists (
    id         uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    owner_id   uuid NOT NULL REFERENCES users ON DELETE CASCADE,
    title      text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT CURRENT_TIMESTAMP,
    updated_at timestamptz NOT NULL DEFAULT CURRENT_TIMESTAMP,
    deleted_at timestamptz
);
CREATE INDEX ON playlists (owner_id);

-- No deleted_at, and track_id says no ON DELETE.
CREATE TABLE playlist_tracks (
    id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    playlist_id uuid NOT NULL REFERENCES playlists ON DELETE CASCADE,
    track_id    uuid NOT NULL REFERENCES tracks,
    position    integer NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT CURRENT_TIMESTAMP,
    updated_at  timestamptz NOT NULL DEFAULT CURRENT_TIMESTAMP
);
CREATE INDEX ON playlist_tracks (playlist_id);
CREATE INDEX ON playlist_tracks (track_id);

-- Auth -------------------------------------------------------------------

CREATE TABLE user_sessions (
    id         bigserial PRIMARY KEY,
    user_id    uuid NOT NULL REFERENCES users ON DELETE CASCADE,
    created_at timestamptz NOT NULL DEFAULT CURRENT_TIMESTAMP,
    updated_at timestamptz NOT NULL DEFAULT CURRENT_TIMESTAMP
);
CREATE INDEX ON user_sessions (user_id);

CREATE TABLE refresh_tokens (
    id         bigserial PRIMARY KEY,
    user_id    uuid NOT NULL REFERENCES users,
    session_id bigint NOT NULL REFERENCES user_sessions ON DELETE CASCADE,
    token_hash text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT CURRENT_TIMESTAMP,
    updated_at timestamptz NOT NULL DEFAULT CURRENT_TIMESTAMP
);
CREATE INDEX ON refresh_tokens (user_id);
CREATE INDEX ON refresh_tokens (session_id);

CREATE TABLE password_reset_tokens (
    id         bigserial PRIMARY KEY,
    user_id    uuid NOT NULL REFERENCES users ON DELETE CASCADE,
    token_hash text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT CURRENT_TIMESTAMP,
    updated_at timestamptz NOT NULL DEFAULT CURRENT_TIMESTAMP
);
CREATE INDEX ON password_reset_tokens (user_id);

CREATE TABLE email_verification_tokens (
    id         bigserial PRIMARY KEY,
    user_id    uuid NOT NULL REFERENCES users ON DELETE CASCADE,
    token_hash text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT CURRENT_TIMESTAMP,
    updated_at timestamptz NOT NULL DEFAULT CURRENT_TIMESTAMP
);
CREATE INDEX ON email_verification_tokens (user_id);

-- Streaming --------------------------------------------------------------

CREATE TABLE track_versions (
    id         bigserial PRIMARY KEY,
    track_id   uuid NOT NULL REFERENCES tracks ON DELETE CASCADE,
    storage    text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT CURRENT_TIMESTAMP,
    updated_at timestamptz NOT NULL DEFAULT CURRENT_TIMESTAMP
);
CREATE INDEX ON track_versions (track_id);

CREATE TABLE hls_streams (
    id               bigserial PRIMARY KEY,
    track_version_id bigint NOT NULL REFERENCES track_versions,
    bitrate_kbps     integer NOT NULL,
    created_at       timestamptz NOT NULL DEFAULT CURRENT_TIMESTAMP,
    updated_at       timestamptz NOT NULL DEFAULT CURRENT_TIMESTAMP
);
CREATE INDEX ON hls_streams (track_version_id);

CREATE TABLE hls_transcode_queue (
    id               bigserial PRIMARY KEY,
    track_version_id bigint NOT NULL
        REFERENCES track_versions ON DELETE CASCADE,
    status           text NOT NULL DEFAULT 'queued',
    created_at       timestamptz NOT NULL DEFAULT CURRENT_TIMESTAMP,
    updated_at       timestamptz NOT NULL DEFAULT CURRENT_TIMESTAMP
);
CREATE INDEX ON hls_transcode_queue (track_version_id);

CREATE TABLE playback_analytics (
    id         bigserial PRIMARY KEY,
    track_id   uuid NOT NULL REFERENCES tracks ON DELETE CASCADE,
    user_id    uuid REFERENCES users ON DELETE SET NULL,
    created_at timestamptz NOT NULL DEFAULT CURRENT_TIMESTAMP,
    updated_at timestamptz NOT NULL DEFAULT CURRENT_TIMESTAMP
);
CREATE INDEX ON playback_analytics (track_id);
CREATE INDEX ON playback_analytics (user_id);

CREATE TABLE bitrate_adaptation_logs (
    id          bigserial PRIMARY KEY,
    playback_id bigint NOT NULL
        REFERENCES playback_analytics ON DELETE CASCADE,
    to_kbps     integer NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT CURRENT_TIMESTAMP,
    updated_at  timestamptz NOT NULL DEFAULT CURRENT_TIMESTAMP
);
CREATE INDEX ON bitrate_adaptation_logs (playback_id);

CREATE TABLE track_comments (
    id         bigserial PRIMARY KEY,
    track_id   uuid NOT NULL REFERENCES tracks ON DELETE CASCADE,
    user_id    uuid NOT NULL REFERENCES users ON DELETE CASCADE,
    parent_id  bigint REFERENCES track_comments ON DELETE SET NULL,
    body       text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT CURRENT_TIMESTAMP,
    updated_at timestamptz NOT NULL DEFAULT CURRENT_TIMESTAMP,
    deleted_at timestamptz
);
CREATE INDEX ON track_comments (track_id);
CREATE INDEX ON track_comments (user_id);
CREATE INDEX ON track_comments (parent_id);

CREATE TABLE track_history (
    id         bigserial PRIMARY KEY,
    user_id    uuid NOT NULL REFERENCES users ON DELETE CASCADE,
    track_id   uuid NOT NULL REFERENCES tracks ON DELETE CASCADE,
    created_at timestamptz NOT NULL DEFAULT CURRENT_TIMESTAMP,
    updated_at timestamptz NOT NULL DEFAULT CURRENT_TIMESTAMP
);
CREATE INDEX ON track_history (user_id);
CREATE INDEX ON track_history (track_id);

-- now() where the rest say CURRENT_TIMESTAMP.
CREATE TABLE track_likes (
    id         bigserial PRIMARY KEY,
    user_id    uuid NOT NULL REFERENCES users ON DELETE CASCADE,
    track_id   uuid NOT NULL REFERENCES tracks ON DELETE CASCADE,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT CURRENT_TIMESTAMP,
    UNIQUE (user_id, track_id)
);
CREATE INDEX ON track_likes (track_id);

-- track_id says no ON DELETE.
CREATE TABLE track_plays (
    id         bigserial PRIMARY KEY,
    track_id   uuid NOT NULL REFERENCES tracks,
    user_id    uuid REFERENCES users ON DELETE SET NULL,
    created_at timestamptz NOT NULL DEFAULT CURRENT_TIMESTAMP,
    updated_at timestamptz NOT NULL DEFAULT CURRENT_TIMESTAMP
);
CREATE INDEX ON track_plays (track_id);
CREATE INDEX ON track_plays (user_id);

CREATE TABLE track_shares (
    id         bigserial PRIMARY KEY,
    track_id   uuid NOT NULL REFERENCES tracks ON DELETE CASCADE,
    user_id    uuid REFERENCES users ON DELETE SET NULL,
    created_at timestamptz NOT NULL DEFAULT CURRENT_TIMESTAMP,
    updated_at timestamptz NOT NULL DEFAULT CURRENT_TIMESTAMP
);
CREATE INDEX ON track_shares (track_id);
CREATE INDEX ON track_shares (user_id);

-- Social -----------------------------------------------------------------

CREATE TABLE playlist_collaborators (
    id          bigserial PRIMARY KEY,
    playlist_id uuid NOT NULL REFERENCES playlists ON DELETE CASCADE,
    user_id     uuid NOT NULL REFERENCES users ON DELETE CASCADE,
    created_at  timestamptz NOT NULL DEFAULT CURRENT_TIMESTAMP,
    updated_at  timestamptz NOT NULL DEFAULT CURRENT_TIMESTAMP,
    deleted_at  timestamptz
);
CREATE INDEX ON playlist_collaborators (playlist_id);
CREATE INDEX ON playlist_collaborators (user_id);

CREATE TABLE playlist_follows (
    id          bigserial PRIMARY KEY,
    playlist_id uuid NOT NULL REFERENCES playlists ON DELETE CASCADE,
    user_id     uuid NOT NULL REFERENCES users ON DELETE CASCADE,
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT CURRENT_TIMESTAMP
);
CREATE INDEX ON playlist_follows (playlist_id);
CREATE INDEX ON playlist_follows (user_id);

-- Chat (legacy) ----------------------------------------------------------

CREATE TABLE rooms (
    id         bigserial PRIMARY KEY,
    owner_id   uuid NOT NULL REFERENCES users ON DELETE CASCADE,
    name       text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT CURRENT_TIMESTAMP,
    updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX ON rooms (owner_id);
