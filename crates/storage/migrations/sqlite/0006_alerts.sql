-- Closed-loop alerts: rules per survey, cases with deadline, assignee, notes and resolution,
-- and the outbox that carries notifications to officials.

CREATE TABLE alert_rules (
    survey_id   BIGINT PRIMARY KEY REFERENCES surveys (id),
    body        TEXT NOT NULL,
    updated_at  BIGINT NOT NULL,
    updated_by  BIGINT REFERENCES users (id)
);

-- A case is opened once per cause: `dedupe_key` names it (a response and a kind, or a unit and
-- a month for a threshold). `origin_unit_id` is where it happened; `unit_id` the unit that must
-- handle it now (the unit above after each escalation).
CREATE TABLE alert_cases (
    id              INTEGER PRIMARY KEY,
    survey_id       BIGINT NOT NULL REFERENCES surveys (id),
    origin_unit_id  BIGINT NOT NULL REFERENCES units (id),
    unit_id         BIGINT NOT NULL REFERENCES units (id),
    response_id     BIGINT REFERENCES responses (id),
    kind            TEXT NOT NULL,
    detail          TEXT NOT NULL,
    dedupe_key      TEXT NOT NULL UNIQUE,
    status          TEXT NOT NULL,
    opened_at       BIGINT NOT NULL,
    deadline_at     BIGINT NOT NULL,
    escalations     BIGINT NOT NULL DEFAULT 0,
    assignee_id     BIGINT REFERENCES users (id),
    resolution      TEXT,
    resolved_at     BIGINT,
    resolved_by     BIGINT REFERENCES users (id)
);
CREATE INDEX alert_cases_due ON alert_cases (status, deadline_at);
CREATE INDEX alert_cases_unit ON alert_cases (unit_id, status);
CREATE INDEX alert_cases_origin ON alert_cases (origin_unit_id, status);

CREATE TABLE alert_notes (
    id         INTEGER PRIMARY KEY,
    case_id    BIGINT NOT NULL REFERENCES alert_cases (id),
    author_id  BIGINT REFERENCES users (id),
    body       TEXT NOT NULL,
    at         BIGINT NOT NULL
);
CREATE INDEX alert_notes_case ON alert_notes (case_id, at);

-- Messages to send, written in the transaction that decides them and sent afterwards by the
-- outbox worker, with retries. The recipient is an official: the address is read (and
-- unsealed) only when sending.
CREATE TABLE outbox (
    id               INTEGER PRIMARY KEY,
    channel          TEXT NOT NULL,
    user_id          BIGINT NOT NULL REFERENCES users (id),
    subject          TEXT NOT NULL,
    body             TEXT NOT NULL,
    created_at       BIGINT NOT NULL,
    attempts         BIGINT NOT NULL DEFAULT 0,
    next_attempt_at  BIGINT NOT NULL,
    sent_at          BIGINT,
    last_error       TEXT
);
CREATE INDEX outbox_pending ON outbox (sent_at, next_attempt_at);

-- Alerts start with the answers that arrive from now on, not with every answer ever stored.
INSERT INTO settings (key, value) SELECT 'alerts_cursor', CAST(COALESCE(MAX(id), 0) AS TEXT) FROM responses WHERE TRUE
ON CONFLICT (key) DO NOTHING;
