-- Consultation (xin ý kiến): a unit's draft put to the public for a period, its parts (articles,
-- clauses, points), the people who take part, their comments grouped into positions, votes on
-- them, the drafting unit's answers and the notices sent when the report is out.
CREATE TABLE consultations (
    id            INTEGER PRIMARY KEY,
    unit_id       BIGINT NOT NULL REFERENCES units (id),
    title         TEXT NOT NULL,
    summary       TEXT NOT NULL,
    subject       TEXT NOT NULL,
    audience      TEXT NOT NULL,
    moderation    TEXT NOT NULL,
    opens_at      BIGINT NOT NULL,
    closes_at     BIGINT NOT NULL,
    status        TEXT NOT NULL,
    -- The revised text published with the report.
    final_text    TEXT NOT NULL DEFAULT '',
    created_by    BIGINT REFERENCES users (id),
    created_at    BIGINT NOT NULL,
    updated_at    BIGINT NOT NULL,
    published_at  BIGINT,
    reported_at   BIGINT
);
CREATE INDEX consultations_public ON consultations (status, closes_at);
CREATE INDEX consultations_unit ON consultations (unit_id, updated_at);

-- The units asked when the audience is a list of units.
CREATE TABLE consultation_invited (
    consultation_id  BIGINT NOT NULL REFERENCES consultations (id),
    unit_id          BIGINT NOT NULL REFERENCES units (id),
    PRIMARY KEY (consultation_id, unit_id)
);

-- The draft's parts in reading order; position 0 is the whole draft. `published` counts the
-- published comments on the part itself, kept with every change of a comment's status.
CREATE TABLE consultation_parts (
    id               INTEGER PRIMARY KEY,
    consultation_id  BIGINT NOT NULL REFERENCES consultations (id),
    position         BIGINT NOT NULL,
    parent_id        BIGINT REFERENCES consultation_parts (id),
    level            TEXT NOT NULL,
    number           TEXT NOT NULL,
    heading          TEXT NOT NULL,
    body             TEXT NOT NULL,
    anchor           TEXT NOT NULL,
    published        BIGINT NOT NULL DEFAULT 0,
    UNIQUE (consultation_id, position),
    UNIQUE (consultation_id, anchor)
);

-- Someone taking part in one consultation, known by the digest of a random browser token (or,
-- for an official, by their account). Name and contact are sealed personal data; the contact's
-- keyed digest finds the same person again when they verify it on another device.
CREATE TABLE consultation_participants (
    id               INTEGER PRIMARY KEY,
    consultation_id  BIGINT NOT NULL REFERENCES consultations (id),
    token_digest     TEXT NOT NULL,
    kind             TEXT NOT NULL,
    name             TEXT,
    organisation     TEXT,
    contact          TEXT,
    contact_digest   TEXT,
    verified_at      BIGINT,
    unit_id          BIGINT REFERENCES units (id),
    created_at       BIGINT NOT NULL,
    -- When they first commented or voted (a code asked for is not taking part): the statistics
    -- count by it without looking at the comments.
    took_part_at     BIGINT,
    UNIQUE (consultation_id, token_digest)
);
CREATE INDEX consultation_participants_day ON consultation_participants (consultation_id, took_part_at, kind);
CREATE INDEX consultation_participants_contact ON consultation_participants (consultation_id, contact_digest);

-- A one-time code sent to a participant's phone or e-mail; its digest only.
CREATE TABLE consultation_codes (
    participant_id  BIGINT PRIMARY KEY REFERENCES consultation_participants (id),
    contact         TEXT NOT NULL,
    contact_digest  TEXT NOT NULL,
    code_digest     TEXT NOT NULL,
    expires_at      BIGINT NOT NULL,
    attempts        BIGINT NOT NULL DEFAULT 0
);

