-- Foundation: units and lineage, officials and roles, sessions, API tokens, audit log, settings.
-- Timestamps are unix milliseconds; dates are ISO text (yyyy-mm-dd), which sorts like the date.

CREATE TABLE units (
    id          INTEGER PRIMARY KEY,
    code        TEXT NOT NULL UNIQUE,
    name        TEXT NOT NULL,
    name_key    TEXT NOT NULL,
    sort_key    TEXT NOT NULL,
    level       TEXT NOT NULL,
    parent_id   BIGINT REFERENCES units (id),
    valid_from  TEXT NOT NULL,
    valid_to    TEXT,
    created_at  BIGINT NOT NULL,
    updated_at  BIGINT NOT NULL
);
CREATE INDEX units_parent ON units (parent_id);
CREATE INDEX units_level_sort ON units (level, sort_key);

CREATE TABLE unit_lineage (
    id              INTEGER PRIMARY KEY,
    predecessor_id  BIGINT NOT NULL REFERENCES units (id),
    successor_id    BIGINT NOT NULL REFERENCES units (id),
    effective       TEXT NOT NULL,
    share           DOUBLE PRECISION,
    note            TEXT NOT NULL DEFAULT '',
    created_at      BIGINT NOT NULL,
    UNIQUE (predecessor_id, successor_id)
);
CREATE INDEX unit_lineage_successor ON unit_lineage (successor_id);

CREATE TABLE users (
    id                    INTEGER PRIMARY KEY,
    username              TEXT NOT NULL UNIQUE,
    full_name             TEXT NOT NULL,
    email                 TEXT,
    phone                 TEXT,
    unit_id               BIGINT NOT NULL REFERENCES units (id),
    password_hash         TEXT NOT NULL,
    failed_logins         BIGINT NOT NULL DEFAULT 0,
    locked_until          BIGINT,
    disabled              BOOLEAN NOT NULL DEFAULT FALSE,
    password_changed_at   BIGINT NOT NULL,
    created_at            BIGINT NOT NULL,
    updated_at            BIGINT NOT NULL
);
CREATE INDEX users_unit ON users (unit_id);

CREATE TABLE user_roles (
    id          INTEGER PRIMARY KEY,
    user_id     BIGINT NOT NULL REFERENCES users (id),
    role        TEXT NOT NULL,
    unit_id     BIGINT NOT NULL REFERENCES units (id),
    granted_by  BIGINT REFERENCES users (id),
    granted_at  BIGINT NOT NULL,
    UNIQUE (user_id, role, unit_id)
);

CREATE TABLE sessions (
    id            INTEGER PRIMARY KEY,
    token_hash    TEXT NOT NULL UNIQUE,
    user_id       BIGINT NOT NULL REFERENCES users (id),
    created_at    BIGINT NOT NULL,
    last_seen_at  BIGINT NOT NULL,
    expires_at    BIGINT NOT NULL,
    ip            TEXT NOT NULL DEFAULT '',
    user_agent    TEXT NOT NULL DEFAULT '',
    revoked_at    BIGINT
);
CREATE INDEX sessions_user ON sessions (user_id);

CREATE TABLE api_tokens (
    id            INTEGER PRIMARY KEY,
    token_hash    TEXT NOT NULL UNIQUE,
    user_id       BIGINT NOT NULL REFERENCES users (id),
    name          TEXT NOT NULL,
    created_at    BIGINT NOT NULL,
    expires_at    BIGINT,
    last_used_at  BIGINT,
    revoked_at    BIGINT
);

CREATE TABLE audit_log (
    id             INTEGER PRIMARY KEY,
    at             BIGINT NOT NULL,
    actor_user_id  BIGINT,
    actor_name     TEXT NOT NULL,
    action         TEXT NOT NULL,
    object_type    TEXT NOT NULL DEFAULT '',
    object_id      TEXT NOT NULL DEFAULT '',
    unit_id        BIGINT,
    ip             TEXT NOT NULL DEFAULT '',
    user_agent     TEXT NOT NULL DEFAULT '',
    details        TEXT NOT NULL DEFAULT '{}'
);
CREATE INDEX audit_log_at ON audit_log (at);
CREATE INDEX audit_log_unit ON audit_log (unit_id, at);

-- The audit log is append-only: the database itself refuses to change or remove an entry.
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;

CREATE TABLE settings (
    key    TEXT PRIMARY KEY,
    value  TEXT NOT NULL
);
