-- Single sign-on. An official may be linked to identities at OpenID Connect providers (issuer and
-- subject, the pair the provider promises never to reuse); local passwords may be turned off for
-- an official, except the first administrator. A sign-in begun in a browser waits here for the
-- provider to send the browser back: the digest of its state, the digest of the cookie that binds
-- it to that browser, its nonce and PKCE verifier; it is taken once, and forgotten after minutes.
ALTER TABLE users ADD COLUMN password_login BOOLEAN NOT NULL DEFAULT TRUE;

CREATE TABLE user_identities (
    id            INTEGER PRIMARY KEY,
    user_id       BIGINT NOT NULL REFERENCES users (id),
    issuer        TEXT NOT NULL,
    subject       TEXT NOT NULL,
    linked_at     BIGINT NOT NULL,
    last_used_at  BIGINT,
    UNIQUE (issuer, subject)
);
CREATE INDEX user_identities_user ON user_identities (user_id);

CREATE TABLE sso_sign_ins (
    id            INTEGER PRIMARY KEY,
    state_hash    TEXT NOT NULL UNIQUE,
    browser_hash  TEXT NOT NULL,
    purpose       TEXT NOT NULL,
    user_id       BIGINT REFERENCES users (id),
    nonce         TEXT NOT NULL,
    verifier      TEXT NOT NULL,
    next          TEXT NOT NULL,
    expires_at    BIGINT NOT NULL
);
CREATE INDEX sso_sign_ins_expiry ON sso_sign_ins (expires_at);

-- A citizen who proved who they are with their electronic identity (VNeID), on one browser, for
-- a few hours: the keyed digest of the identity (never the identity itself), the name it gave,
-- sealed. A consultation that asks for a verified identity records the digest on its
-- participant, so that one person is known as one however many browsers they use.
CREATE TABLE citizen_sessions (
    id               INTEGER PRIMARY KEY,
    token_hash       TEXT NOT NULL UNIQUE,
    identity_digest  TEXT NOT NULL,
    name             TEXT,
    created_at       BIGINT NOT NULL,
    expires_at       BIGINT NOT NULL
);
CREATE INDEX citizen_sessions_expiry ON citizen_sessions (expires_at);

ALTER TABLE consultation_participants ADD COLUMN identified_at BIGINT;
ALTER TABLE consultation_participants ADD COLUMN identity_digest TEXT;