-- A comment: `text` is what is shown (personal data masked), `original` what was typed, sealed.
-- `group_id` is the position it belongs to (the id of the position's first comment), set by the
-- grouping step soon after it arrives; until then it is NULL. Vote counts are kept with each vote.
CREATE TABLE consultation_comments (
    id               INTEGER PRIMARY KEY,
    consultation_id  BIGINT NOT NULL REFERENCES consultations (id),
    part_id          BIGINT NOT NULL REFERENCES consultation_parts (id),
    participant_id   BIGINT NOT NULL REFERENCES consultation_participants (id),
    text             TEXT NOT NULL,
    original         TEXT NOT NULL,
    status           TEXT NOT NULL,
    reason           TEXT NOT NULL DEFAULT '',
    group_id         BIGINT,
    agree            BIGINT NOT NULL DEFAULT 0,
    disagree         BIGINT NOT NULL DEFAULT 0,
    pass             BIGINT NOT NULL DEFAULT 0,
    created_at       BIGINT NOT NULL,
    moderated_at     BIGINT,
    moderated_by     BIGINT REFERENCES users (id)
);
CREATE INDEX consultation_comments_queue ON consultation_comments (consultation_id, status, id);
CREATE INDEX consultation_comments_group ON consultation_comments (group_id, status, id);
-- What the grouping step has still to do: only the comments not grouped yet are in it.
CREATE INDEX consultation_comments_ungrouped ON consultation_comments (id) WHERE group_id IS NULL;
CREATE INDEX consultation_comments_participant ON consultation_comments (participant_id, id);

-- A position: comments that say the same. Its counts and representative (the first published
-- member) are kept with every change; the drafting unit's answer is given to the position.
CREATE TABLE consultation_groups (
    id                 BIGINT PRIMARY KEY,
    consultation_id    BIGINT NOT NULL REFERENCES consultations (id),
    part_id            BIGINT NOT NULL REFERENCES consultation_parts (id),
    members            BIGINT NOT NULL DEFAULT 0,
    published          BIGINT NOT NULL DEFAULT 0,
    representative_id  BIGINT,
    agree              BIGINT NOT NULL DEFAULT 0,
    disagree           BIGINT NOT NULL DEFAULT 0,
    pass               BIGINT NOT NULL DEFAULT 0,
    verdict            TEXT,
    answer             TEXT NOT NULL DEFAULT '',
    answered_by        BIGINT REFERENCES users (id),
    answered_at        BIGINT
);
CREATE INDEX consultation_groups_part ON consultation_groups (consultation_id, part_id, published, id);
CREATE INDEX consultation_groups_size ON consultation_groups (consultation_id, published, id);

-- The MinHash bands of the comments of each position: a new comment is compared with the first
-- comment (seed) of each position it shares a band with.
CREATE TABLE consultation_bands (
    consultation_id  BIGINT NOT NULL,
    band_key         BIGINT NOT NULL,
    group_id         BIGINT NOT NULL
);
CREATE UNIQUE INDEX consultation_bands_key ON consultation_bands (consultation_id, band_key, group_id);

CREATE TABLE consultation_votes (
    comment_id      BIGINT NOT NULL REFERENCES consultation_comments (id),
    participant_id  BIGINT NOT NULL REFERENCES consultation_participants (id),
    vote            TEXT NOT NULL,
    at              BIGINT NOT NULL,
    PRIMARY KEY (comment_id, participant_id)
);

-- Participants told that the report is out, sent by the outbox worker with retries.
CREATE TABLE consultation_notices (
    id               INTEGER PRIMARY KEY,
    consultation_id  BIGINT NOT NULL REFERENCES consultations (id),
    participant_id   BIGINT NOT NULL REFERENCES consultation_participants (id),
    created_at       BIGINT NOT NULL,
    attempts         BIGINT NOT NULL DEFAULT 0,
    next_attempt_at  BIGINT NOT NULL,
    sent_at          BIGINT,
    last_error       TEXT
);
CREATE INDEX consultation_notices_due ON consultation_notices (sent_at, next_attempt_at);

-- Running counts of a consultation, kept in the transactions that change them, so that its
-- pages and statistics read a few rows whatever the number of comments: `status:{code}`
-- (comments), `participants`, `kind:{code}` and `day:{n}` (participants by their kind and the
-- day, Vietnam time, they first took part), `verified` (participants who took part verified).
CREATE TABLE consultation_counts (
    consultation_id  BIGINT NOT NULL REFERENCES consultations (id),
    key              TEXT NOT NULL,
    value            BIGINT NOT NULL,
    PRIMARY KEY (consultation_id, key)
);
