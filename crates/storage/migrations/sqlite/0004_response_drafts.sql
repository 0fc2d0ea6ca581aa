-- Answers saved half-way ("save and continue"), found again by a secret link. Only the link's
-- digest is kept; drafts expire and are removed once the response is sent.
CREATE TABLE response_drafts (
    token_hash  TEXT PRIMARY KEY,
    survey_id   BIGINT NOT NULL REFERENCES surveys (id),
    payload     TEXT NOT NULL,
    saved_at    BIGINT NOT NULL,
    expires_at  BIGINT NOT NULL
);
CREATE INDEX response_drafts_expiry ON response_drafts (expires_at);
