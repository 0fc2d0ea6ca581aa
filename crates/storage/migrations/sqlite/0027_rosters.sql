-- The rosters of the PAR INDEX surveys of officials. The reform office opens a survey's roster
-- with the deadline after which the agencies' lists are locked; each agency's focal point lists
-- the people it chose, their name and contacts sealed (the blind indexes find a person listed
-- twice). Invitations to them are the ordinary invitations, naming the member instead of a
-- sampled dossier. When the round is over (`erased_at`), the names, contacts and the tokens
-- that tie a person to their link are erased; the counts stay.
CREATE TABLE rosters (
    survey_id   BIGINT PRIMARY KEY REFERENCES surveys (id),
    closes_at   BIGINT NOT NULL,
    set_by      BIGINT REFERENCES users (id),
    set_at      BIGINT NOT NULL,
    erased_at   BIGINT
);

CREATE TABLE roster_members (
    id            INTEGER PRIMARY KEY,
    survey_id     BIGINT NOT NULL REFERENCES surveys (id),
    unit_id       BIGINT NOT NULL REFERENCES units (id),
    name_sealed   TEXT NOT NULL,
    position      TEXT NOT NULL,
    workplace     TEXT NOT NULL,
    email_sealed  TEXT NOT NULL,
    phone_sealed  TEXT NOT NULL,
    email_index   TEXT NOT NULL,
    phone_index   TEXT NOT NULL,
    added_by      BIGINT REFERENCES users (id),
    added_at      BIGINT NOT NULL
);
CREATE INDEX roster_members_unit ON roster_members (survey_id, unit_id);
CREATE INDEX roster_members_email ON roster_members (survey_id, email_index);
CREATE INDEX roster_members_phone ON roster_members (survey_id, phone_index);

-- An invitation goes to a sampled dossier's applicant or to a roster member: the table is
-- rebuilt, SQLite cannot loosen a NOT NULL in place.
CREATE TABLE invitations_new (
    id            INTEGER PRIMARY KEY,
    survey_id     BIGINT NOT NULL REFERENCES surveys (id),
    draw_id       BIGINT REFERENCES sample_draws (id),
    entry_id      BIGINT REFERENCES frame_entries (id),
    member_id     BIGINT REFERENCES roster_members (id),
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
    UNIQUE (survey_id, entry_id, channel),
    CHECK ((entry_id IS NULL) <> (member_id IS NULL))
);
INSERT INTO invitations_new (id, survey_id, draw_id, entry_id, unit_id, channel, token_hash, token_sealed, status, created_at, sent_at,
                             delivered_at, opened_at, started_at, completed_at, closed_at, last_sent_at, reminders, due_at, attempts,
                             provider_id, last_error)
SELECT id, survey_id, draw_id, entry_id, unit_id, channel, token_hash, token_sealed, status, created_at, sent_at,
       delivered_at, opened_at, started_at, completed_at, closed_at, last_sent_at, reminders, due_at, attempts, provider_id, last_error
FROM invitations;
DROP TABLE invitations;
ALTER TABLE invitations_new RENAME TO invitations;
CREATE INDEX invitations_due ON invitations (due_at);
CREATE INDEX invitations_report ON invitations (survey_id, unit_id, channel, status);
CREATE INDEX invitations_provider ON invitations (provider_id);
CREATE INDEX invitations_entry ON invitations (entry_id, created_at);
CREATE UNIQUE INDEX invitations_member ON invitations (survey_id, member_id, channel);
