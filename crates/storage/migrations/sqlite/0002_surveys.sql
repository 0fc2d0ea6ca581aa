-- Survey engine: questionnaires and their published versions, surveys, one-time tokens,
-- responses and the aggregate counters that dashboards read.

CREATE TABLE questionnaires (
    id          INTEGER PRIMARY KEY,
    code        TEXT NOT NULL UNIQUE,
    title       TEXT NOT NULL,
    unit_id     BIGINT NOT NULL REFERENCES units (id),
    draft       TEXT NOT NULL,
    created_at  BIGINT NOT NULL,
    updated_at  BIGINT NOT NULL
);

-- A published version never changes: responses are read against it.
CREATE TABLE questionnaire_versions (
    id                INTEGER PRIMARY KEY,
    questionnaire_id  BIGINT NOT NULL REFERENCES questionnaires (id),
    version           BIGINT NOT NULL,
    body              TEXT NOT NULL,
    published_at      BIGINT NOT NULL,
    published_by      BIGINT REFERENCES users (id),
    UNIQUE (questionnaire_id, version)
);

CREATE TABLE surveys (
    id            INTEGER PRIMARY KEY,
    code          TEXT NOT NULL UNIQUE,
    title         TEXT NOT NULL,
    unit_id       BIGINT NOT NULL REFERENCES units (id),
    version_id    BIGINT NOT NULL REFERENCES questionnaire_versions (id),
    recurrence    TEXT NOT NULL,
    period_start  TEXT NOT NULL,
    period_end    TEXT NOT NULL,
    opens_at      BIGINT NOT NULL,
    closes_at     BIGINT NOT NULL,
    channels      TEXT NOT NULL,
    previous_id   BIGINT REFERENCES surveys (id),
    created_at    BIGINT NOT NULL
);

CREATE TABLE survey_units (
    survey_id  BIGINT NOT NULL REFERENCES surveys (id),
    unit_id    BIGINT NOT NULL REFERENCES units (id),
    PRIMARY KEY (survey_id, unit_id)
);

CREATE TABLE survey_tokens (
    token_hash  TEXT PRIMARY KEY,
    survey_id   BIGINT NOT NULL REFERENCES surveys (id),
    unit_id     BIGINT NOT NULL REFERENCES units (id),
    created_at  BIGINT NOT NULL,
    expires_at  BIGINT,
    used_at     BIGINT
);

-- One row per acknowledged response. The submission id, chosen by the client, makes a resend
-- harmless; the token hash, when there is one, is unique: one response per token.
CREATE TABLE responses (
    id             INTEGER PRIMARY KEY,
    submission_id  TEXT NOT NULL UNIQUE,
    survey_id      BIGINT NOT NULL REFERENCES surveys (id),
    unit_id        BIGINT NOT NULL REFERENCES units (id),
    channel        TEXT NOT NULL,
    started_at     BIGINT,
    submitted_at   BIGINT NOT NULL,
    duration_ms    BIGINT,
    token_hash     TEXT UNIQUE,
    dossier_code   TEXT,
    fingerprint    TEXT NOT NULL DEFAULT '',
    flags          BIGINT NOT NULL DEFAULT 0,
    answers        TEXT NOT NULL
);
CREATE INDEX responses_survey ON responses (survey_id, unit_id, submitted_at);

-- Counters kept in the same transaction as the responses: per survey, unit, day, channel,
-- question and option. The empty question counts responses; the empty option, answers.
CREATE TABLE response_counts (
    survey_id  BIGINT NOT NULL,
    unit_id    BIGINT NOT NULL,
    day        TEXT NOT NULL,
    channel    TEXT NOT NULL,
    question   TEXT NOT NULL,
    option     TEXT NOT NULL,
    count      BIGINT NOT NULL,
    PRIMARY KEY (survey_id, unit_id, day, channel, question, option)
);
