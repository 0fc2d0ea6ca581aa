-- The working calendar: each year's changes to the plain Monday-to-Friday week (holidays, days
-- in lieu, make-up Saturdays). A year is written from the law when first needed (`working_years`
-- says which are), then kept by the reform office as the government decides.
CREATE TABLE working_years (
    year  BIGINT PRIMARY KEY
);
CREATE TABLE working_days (
    day         TEXT PRIMARY KEY,
    working     BOOLEAN NOT NULL,
    note        TEXT NOT NULL,
    changed_by  BIGINT REFERENCES users (id),
    changed_at  BIGINT NOT NULL
);

-- Topics people ask about, each mapped to the unit competent for it (none: the reform office
-- dispatches).
CREATE TABLE qa_topics (
    id          INTEGER PRIMARY KEY,
    name        TEXT NOT NULL UNIQUE,
    unit_id     BIGINT REFERENCES units (id),
    active      BOOLEAN NOT NULL DEFAULT TRUE,
    created_at  BIGINT NOT NULL
);

-- A question, feedback or proposal. `unit_id` is the unit that holds it now (NULL while it waits
-- for the dispatcher); `origin_unit_id` the first unit it went to, which follows it after an
-- escalation. Name, address and contact are sealed personal data; the tracking code is kept as
-- its digest (and sealed, for the messages that carry it). `public_*` is what the archive shows (masked), set when it is published.
CREATE TABLE qa_questions (
    id                 INTEGER PRIMARY KEY,
    kind               TEXT NOT NULL,
    channel            TEXT NOT NULL,
    topic_id           BIGINT NOT NULL REFERENCES qa_topics (id),
    asked_unit_id      BIGINT REFERENCES units (id),
    unit_id            BIGINT REFERENCES units (id),
    origin_unit_id     BIGINT REFERENCES units (id),
    title              TEXT NOT NULL,
    body               TEXT NOT NULL,
    name               TEXT NOT NULL,
    address            TEXT,
    contact            TEXT NOT NULL,
    consent            BOOLEAN NOT NULL,
    -- The asker would rather be told on Zalo (at the phone number they left).
    by_zalo            BOOLEAN NOT NULL DEFAULT FALSE,
    code               TEXT NOT NULL,
    code_digest        TEXT NOT NULL UNIQUE,
    status             TEXT NOT NULL,
    received_at        BIGINT NOT NULL,
    entered_by         BIGINT REFERENCES users (id),
    first_deadline_at  BIGINT NOT NULL,
    deadline_at        BIGINT NOT NULL,
    remind_at          BIGINT,
    escalations        BIGINT NOT NULL DEFAULT 0,
    draft              TEXT NOT NULL DEFAULT '',
    drafted_by         BIGINT REFERENCES users (id),
    drafted_at         BIGINT,
    answer             TEXT,
    answer_unit_id     BIGINT REFERENCES units (id),
    answered_by        BIGINT REFERENCES users (id),
    answered_at        BIGINT,
    reason             TEXT,
    published_at       BIGINT,
    public_title       TEXT,
    public_body        TEXT,
    public_answer      TEXT,
    pinned             BOOLEAN NOT NULL DEFAULT FALSE,
    useful             BIGINT NOT NULL DEFAULT 0,
    not_useful         BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX qa_questions_unit ON qa_questions (unit_id, status, deadline_at);
CREATE INDEX qa_questions_origin ON qa_questions (origin_unit_id, received_at);
CREATE INDEX qa_questions_received ON qa_questions (received_at);
-- What the clock acts on: the questions a unit holds, by deadline and by reminder (one waiting
-- for the dispatcher has neither: it escalates nowhere, and the dispatcher's list shows it).
CREATE INDEX qa_questions_due ON qa_questions (deadline_at) WHERE status IN ('dang-xu-ly', 'cho-duyet') AND unit_id IS NOT NULL;
CREATE INDEX qa_questions_remind ON qa_questions (remind_at) WHERE remind_at IS NOT NULL;
-- The archive, newest first: all of it (the pinned first), by topic, by the answering unit.
CREATE INDEX qa_questions_archive ON qa_questions (pinned, published_at, id) WHERE published_at IS NOT NULL;
CREATE INDEX qa_questions_archive_topic ON qa_questions (topic_id, pinned, published_at, id) WHERE published_at IS NOT NULL;
CREATE INDEX qa_questions_archive_unit ON qa_questions (answer_unit_id, pinned, published_at, id) WHERE published_at IS NOT NULL;

-- Every move and step of a question, in order: who, from which unit to which, and why.
CREATE TABLE qa_events (
    id            INTEGER PRIMARY KEY,
    question_id   BIGINT NOT NULL REFERENCES qa_questions (id),
    step          TEXT NOT NULL,
    author_id     BIGINT REFERENCES users (id),
    from_unit_id  BIGINT REFERENCES units (id),
    to_unit_id    BIGINT REFERENCES units (id),
    note          TEXT NOT NULL DEFAULT '',
    at            BIGINT NOT NULL
);
CREATE INDEX qa_events_question ON qa_events (question_id, id);

-- Files the asker attached: for the handling units only (they may hold personal data).
CREATE TABLE qa_files (
    id           INTEGER PRIMARY KEY,
    question_id  BIGINT NOT NULL REFERENCES qa_questions (id),
    name         TEXT NOT NULL,
    media_type   TEXT NOT NULL,
    size         BIGINT NOT NULL,
    content      BLOB NOT NULL
);
CREATE INDEX qa_files_question ON qa_files (question_id);

-- "Was this useful?": one vote per browser (the digest of its token) and answer.
CREATE TABLE qa_votes (
    question_id   BIGINT NOT NULL REFERENCES qa_questions (id),
    voter_digest  TEXT NOT NULL,
    useful        BOOLEAN NOT NULL,
    at            BIGINT NOT NULL,
    PRIMARY KEY (question_id, voter_digest)
);

-- Messages to askers (received, answered, declined), sent by the outbox worker with retries.
CREATE TABLE qa_notices (
    id               INTEGER PRIMARY KEY,
    question_id      BIGINT NOT NULL REFERENCES qa_questions (id),
    message          TEXT NOT NULL,
    created_at       BIGINT NOT NULL,
    attempts         BIGINT NOT NULL DEFAULT 0,
    next_attempt_at  BIGINT NOT NULL,
    sent_at          BIGINT,
    last_error       TEXT
);
CREATE INDEX qa_notices_due ON qa_notices (sent_at, next_attempt_at);
