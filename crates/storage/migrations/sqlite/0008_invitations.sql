-- Invitations: one per sampled dossier, survey and channel, with its one-time token (the
-- digest in survey_tokens answers the link; the token itself is sealed here so that reminders
-- can carry the same link), its status and the times it reached each, and the next message due.
CREATE TABLE invitations (
    id            INTEGER PRIMARY KEY,
    survey_id     BIGINT NOT NULL REFERENCES surveys (id),
    draw_id       BIGINT REFERENCES sample_draws (id),
    entry_id      BIGINT NOT NULL REFERENCES frame_entries (id),
    unit_id       BIGINT NOT NULL REFERENCES units (id),
    channel       TEXT NOT NULL,
    token_hash    TEXT NOT NULL UNIQUE,
    token_sealed  TEXT NOT NULL,
    status        TEXT NOT NULL,
    created_at    BIGINT NOT NULL,
    sent_at       BIGINT,
    delivered_at  BIGINT,
    opened_at     BIGINT,
    started_at    BIGINT,
    completed_at  BIGINT,
    closed_at     BIGINT,
    last_sent_at  BIGINT,
    reminders     BIGINT NOT NULL DEFAULT 0,
    due_at        BIGINT,
    attempts      BIGINT NOT NULL DEFAULT 0,
    provider_id   TEXT NOT NULL DEFAULT '',
    last_error    TEXT NOT NULL DEFAULT '',
    UNIQUE (survey_id, entry_id, channel)
);
CREATE INDEX invitations_due ON invitations (due_at);
CREATE INDEX invitations_report ON invitations (survey_id, unit_id, channel, status);
CREATE INDEX invitations_provider ON invitations (provider_id);
CREATE INDEX invitations_entry ON invitations (entry_id, created_at);

-- Contacts who asked not to be invited again, by the blind index of their phone or e-mail.
CREATE TABLE opt_outs (
    contact_index  TEXT PRIMARY KEY,
    at             BIGINT NOT NULL
);
